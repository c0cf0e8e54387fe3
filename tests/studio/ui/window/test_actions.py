"""The action table: QActions, shortcuts, enabled states, and what each action does or says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenuBar
from pytestqt.qtbot import QtBot

from studio.document import serialize
from studio.ui.window.actions import ACTIONS, ActionSpec, build_actions
from studio.ui.window.editing_actions import STUDIO_ACTIONS
from studio.ui.window.main_window import MainWindow


class Target(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.ready = False

    def go(self) -> None:
        self.calls.append("go")

    def is_ready(self) -> bool:
        return self.ready

    def not_built(self, spec: ActionSpec) -> None:
        self.calls.append(f"not built: {spec.id}")


def test_builder_makes_actions_with_shortcuts_and_enabled_states(qtbot: QtBot) -> None:
    target = Target()
    specs = (ActionSpec("go", "&Go", "Ctrl+G", "go", "is_ready", "Run"),
             ActionSpec("later", "Later", "", None))
    actions = build_actions(target, specs)
    assert actions["go"].shortcut() == QKeySequence("Ctrl+G")
    assert actions["go"].objectName() == "go" and not actions["go"].isEnabled()
    target.ready = True
    actions.update()
    assert actions["go"].isEnabled()
    actions["go"].trigger()
    actions["later"].trigger()
    assert target.calls == ["go", "not built: later"]
    bar = QMenuBar()
    actions.fill_menus(bar)
    assert [a.text() for a in bar.actions()] == ["Run", "File"]


def test_the_table_names_every_shortcut_issue_9_asks_for() -> None:
    keys = {spec.id: spec.shortcut for spec in ACTIONS}
    assert keys["split"] == "S" and keys["play_pause"] == "Space"
    assert (keys["shuttle_back"], keys["shuttle_stop"], keys["shuttle_forward"]) == ("J", "K", "L")
    assert (keys["step_back"], keys["step_forward"]) == ("Left", "Right")
    assert (keys["set_in"], keys["set_out"]) == ("I", "O")
    assert (keys["zoom_in"], keys["zoom_out"], keys["generate"]) == ("+", "-", "Ctrl+Return")
    assert all(spec.callback_name is not None for spec in ACTIONS)  # every action is built
    assert len(keys) == len(ACTIONS)  # ids are unique



def test_window_actions_have_shortcuts_and_follow_the_state(window: MainWindow) -> None:
    for spec in STUDIO_ACTIONS:
        action = window.action_set[spec.id]
        keys = QKeySequence.listFromString(spec.shortcut) if spec.shortcut else []
        assert action.shortcuts() == keys
        assert action.toolTip() == spec.tooltip
    assert window.action_set["split"].toolTip() == "Split at Playhead (S)"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "Playback", "View", "Generate", "Help"]
    assert not window.action_set["undo"].isEnabled() and not window.action_set["redo"].isEnabled()
    assert not window.action_set["ripple_delete"].isEnabled()  # nothing selected
    window.timeline.set_selection([window.project.timeline.tracks[0].items[0].id])
    assert window.action_set["ripple_delete"].isEnabled()
    assert window.inspector.title.text() == "clip Clip 1, 48 frames"  # its source, not a spec


def test_split_ripple_delete_undo_redo_through_actions(window: MainWindow) -> None:
    before = json.dumps(serialize.encode(window.project), sort_keys=True)
    first = window.project.timeline.tracks[0].items[0]
    window.timeline.set_selection([first.id])
    assert window.action_set["ripple_delete"].isEnabled()
    window.action_set["ripple_delete"].trigger()
    assert window.project.timeline.tracks[0].items[0].id != first.id
    for _ in range(10):
        window.action_set["step_forward"].trigger()
    window.action_set["step_back"].trigger()
    assert window.timeline.playhead == 9
    window.timeline.set_selection([])
    window.action_set["split"].trigger()
    assert window.session.stack.count() == 2
    window.action_set["undo"].trigger()
    window.action_set["undo"].trigger()
    assert json.dumps(serialize.encode(window.project), sort_keys=True) == before
    assert window.action_set["redo"].isEnabled() and not window.action_set["undo"].isEnabled()


def test_a_refused_split_says_one_sentence(window: MainWindow) -> None:
    window.action_set["split"].trigger()  # playhead at 0: on an edge, not inside an item
    assert window.statusBar().currentMessage() == "There is no item under the playhead to split."
    assert window.session.stack.count() == 0


def test_zoom_and_in_out_points(window: MainWindow) -> None:
    zoom = window.timeline.pixels_per_frame
    window.action_set["zoom_in"].trigger()
    assert window.timeline.pixels_per_frame > zoom
    window.action_set["zoom_out"].trigger()
    window.action_set["zoom_out"].trigger()
    assert window.timeline.pixels_per_frame < zoom
    window.timeline.set_playhead(24)
    window.action_set["set_in"].trigger()
    assert window.statusBar().currentMessage() == "In point at 00:00:01:00."
    window.timeline.set_playhead(48)
    window.action_set["set_out"].trigger()
    assert window.transport.in_out == [24, 48]


def test_import_media_is_one_undo_step_probed_off_the_gui_thread(
        qtbot: QtBot, window: MainWindow, sample_project: Path, tmp_path: Path) -> None:
    files = [shutil.copy(sample_project.parent / "media" / name, tmp_path / f"new-{name}")
             for name in ("still-1.png", "clip-1.mp4")]
    window.prompts.media_paths = lambda: [Path(f) for f in files]
    count = window.media_list.count()
    window.action_set["import_media"].trigger()
    assert window.statusBar().currentMessage() == "Importing 2 files…"  # the GUI goes on
    qtbot.waitUntil(lambda: window.media_list.count() == count + 2, timeout=15000)
    assert window.session.stack.count() == 1
    window.action_set["undo"].trigger()
    assert window.media_list.count() == count
    window.prompts.media_paths = lambda: [tmp_path / "missing.png"]
    window.action_set["import_media"].trigger()
    qtbot.waitUntil(lambda: "missing.png" in window.statusBar().currentMessage(), timeout=15000)
    assert window.session.stack.count() == 1


def test_inspector_edits_go_through_set_spec_commands(window: MainWindow) -> None:
    shot = next(e for e in window.project.timeline.tracks[0].items
                if type(e).__name__ == "Generated")
    window.timeline.set_selection([shot.id])
    inspector = window.inspector
    assert inspector.spec.prompt.isEnabled()
    assert inspector.spec.prompt.text() == shot.generation.spec.prompt
    inspector.spec.prompt.setText("a green triangle")
    inspector.spec.prompt.editingFinished.emit()
    inspector.spec.seed.setValue(42)
    inspector.spec.seed.setValue(43)  # one burst of changes to one field: one undo step
    spec = window.project.find(shot.id)[2].generation.spec
    assert (spec.prompt, spec.seed) == ("a green triangle", 43)
    assert window.session.stack.count() == 2
    window.action_set["undo"].trigger()
    assert inspector.spec.seed.value() == shot.generation.spec.seed  # the view follows undo
    window.action_set["undo"].trigger()
    assert inspector.spec.prompt.text() == shot.generation.spec.prompt


def test_timeline_drag_requests_become_one_undo_step(window: MainWindow) -> None:
    before = json.dumps(serialize.encode(window.project), sort_keys=True)
    track = window.project.timeline.tracks[0]
    clip = track.items[0]
    # QtTimelineView's contract: each request of a drag names the whole change since the
    # press (a trim's deltas, a move's destination) and replaces the drag's previous one.
    for out_delta, final in ((-4, False), (-10, False), (-8, False), (-8, True)):
        window.timeline.trim_requested.emit(clip.id, 0, out_delta, 1, final, True)
    assert window.project.find(clip.id)[2].duration == clip.duration - 8
    still = track.items[2]  # the crossfade stands at 1
    window.timeline.move_requested.emit(clip.id, track.id, 60, 2, False, False)  # the still...
    window.timeline.move_requested.emit(clip.id, track.id, 150, 2, True, False)  # ...and past
    assert window.project.find(still.id)[2] == still  # passed over, not overwritten
    assert window.session.stack.count() == 2
    window.action_set["undo"].trigger()
    window.action_set["undo"].trigger()
    assert json.dumps(serialize.encode(window.project), sort_keys=True) == before
