"""The generation flow a user follows, against a fake engine: the prompt sent is the one typed,
job rows and timeline items say what is happening, Retry works once, and every take differs."""

from __future__ import annotations

from pathlib import Path

from fake_bridge import FakeBridge
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from engine.protocol import Done, Failed, Interrupted, Preview, Progress, Started
from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.timeline.timeline_paint import generated_status
from studio.ui.window.main_window import MainWindow


def _rows(window: MainWindow) -> list[str]:
    assert window.jobs is not None
    return [window.jobs.jobs.item(i).text() for i in range(window.jobs.jobs.count())]


def _shot(window: MainWindow, entry_id: str) -> Generated:
    entry = window.project.find(entry_id)[2]
    assert isinstance(entry, Generated)
    return entry


def test_ctrl_enter_sends_the_prompt_being_typed(qtbot: QtBot, engine_window: MainWindow,
                                                 bridge: FakeBridge) -> None:
    window = engine_window
    window.show()
    with qtbot.waitActive(window):  # a window shortcut needs its window active
        window.activateWindow()
    window.timeline.set_selection(["shot-1"])
    prompt = window.inspector.spec.prompt
    prompt.setFocus()
    prompt.selectAll()
    qtbot.keyClicks(prompt, "a paper boat on a pond")
    assert _shot(window, "shot-1").generation.spec.prompt != "a paper boat on a pond"
    qtbot.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [(_job, request, _operation)] = bridge.sent
    assert request.prompt == "a paper boat on a pond"
    assert _shot(window, "shot-1").generation.spec.prompt == "a paper boat on a pond"
    window.action_set["undo"].trigger()  # the prompt was one undo step of its own
    assert _shot(window, "shot-1").generation.spec.prompt != "a paper boat on a pond"


def test_job_rows_name_their_item_and_the_timeline_shows_live_jobs(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    window = engine_window
    window.timeline.set_selection(["clip-2"])
    window.action_set["extend_forward"].trigger()
    [extension] = window.selection()
    window.session.push(SetSpecCommand(window.project, extension,
                                       prompt="the camera keeps drifting over the hills"))
    assert window.timeline.job_status is not None
    assert window.timeline.job_status(extension) is None
    assert generated_status(_shot(window, extension)) == "not generated"
    window.action_set["generate"].trigger()
    [(job_id, _request, operation)] = bridge.sent
    assert operation is not None and operation.kind == "extend_forward"
    [row] = _rows(window)
    assert row.startswith("[queued] Extend forward (extend forward, 00:00:")
    assert row.endswith(': "the camera keeps drifting over the hills"')
    assert window.timeline.job_status(extension) == "queued"

    bridge.emit(Started, job_id=job_id)
    bridge.emit(Progress, job_id=job_id, step=1, total=10, eta_s=220.0)
    [row] = _rows(window)
    assert row.startswith("[running 10%, estimating] Extend forward (extend forward")
    assert window.jobs is not None and window.jobs.progress.format() == "10%, estimating"
    live = window.timeline.job_status(extension)
    assert live == "generating 10%"
    assert generated_status(_shot(window, extension), live) == "generating 10%"
    bridge.emit(Progress, job_id=job_id, step=5, total=10, eta_s=30.0)
    assert _rows(window)[0].startswith("[running 50%, 30 s left] Extend forward")
    bridge.emit(Failed, job_id=job_id, code="out_of_memory", message="The GPU ran out of memory.")
    assert window.timeline.job_status(extension) is None
    assert _rows(window)[0].endswith("hills\" (The GPU ran out of memory.)")


def test_retry_is_used_once_and_interrupted_jobs_are_offered_after_a_restart(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    window = engine_window
    jobs = window.jobs
    assert jobs is not None
    [first] = window.generation.generate(["shot-1"])
    bridge.emit(Started, job_id=first)
    assert not jobs.buttons["retry_interrupted"].isVisibleTo(window)
    bridge.emit(Interrupted, job_id=first)  # the engine died mid-job and came back
    assert "Retry Interrupted" in window.statusBar().currentMessage()
    offer = jobs.buttons["retry_interrupted"]
    assert offer.isVisibleTo(window) and offer.isEnabled()
    assert offer.text() == "Retry Interrupted (1)"
    jobs.select(first)
    assert jobs.buttons["retry"].isEnabled()
    jobs.buttons["retry"].click()
    assert len(bridge.sent) == 2
    assert not jobs.buttons["retry"].isEnabled()  # used: a second click queues nothing
    jobs.buttons["retry"].click()
    assert len(bridge.sent) == 2
    assert not offer.isVisibleTo(window)

    second = bridge.sent[1][0]
    bridge.emit(Started, job_id=second)
    bridge.emit(Interrupted, job_id=second)
    offer.click()  # Retry Interrupted queues the shot again, once
    assert len(bridge.sent) == 3 and not offer.isVisibleTo(window)
    offer.click()
    assert len(bridge.sent) == 3


def test_cancel_clears_the_preview_and_says_so(engine_window: MainWindow, bridge: FakeBridge,
                                                sample_project: Path) -> None:
    window = engine_window
    jobs = window.jobs
    assert jobs is not None
    [job_id] = window.generation.generate(["shot-1"])
    assert window.statusBar().currentMessage() == "Queued 1 job."
    bridge.emit(Started, job_id=job_id)
    bridge.emit(Progress, job_id=job_id, step=4, total=10, eta_s=12.0)
    still = sample_project.parent / "media" / "still-1.png"
    bridge.emit(Preview, job_id=job_id, step=4, path=str(still))
    assert jobs.preview_job == job_id and not jobs.preview.pixmap().isNull()
    jobs.select(job_id)
    jobs.buttons["cancel"].click()
    assert jobs.preview_job is None and jobs.preview.pixmap().isNull()
    assert not jobs.progress.isVisibleTo(window)
    assert window.statusBar().currentMessage().startswith("Cancelled Shot 1 (shot, ")
    assert jobs.buttons["retry"].isEnabled()


def test_new_shots_get_fresh_seeds_and_generate_again_makes_a_different_take(
        qtbot: QtBot, engine_window: MainWindow, bridge: FakeBridge,
        sample_project: Path) -> None:
    window = engine_window
    seeds = []
    for _ in range(3):
        window.timeline.set_selection([])
        window.action_set["new_shot"].trigger()
        seeds.append(_shot(window, window.selection()[0]).generation.spec.seed)
    assert len(set(seeds)) == 3 and 0 not in seeds
    shot = window.selection()[0]
    window.session.push(SetSpecCommand(window.project, shot, prompt="waves at dusk"))
    output = sample_project.parent / "media" / "clip-1.mp4"

    def finish(job_id: str, takes: int) -> None:
        bridge.emit(Started, job_id=job_id)
        bridge.emit(Done, job_id=job_id, outputs=(str(output),), settings={})
        qtbot.waitUntil(lambda: len(_shot(window, shot).generation.takes) == takes,
                        timeout=10000)

    window.action_set["generate"].trigger()
    finish(bridge.sent[0][0], 1)
    window.action_set["generate"].trigger()  # Generate Again, nothing changed
    assert len(bridge.sent) == 2
    first, again = bridge.sent[0][1], bridge.sent[1][1]
    assert again.seed != first.seed and again.prompt == first.prompt
    assert _shot(window, shot).generation.spec.seed == again.seed  # kept, to reproduce it
    assert f"new seed ({again.seed})" in window.statusBar().currentMessage()
    finish(bridge.sent[1][0], 2)
    one, two = _shot(window, shot).generation.takes
    assert one.spec_hash != two.spec_hash

    window.session.push(SetSpecCommand(window.project, shot, steps=12))
    window.action_set["generate"].trigger()  # changed settings keep their seed
    assert bridge.sent[2][1].seed == again.seed
    window.action_set["generate"].trigger()  # the same again while that job is queued
    assert bridge.sent[3][1].seed != again.seed
