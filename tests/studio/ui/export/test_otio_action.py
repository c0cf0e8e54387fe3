"""File > Export Timeline (OTIO): the file it writes, where its dialog opens, its refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.render.otio_import import import_otio
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


def _items(tracks: object) -> list[int]:
    return [len(track.items) for track in tracks]  # type: ignore[attr-defined]


def test_the_action_writes_an_otio_file_that_reads_back(window: MainWindow,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "cut.otio"
    asked: list[str] = []

    def ask(name: str) -> Path:
        asked.append(name)
        return out

    window.prompts.otio_path = ask
    window.action_set["export_otio"].trigger()
    assert asked == [window.project.name]
    assert out.is_file()
    assert window.statusBar().currentMessage().startswith("Exported the timeline to cut.otio: ")
    project, _folder = import_otio(out)
    assert _items(project.timeline.tracks) == _items(window.project.timeline.tracks)
    assert sum(_items(project.timeline.tracks)) > 0


def test_its_dialog_opens_in_the_project_folder_and_adds_the_suffix(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []

    def answer(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        started.append(start)
        return str(Path(start).with_name("my cut")), _filter

    monkeypatch.setattr("studio.ui.window.prompts.QFileDialog.getSaveFileName", answer)
    window.prompts = Prompts.dialogs(window, window.session.dialog_folder)
    window.action_set["export_otio"].trigger()
    folder = window.session.path.parent  # type: ignore[union-attr]
    assert started == [str(folder / f"{window.project.name}.otio")]
    assert (folder / "my cut.otio").is_file()


def test_a_cancelled_or_failed_export_writes_nothing(window: MainWindow, tmp_path: Path) -> None:
    window.prompts.otio_path = lambda _name: None
    window.statusBar().showMessage("before")
    window.action_set["export_otio"].trigger()
    assert window.statusBar().currentMessage() == "before"
    out = tmp_path / "missing" / "cut.otio"
    window.prompts.otio_path = lambda _name: out
    window.action_set["export_otio"].trigger()
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Could not write {out}: ") and message.count(". ") == 0
    assert not out.parent.exists()
