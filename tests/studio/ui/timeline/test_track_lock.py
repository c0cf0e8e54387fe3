"""A track's lock: its L button on the timeline, the edits it refuses in one sentence, the ones
it lets through (a shot's prompt, a take arriving), undo, and the project file."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from studio.document import persistence, serialize
from studio.ui import commands
from studio.ui.timeline import timeline_paint
from studio.ui.window.main_window import MainWindow

LOCKED = "Track V1 is locked; unlock it (its L button) to change its items."


def _state(window: MainWindow) -> str:
    return json.dumps(serialize.encode(window.project), sort_keys=True)


def _click_lock(qtbot: QtBot, window: MainWindow, track_id: str) -> None:
    view = window.timeline
    track = window.project.track(track_id)
    _tag, buttons = timeline_paint.track_tag_rects(view.row_rect(track_id), track,
                                                   view.fontMetrics())
    centre = buttons["locked"].center()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()),
                                                                 int(centre.y())))


def test_the_l_button_locks_a_track_and_its_items_stay_put(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    v1 = window.project.timeline.tracks[0]
    before_grab = window.timeline.grab().toImage()
    _click_lock(qtbot, window, v1.id)
    assert window.project.timeline.tracks[0].locked
    assert window.action_set["undo"].text() == "&Undo Lock track"
    assert window.timeline.grab().toImage() != before_grab  # lit L, hatched row
    locked, steps = _state(window), window.session.stack.count()
    # Cut, lift, ripple delete and move: each refused in one sentence, nothing changed.
    window.timeline.set_playhead(20)
    window.timeline.set_selection(["clip-1"])
    for action in ("split", "lift", "ripple_delete"):
        window.statusBar().clearMessage()
        window.action_set[action].trigger()
        assert window.statusBar().currentMessage() == LOCKED, action
        assert _state(window) == locked and window.session.stack.count() == steps
    assert not window.session.push(commands.MoveCommand(window.project, "clip-2", v1.id, 200))
    assert not window.session.push(commands.SetSpecCommand(window.project, "shot-1",
                                                           duration=24))  # would ripple
    assert _state(window) == locked
    # A shot's prompt is not its place: it still changes, as does a take arriving.
    assert window.session.push(commands.SetSpecCommand(window.project, "shot-1",
                                                       prompt="a green square"))
    assert window.project.find("shot-1")[2].generation.spec.prompt == "a green square"
    # Unlock with the same button: the edits work again.
    _click_lock(qtbot, window, v1.id)
    assert not window.project.timeline.tracks[0].locked
    window.timeline.set_selection(["clip-1"])
    window.action_set["lift"].trigger()
    assert "clip-1" not in {item.id for _i, _s, item in window.project.timeline.tracks[0]
                            .layout()}
    for _ in range(4):  # lift, unlock, prompt, lock
        window.action_set["undo"].trigger()
    assert not window.project.timeline.tracks[0].locked
    assert window.project.find("shot-1")[2].generation.spec.prompt != "a green square"


def test_a_take_lands_on_a_shot_of_a_locked_track(window: MainWindow, tmp_path: Path) -> None:
    from studio.document.model import Take
    from studio.ui.generation.take_steps import take_steps

    v1 = window.project.timeline.tracks[0]
    assert window.session.push(commands.SetTrackCommand(window.project, v1.id, locked=True))
    take = Take(id="take-x", job_id="job-x", path="takes/x.mp4", spec_hash="hash",
                status="done", created="2026-12-05T00:00:00Z")
    messages: list[str] = []
    window.session.message.connect(messages.append)
    assert window.session.transact("Add take", take_steps(window.project, "shot-1", take,
                                                          None)), messages
    assert window.project.find("shot-1")[2].generation.takes[-1].id == "take-x"


def test_a_lock_is_saved_with_the_project(window: MainWindow, tmp_path: Path) -> None:
    v1 = window.project.timeline.tracks[0]
    assert window.session.push(commands.SetTrackCommand(window.project, v1.id, locked=True))
    file = persistence.save_project(window.project, tmp_path / "locked")
    assert persistence.load_project(file).timeline.tracks[0].locked
    saved = json.loads(file.read_text(encoding="utf-8"))
    assert saved["project"]["timeline"]["tracks"][0]["locked"] is True
    assert window.session.push(commands.SetTrackCommand(window.project, v1.id, locked=False))
    file = persistence.save_project(window.project, tmp_path / "unlocked")
    saved = json.loads(file.read_text(encoding="utf-8"))
    assert "locked" not in saved["project"]["timeline"]["tracks"][0]  # as format 4 wrote it
