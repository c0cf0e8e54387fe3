"""Adding and removing tracks from the window: each one undo step, a track removed with its
items comes back whole on undo, the last video track stays, and the tracks are saved."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from studio.document import persistence, serialize
from studio.ui.window.main_window import MainWindow


def _state(window: MainWindow) -> str:
    return json.dumps(serialize.encode(window.project), sort_keys=True)


def _rows(window: MainWindow) -> list[str]:
    return [t.name for t in window.timeline.track_rows()]


def _right_click_header(window: MainWindow, name: str) -> None:
    """A right press on the header of the row of track ``name`` (before its context menu)."""
    track = next(t for t in window.project.timeline.all_tracks() if t.name == name)
    row = window.timeline.row_rect(track.id)
    QTest.mousePress(window.timeline, Qt.MouseButton.RightButton, pos=QPoint(
        int(row.left()) + 8, int(row.center().y())))


def test_tracks_are_added_above_and_below_one_undo_step_each(window: MainWindow,
                                                             tmp_path: Path) -> None:
    before = _state(window)
    assert _rows(window) == ["V1"]
    for action in ("add_video_track", "add_audio_track", "add_audio_track"):
        window.action_set[action].trigger()
    assert _rows(window) == ["V2", "V1", "A1", "A2"]
    assert window.session.stack.count() == 3
    assert window.session.stack.undoText() == "Add audio track"
    assert window.session.save(tmp_path / "tracks.frameloom")
    saved = persistence.open_project(tmp_path / "tracks.frameloom").project
    assert [t.name for t in saved.timeline.all_tracks()] == ["V1", "V2", "A1", "A2"]
    assert [t.kind for t in saved.timeline.audio_tracks] == ["audio", "audio"]
    for _ in range(3):
        window.action_set["undo"].trigger()
    assert _state(window) == before


def test_a_track_removed_with_its_items_comes_back_on_undo(window: MainWindow) -> None:
    window.action_set["add_video_track"].trigger()
    window.action_set["add_audio_track"].trigger()
    before = _state(window)
    _right_click_header(window, "V1")  # the sample's clips, stills and shot lie on V1
    assert window.action_set["remove_track"].text() == "Remove &Track V1"  # the menu says so
    items = sum(1 for _i, _s, e in window.project.timeline.tracks[0].layout()
                if type(e).__name__ != "Gap")
    assert window.action_set["remove_track"].isEnabled()
    window.action_set["remove_track"].trigger()
    assert _rows(window) == ["V2", "A1"]
    assert window.action_set["remove_track"].text() == "Remove &Track"  # V1 is gone
    assert window.statusBar().currentMessage() == (f"Removed V1 and its {items} items; Undo "
                                                   f"brings them back.")
    window.action_set["undo"].trigger()
    assert _state(window) == before
    _right_click_header(window, "A1")  # an empty track goes without more ado
    assert window.action_set["remove_track"].text() == "Remove &Track A1"
    window.action_set["remove_track"].trigger()
    assert _rows(window) == ["V2", "V1"]
    assert window.statusBar().currentMessage() == "Removed A1; Undo brings it back."
    window.action_set["add_video_track"].trigger()  # a fresh name, not a second V2
    assert _rows(window) == ["V3", "V2", "V1"]


def test_the_only_video_track_stays(window: MainWindow) -> None:
    before, steps = _state(window), window.session.stack.count()
    _right_click_header(window, "V1")
    window.action_set["remove_track"].trigger()
    assert window.statusBar().currentMessage() == ("V1 is the only video track; the timeline "
                                                   "keeps one.")
    assert _state(window) == before and window.session.stack.count() == steps


def test_remove_track_is_in_the_timeline_menu_and_acts_on_the_selection(
        window: MainWindow) -> None:
    menu = [a.objectName() for a in window.timeline.actions() if not a.isSeparator()]
    assert menu[-3:] == ["add_video_track", "add_audio_track", "remove_track"]
    window.action_set["add_audio_track"].trigger()
    window.timeline.pointed_track = None  # no row clicked: the selection names the track
    window.timeline.set_selection(["clip-2"])
    window.action_set["add_video_track"].trigger()
    window.action_set["remove_track"].trigger()  # V1 holds clip-2, but it is not the only one
    assert _rows(window) == ["V2", "A1"]
    assert "clip-2" not in window.timeline.selection
