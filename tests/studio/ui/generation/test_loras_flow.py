"""A shot's LoRAs in the window, against a fake engine: the inspector's LoRA row shows what the
model has (the engine's model list), typed LoRAs become the shot's (one undo step) and go with
its job; text that does not read says why and changes nothing. Add LoRA to Model sends a file
to the engine for the selected shot's model."""

from __future__ import annotations

from pathlib import Path

from fake_bridge import FakeBridge
from pytestqt.qtbot import QtBot

from engine.protocol import LoraChoice
from studio.document import persistence
from studio.document.model import Generated, LoraUse
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


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


def test_add_lora_to_model_sends_the_file_for_the_selected_shots_model(
        engine_window: MainWindow, bridge: FakeBridge, tmp_path: Path) -> None:
    window = engine_window
    lora = tmp_path / "glow.safetensors"
    window.prompts.lora_path = lambda: None  # cancelled: nothing is sent
    window.action_set["add_lora"].trigger()
    assert bridge.loras_sent == []
    window.prompts.lora_path = lambda: lora
    window.action_set["add_lora"].trigger()  # nothing selected: the default model
    window.session.push(SetSpecCommand(window.project, "shot-1", model_id="ltx-2"))
    window.timeline.set_selection(["shot-1"])
    window.action_set["add_lora"].trigger()
    assert bridge.loras_sent == [("frameloom-mini", str(lora)), ("ltx-2", str(lora))]
    assert window.statusBar().currentMessage() == "Adding the LoRA glow.safetensors to ltx-2..."
    bridge.lora_added.emit("ltx-2", "glow")
    assert window.statusBar().currentMessage().startswith("Added the LoRA glow to ltx-2;")
    bridge.models_changed.emit([{"id": "ltx-2", "loras": ["glow"]}])
    assert window.inspector.spec.loras.note.text() == "ltx-2 has: glow."


def test_add_lora_without_an_engine_says_so(qtbot: QtBot, sample_project: Path) -> None:
    window = MainWindow(persistence.open_project(sample_project),
                        prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(window)
    window.action_set["add_lora"].trigger()
    assert "no LoRA can be added" in window.statusBar().currentMessage()
