"""Draft and final in the window, against a fake engine: the inspector's Draft switch sends draft
jobs, the takes list labels draft takes, and Make Final (button or right-click) queues the
draft's recorded job at full settings with the same seed."""

from __future__ import annotations

from pathlib import Path

from fake_bridge import FakeBridge
from pytestqt.qtbot import QtBot

from engine.protocol import Done, Started
from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow


def _shot(window: MainWindow) -> Generated:
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return shot


def _finish(qtbot: QtBot, window: MainWindow, bridge: FakeBridge, output: Path,
            takes: int) -> None:
    """The last job sent finishes with settings as the engine records an operation's."""
    job_id, request, operation = bridge.sent[-1]
    assert operation is not None
    spec = {"kind": operation.kind, "frames": operation.frames, "clips": list(operation.clips),
            "ranges": [], "context": None, "window": None, "cues": [], "span": None}
    settings = {"base": request.to_dict(), "spec": spec}
    if request.draft:
        settings["draft_run"] = {"width": request.width // 2, "height": request.height // 2,
                                 "steps": request.steps // 2, "step_cache": "TaylorSeer"}
    bridge.emit(Started, job_id=job_id)
    bridge.emit(Done, job_id=job_id, outputs=(str(output),), settings=settings)
    qtbot.waitUntil(lambda: len(_shot(window).generation.takes) == takes, timeout=10000)


def test_draft_switch_takes_list_label_and_make_final(
        qtbot: QtBot, engine_window: MainWindow, bridge: FakeBridge,
        sample_project: Path) -> None:
    window = engine_window
    output = sample_project.parent / "media" / "clip-1.mp4"
    window.timeline.set_selection(["shot-1"])
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="kites at noon"))
    window.inspector.spec.draft.setChecked(True)  # the inspector's Draft switch
    assert _shot(window).generation.spec.draft

    window.action_set["generate"].trigger()
    draft = bridge.sent[-1][1]
    assert draft.draft and draft.prompt == "kites at noon"
    _finish(qtbot, window, bridge, output, 1)
    takes = window.inspector.takes
    row = takes.list.item(0)
    assert "Take 1 (draft):" in row.text()
    assert f"A draft made at {draft.width // 2}x{draft.height // 2}" in row.toolTip()
    takes.list.setCurrentRow(0)
    assert takes.buttons["final"].isEnabled() and takes.menu["final"].isEnabled()

    # The spec changes after the draft; Make Final (the right-click menu) makes the draft's job.
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="kites at dusk"))
    takes.list.setCurrentRow(0)
    takes.menu["final"].trigger()
    final = bridge.sent[-1][1]
    assert len(bridge.sent) == 2
    assert not final.draft and final.prompt == "kites at noon" and final.seed == draft.seed
    assert (final.width, final.height, final.steps) == (draft.width, draft.height, draft.steps)
    assert "Queued the final of the draft" in window.statusBar().currentMessage()
    _finish(qtbot, window, bridge, output, 2)

    row = takes.list.item(1)
    assert "Take 2:" in row.text() and "(draft)" not in row.text()
    takes.list.setCurrentRow(1)
    assert not takes.buttons["final"].isEnabled() and not takes.menu["final"].isEnabled()
    takes.buttons["final"].click()  # disabled: nothing is sent
    assert len(bridge.sent) == 2
