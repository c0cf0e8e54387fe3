"""The inspector's drift retries against a fake engine: a shot's setting that goes with its job,
the engine's default until set, and off for operations (they are never made again)."""

from __future__ import annotations

from fake_bridge import FakeBridge

from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.docks.inspector_spec import ENGINE_DEFAULT
from studio.ui.window.main_window import MainWindow


def _retries(window: MainWindow) -> int | None:
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return shot.generation.spec.drift_retries


def test_drift_retries_go_with_the_job(engine_window: MainWindow, bridge: FakeBridge) -> None:
    window = engine_window
    window.timeline.set_selection(["shot-1"])
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="smoke rings"))
    box = window.inspector.spec.drift_retries
    assert box.isEnabled() and box.text() == ENGINE_DEFAULT and _retries(window) is None
    window.action_set["generate"].trigger()
    assert bridge.sent[-1][2] is not None and bridge.sent[-1][2].retries is None
    box.setValue(0)
    assert _retries(window) == 0
    box.setValue(4)
    assert _retries(window) == 4
    window.action_set["generate"].trigger()
    assert bridge.sent[-1][2] is not None and bridge.sent[-1][2].retries == 4
    window.session.stack.undo()  # the box's steps are one gesture, as a spin box's are
    assert _retries(window) is None and box.text() == ENGINE_DEFAULT
    window.session.stack.redo()
    assert _retries(window) == 4 and box.value() == 4
    box.setValue(-1)
    assert _retries(window) is None and box.text() == ENGINE_DEFAULT


def test_drift_retries_are_off_for_an_operation(engine_window: MainWindow) -> None:
    window = engine_window
    window.session.push(SetSpecCommand(window.project, "shot-1", kind="extend_forward"))
    window.timeline.set_selection(["shot-1"])
    assert not window.inspector.spec.drift_retries.isEnabled()
