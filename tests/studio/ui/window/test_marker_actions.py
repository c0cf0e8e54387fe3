"""Timeline markers from the window: M adds one at the playhead, Shift+M and Ctrl+Shift+M go to
the next and previous, Edit Marker names and colours the one at the playhead, Delete Marker
removes it; each one undo step, saved with the project and drawn on the ruler."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence
from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.ui.timeline import timeline_paint
from studio.ui.timeline.timeline_geometry import RULER_HEIGHT
from studio.ui.window.main_window import MainWindow


def _marks(window: MainWindow) -> list[tuple[int, str, str]]:
    return [(m.frame, m.name, m.colour) for m in window.project.timeline.markers]


def test_markers_are_added_visited_edited_and_deleted_one_undo_step_each(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    actions, timeline = window.action_set, window.timeline
    assert actions["add_marker"].shortcut() == QKeySequence("M")
    assert actions["next_marker"].shortcut() == QKeySequence("Shift+M")
    assert actions["previous_marker"].shortcut() == QKeySequence("Ctrl+Shift+M")
    for frame in (30, 10):
        timeline.set_playhead(frame)
        actions["add_marker"].trigger()
    assert _marks(window) == [(10, "", "blue"), (30, "", "blue")]
    assert window.statusBar().currentMessage().startswith("Marker at 00:00:00:10")
    actions["add_marker"].trigger()  # one per frame: refused in one sentence
    assert window.statusBar().currentMessage() == ("Frame 10 has a marker already; change "
                                                   "that one instead.")
    timeline.set_playhead(0)
    visited = []
    for _ in range(3):
        actions["next_marker"].trigger()
        visited.append(timeline.playhead)
    assert visited == [10, 30, 30]  # none after 30: the playhead stays, and the status says so
    assert window.statusBar().currentMessage() == "No marker after the playhead."
    actions["previous_marker"].trigger()
    assert timeline.playhead == 10
    asked: list[object] = []
    monkeypatch.setattr(window.edits.markers, "_ask",
                        lambda parent, marker: asked.append(marker) or ("verse 2", "green"))
    actions["edit_marker"].trigger()
    assert _marks(window) == [(10, "verse 2", "green"), (30, "", "blue")]
    assert len(asked) == 1
    timeline.set_playhead(30)
    actions["delete_marker"].trigger()
    assert _marks(window) == [(10, "verse 2", "green")]
    timeline.set_playhead(11)
    actions["edit_marker"].trigger()
    assert window.statusBar().currentMessage() == ("No marker at the playhead; Shift+M goes to "
                                                   "the next one.")
    assert window.session.stack.count() == 4  # two added, one edited, one deleted
    assert window.session.save(tmp_path / "marked.frameloom")
    saved = persistence.open_project(tmp_path / "marked.frameloom").project
    assert [(m.frame, m.name, m.colour) for m in saved.timeline.markers] == [
        (10, "verse 2", "green")]
    for _ in range(4):
        actions["undo"].trigger()
    assert _marks(window) == []


def test_a_cancelled_edit_changes_nothing(window: MainWindow,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    window.timeline.set_playhead(5)
    window.action_set["add_marker"].trigger()
    for answer in (None, ("  ", "blue")):  # cancelled, or OK with nothing changed
        monkeypatch.setattr(window.edits.markers, "_ask", lambda parent, marker, a=answer: a)
        window.action_set["edit_marker"].trigger()
        assert _marks(window) == [(5, "", "blue")] and window.session.stack.count() == 1


def test_a_marker_is_drawn_on_the_ruler_in_its_colour(window: MainWindow,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    window.resize(1400, 800)
    window.show()
    timeline = window.timeline
    timeline.set_playhead(40)
    window.action_set["add_marker"].trigger()
    monkeypatch.setattr(window.edits.markers, "_ask", lambda parent, marker: ("drop", "red"))
    window.action_set["edit_marker"].trigger()
    timeline.set_playhead(0)  # the playhead's own line is red too: move it off the marker
    image = timeline.grab().toImage()
    x = int(timeline.viewport.frame_to_x(40))
    flag = QColor(image.pixel(x + 3, RULER_HEIGHT - 10))  # under the timecodes
    assert flag == timeline_paint.MARKER_COLOURS["red"]
    below = QColor(image.pixel(x + 3, RULER_HEIGHT + 30))  # only the ruler is marked
    assert below != flag


def test_letter_keys_type_into_a_prompt_and_edit_on_the_timeline(qtbot: QtBot,
                                                                 window: MainWindow) -> None:
    window.show()
    with qtbot.waitActive(window):  # a window shortcut needs its window active
        window.activateWindow()
    shot = next(e for e in window.project.timeline.tracks[0].items
                if type(e).__name__ == "Generated")
    track, index, _entry = window.project.find(shot.id)
    start = track.start_of(index)
    window.timeline.set_selection([shot.id])
    prompt = window.inspector.spec.prompt
    prompt.setFocus()
    prompt.selectAll()
    qtbot.keyClicks(prompt, "m, s. mi")
    assert prompt.text() == "m, s. mi"  # typed, not a marker, a nudge or a split
    assert window.project.timeline.markers == []
    track, index, _entry = window.project.find(shot.id)
    assert track.start_of(index) == start
    window.timeline.setFocus()
    window.timeline.set_playhead(7)
    qtbot.keyClick(window.timeline, Qt.Key.Key_M)
    assert _marks(window) == [(7, "", "blue")]


def test_a_read_only_project_can_visit_its_markers_but_not_change_them(
        qtbot: QtBot, sample_project: Path) -> None:
    import json

    from studio.document import edits
    from studio.ui.window.prompts import Prompts

    project = persistence.load_project(sample_project)
    edits.add_marker(project, 30, name="beat")
    persistence.save_project(project, sample_project.parent)
    data = json.loads(sample_project.read_text(encoding="utf-8"))
    data["schema_version"] = 99  # from a newer Frameloom: opens read-only
    sample_project.write_text(json.dumps(data), encoding="utf-8")
    opened = persistence.open_project(sample_project)
    assert opened.read_only
    window = MainWindow(opened, prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(window)
    actions = window.action_set
    assert [actions[a].isEnabled() for a in ("add_marker", "edit_marker", "delete_marker",
                                            "export_frame", "next_marker")] == [
        False, False, False, False, True]
    actions["next_marker"].trigger()
    assert window.timeline.playhead == 30
