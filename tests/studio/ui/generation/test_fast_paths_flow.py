"""The inspector's fast paths against a fake engine: the attention backend and Compile blocks
become the shot's settings and go with its job."""

from __future__ import annotations

from fake_bridge import FakeBridge

from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow


def test_attention_and_compile_go_with_the_job(engine_window: MainWindow,
                                               bridge: FakeBridge) -> None:
    window = engine_window
    window.timeline.set_selection(["shot-1"])
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="smoke rings"))
    spec_editor = window.inspector.spec
    spec_editor.attention.setCurrentText("math")
    spec_editor.attention.activated.emit(spec_editor.attention.currentIndex())
    spec_editor.compile.setChecked(True)
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    assert (shot.generation.spec.attention, shot.generation.spec.compile) == ("math", True)
    window.action_set["generate"].trigger()
    request = bridge.sent[-1][1]
    assert (request.attention, request.compile) == ("math", True)
