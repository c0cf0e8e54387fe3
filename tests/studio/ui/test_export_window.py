"""Export from the window: in the background, with progress, cancel, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import av
from pytestqt.qtbot import QtBot

from studio.ui.main_window import MainWindow


def test_export_writes_the_timeline_while_the_window_stays_usable(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    out = tmp_path / "cut.mp4"
    window.prompts.export_path = lambda _name: out
    done: list[tuple[bool, str]] = []
    window.exporter.finished.connect(lambda ok, sentence: done.append((ok, sentence)))
    window.action_set["export"].trigger()
    assert window.export_bar.isVisibleTo(window)
    assert not window.action_set["export"].isEnabled()
    window.timeline.set_selection(["clip-1"])  # editing on does not touch the export
    window.action_set["ripple_delete"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=120000)
    assert done[0][0], done
    assert done[0][1].startswith("Exported cut.mp4 in ")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.frames, stream.width, stream.height) == (216, 512, 288)
    assert window.action_set["export"].isEnabled() and not window.export_bar.isVisibleTo(window)


def test_a_cancelled_export_leaves_nothing(qtbot: QtBot, window: MainWindow,
                                           tmp_path: Path) -> None:
    done: list[tuple[bool, str]] = []
    window.exporter.finished.connect(lambda ok, sentence: done.append((ok, sentence)))
    folder = tmp_path / "out"
    folder.mkdir()
    assert window.export_timeline(folder / "cut.mov")  # ProRes: slow enough to cancel
    assert window.action_set["cancel_export"].isEnabled()
    window.action_set["cancel_export"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    assert done == [(False, "Export cancelled; nothing was written to cut.mov.")]
    assert list(folder.iterdir()) == []


def test_an_unknown_extension_is_one_sentence(window: MainWindow, tmp_path: Path) -> None:
    assert not window.export_timeline(tmp_path / "cut.avi")
    assert window.statusBar().currentMessage() == (
        "Export to .mp4 (H.264) or .mov (ProRes), not .avi.")


def test_a_second_export_waits_for_the_first(qtbot: QtBot, window: MainWindow,
                                             tmp_path: Path) -> None:
    done: list[bool] = []
    window.exporter.finished.connect(lambda ok, _sentence: done.append(ok))
    assert window.export_timeline(tmp_path / "a.mov")
    assert not window.export_timeline(tmp_path / "b.mp4")
    assert window.statusBar().currentMessage().startswith("An export is already running")
    assert window.exporter.running
    window.cancel_export()
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    assert not (tmp_path / "b.mp4").exists()
