"""A shot's LoRAs in the window, against a fake engine: the inspector's LoRA row shows what the
model has (the engine's model list), typed LoRAs become the shot's (one undo step) and go with
its job; text that does not read says why and changes nothing."""

from __future__ import annotations

from fake_bridge import FakeBridge

from engine.protocol import LoraChoice
from studio.document.model import Generated, LoraUse
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow


def _loras(window: MainWindow) -> tuple[LoraUse, ...]:
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return shot.generation.spec.loras


def test_the_lora_row_sets_the_shots_loras_and_the_job_carries_them(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    window = engine_window
    bridge.models_changed.emit([{"id": "frameloom-mini", "loras": ["grain", "glow"]}])
    window.timeline.set_selection(["shot-1"])
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="rain on glass"))
    field = window.inspector.spec.loras
    assert field.note.text() == "frameloom-mini has: grain, glow."

    field.edit.setText("grain:0.6, glow")
    field.edit.editingFinished.emit()
    assert _loras(window) == (LoraUse(name="grain", strength=0.6), LoraUse(name="glow"))
    assert field.edit.text() == "grain:0.6, glow"
    window.action_set["generate"].trigger()
    assert bridge.sent[-1][1].loras == (LoraChoice("grain", 0.6), LoraChoice("glow", 1.0))

    field.edit.setText("grain:lots")
    field.edit.editingFinished.emit()
    assert field.note.text() == "'grain:lots' is not NAME or NAME:STRENGTH, such as grain:0.8."
    assert field.edit.text() == "grain:0.6, glow" and len(_loras(window)) == 2

    field.edit.setText("grain:9")  # read, but the document refuses it in one sentence
    field.edit.editingFinished.emit()
    assert len(_loras(window)) == 2
    assert "needs a strength from -4 to 4" in window.statusBar().currentMessage()
    window.session.stack.undo()
    assert _loras(window) == ()
