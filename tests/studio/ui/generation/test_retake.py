"""Generate > Retake In to Out, driven through the window's actions against a fake engine."""

from __future__ import annotations

import shutil
from pathlib import Path

from fake_bridge import FakeBridge

from engine.protocol import ClipRange
from studio.document.model import Generated, Take
from studio.ui.commands import AddTakeCommand, SetSpecCommand
from studio.ui.window.main_window import MainWindow


def _mark(window: MainWindow, first: int, last: int) -> None:
    for frame, action in ((first, "set_in"), (last, "set_out")):
        window.timeline.set_playhead(frame)
        window.action_set[action].trigger()


def _message(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def test_retake_in_to_out_of_a_clip_sends_the_span_pinned_to_the_clip(
        engine_window: MainWindow, bridge: FakeBridge, sample_project: Path) -> None:
    window = engine_window
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert window.action_set["retake"] in menus["Generate"].actions()
    window.action_set["retake"].trigger()
    assert _message(window) == "Mark In and Out over the frames to make again first."
    _mark(window, 140, 160)  # from the gap into clip-2
    window.action_set["retake"].trigger()
    assert "must lie inside one clip or generated shot" in _message(window)

    _mark(window, 150, 160)  # clip-2 starts at 144: its frames 6 to 16
    window.action_set["retake"].trigger()
    [retake] = window.selection()
    item = window.project.find(retake)[2]
    assert isinstance(item, Generated) and item.generation.spec.kind == "retake"
    assert [e.id for e in window.project.timeline.tracks[0].items][-3:-1] == ["clip-2", retake]
    assert "Write what the retaken frames show" in _message(window)
    assert bridge.sent == []  # a clip has no prompt to start from
    window.session.push(SetSpecCommand(window.project, retake, prompt="a calmer sea"))
    window.action_set["generate"].trigger()
    [(_job, request, operation)] = bridge.sent
    assert operation is not None and operation.kind == "retake"
    assert operation.span == ClipRange(6, 11) and operation.frames == request.frames == 11
    assert operation.ranges == (ClipRange(0, 72),)
    assert operation.clips == (str(sample_project.parent / "media" / "clip-2.mp4"),)
    window.action_set["undo"].trigger()  # the prompt
    window.action_set["undo"].trigger()  # the retake: clip-2 is whole again
    assert window.project.find("clip-2")[2].duration == 72


def test_retake_of_a_shots_take_is_queued_at_once(engine_window: MainWindow, bridge: FakeBridge,
                                                   sample_project: Path) -> None:
    window = engine_window
    _mark(window, 90, 99)  # shot-1 (frames 84-131) has no take yet
    window.action_set["retake"].trigger()
    assert "no finished take of 'Shot 1' to retake" in _message(window)
    takes = sample_project.parent / "takes"
    takes.mkdir(exist_ok=True)
    shutil.copy(sample_project.parent / "media" / "clip-1.mp4", takes / "t.mp4")
    window.session.push(AddTakeCommand(window.project, "shot-1", Take(
        id="take-1", job_id="j", path="takes/t.mp4", spec_hash="sha256:0", status="done",
        created="2026-12-01T10:00:00Z")))
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="boats at dusk"))
    window.action_set["retake"].trigger()
    [(_job, request, operation)] = bridge.sent
    assert request.prompt == "boats at dusk"
    assert operation is not None and operation.kind == "retake"
    assert (operation.span, operation.ranges) == (ClipRange(6, 10), (ClipRange(0, 48),))
    assert operation.clips == (str(takes / "t.mp4"),)
