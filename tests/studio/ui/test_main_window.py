"""The main window's read-only outline of the sample project (offscreen, pytest-qt)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.ui.main_window import MainWindow


def _rows(window: MainWindow) -> list[list[str]]:
    tree = window.outline
    rows = []
    for t in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(t)
        rows.append([top.text(c) for c in range(tree.columnCount())])
        for i in range(top.childCount()):
            rows.append([top.child(i).text(c) for c in range(tree.columnCount())])
    return rows


def test_outline_of_the_sample_marks_offline_media(qtbot: QtBot, sample_project: Path) -> None:
    (sample_project.parent / "media" / "clip-2.mp4").unlink()
    window = MainWindow(persistence.open_project(sample_project))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    assert window.windowTitle() == "Sample — Frameloom"
    assert _rows(window) == [
        ["V1", "track", "", "216 frames", ""],
        ["Clip 1", "clip", "00:00:00:00", "48 frames", ""],
        ["", "crossfade", "00:00:02:00", "12 frames", ""],
        ["Still 1", "still", "00:00:02:00", "36 frames", ""],
        ['Shot 1: "a red circle moves right on a blue background"', "shot", "00:00:03:12",
         "48 frames", ""],
        ["", "gap", "00:00:05:12", "12 frames", ""],
        ["Clip 2", "clip", "00:00:06:00", "72 frames", "offline"],
    ]
    media = [window.media_list.item(i).text() for i in range(window.media_list.count())]
    assert media == ["still-1.png (still)", "still-2.png (still)", "clip-1.mp4 (clip)",
                     "clip-2.mp4 (clip) — offline"]
    assert window.duration_label.text() == "512x288, 24 fps, 00:00:09:00 (216 frames)"


def test_new_project_window_is_empty(qtbot: QtBot) -> None:
    window = MainWindow(None)
    qtbot.addWidget(window)
    assert window.windowTitle() == "Untitled — Frameloom"
    assert _rows(window) == [["V1", "track", "", "0 frames", ""]]
    assert window.media_list.count() == 0


def test_status_bar_tells_of_a_newer_autosave(qtbot: QtBot, sample_project: Path) -> None:
    project = persistence.load_project(sample_project)
    persistence.autosave(project, sample_project)
    sample_project.touch()  # the autosave must not be older than the file...
    project.name = "Edited"  # ...and must differ from it to be offered
    persistence.autosave(project, sample_project)
    window = MainWindow(persistence.open_project(sample_project))
    qtbot.addWidget(window)
    assert window.statusBar().currentMessage().startswith("An autosave newer than this file")
