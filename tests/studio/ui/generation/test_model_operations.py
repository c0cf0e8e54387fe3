"""The Generate menu against the engine's model records (issue 21): operations the selected
item's model cannot do are greyed with the reason, the inspector and the queue line say what
the model needs (the catalog's figures, most estimates), and a model that does not fit is
refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fake_bridge import FakeBridge

from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow

_MEMORY = {"full": 70, "tiled": 64, "offload": 44, "sequential": 16}


def _record(model_id: str, operations: list[str], **fit: Any) -> dict[str, Any]:
    """A record as the engine's list_models reply carries it (engine.protocol.models)."""
    return {"id": model_id, "family": "ltx", "path": f"/models/{model_id}", "description": "",
            "defaults": {"width": 192, "height": 128, "frames": 49, "fps": 24},
            "constraints": {"size_multiple": 32, "frame_rule": [8, 1], "max_frames": 121,
                            "fps": None, "pin_frames": None},
            "operations": operations, "min_vram_gib": _MEMORY, "licence": "test",
            **{"profile": "offload", "fits": True, "fit_reason": None, **fit}}


_ALL = ["shot", "extend_forward", "extend_backward", "bridge", "loop", "long_shot"]
_LTX2 = ["shot", "extend_forward", "long_shot"]


def _shot(window: MainWindow, entry_id: str) -> Generated:
    entry = window.project.find(entry_id)[2]
    assert isinstance(entry, Generated)
    return entry


def test_the_generate_menu_follows_what_the_selected_items_model_can_do(
        engine_window: MainWindow, bridge: FakeBridge, tmp_path: Path) -> None:
    window = engine_window
    bridge.models_changed.emit([_record("frameloom-mini", _ALL), _record("ltx-2", _LTX2)])
    window.session.push(SetSpecCommand(window.project, "shot-1", model_id="ltx-2",
                                       prompt="a lighthouse at dusk"))
    window.timeline.set_selection(["shot-1"])
    actions = window.action_set
    for action in ("extend_backward", "bridge", "loop", "retake"):
        assert not actions[action].isEnabled(), action
        assert actions[action].toolTip().startswith("The model ltx-2 cannot "), action
        assert actions[action].statusTip() == actions[action].toolTip()
    assert "pins frames after them" in actions["retake"].toolTip()
    for action in ("extend_forward", "generate"):
        assert actions[action].isEnabled() and not actions[action].statusTip(), action
    # What ltx-2 needs, in the inspector: the profile that runs and the catalog's figures.
    needs = window.inspector.spec.needs.text()
    assert needs.startswith("Runs as offload: about 44 GiB of GPU memory.")
    assert ("full 70, tiled 64, offload 44, sequential 16 GiB (the catalog's figures, most of "
            "them estimates)") in needs
    window.inspector.grab().save(str(tmp_path / "inspector.png"))
    # An extension of an ltx-2 shot continues with ltx-2.
    actions["extend_forward"].trigger()
    [extension] = window.selection()
    assert _shot(window, extension).generation.spec.model_id == "ltx-2"
    # A plain clip's new items use frameloom-mini, which does everything.
    window.timeline.set_selection(["clip-2"])
    assert all(actions[a].isEnabled() for a in ("extend_backward", "bridge", "loop"))
    # Queued: the status line says what the model needs.
    window.timeline.set_selection(["shot-1"])
    [_job] = window.generation.generate()
    message = window.statusBar().currentMessage()
    assert message.startswith("Queued 1 job. ltx-2: Runs as offload: about 44 GiB")
    assert message.endswith("(the catalog's figures, most of them estimates).")


def test_a_model_that_does_not_fit_is_refused_before_it_is_queued(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    window = engine_window
    reason = ("The model ltx-2 needs at least 16 GiB of GPU memory even in its cheapest "
              "profile (a catalog estimate), more than this GPU has (8.0 GiB).")
    bridge.models_changed.emit([_record("frameloom-mini", _ALL),
                                _record("ltx-2", _LTX2, profile="sequential", fits=False,
                                        fit_reason=reason)])
    window.session.push(SetSpecCommand(window.project, "shot-1", model_id="ltx-2",
                                       prompt="a lighthouse at dusk"))
    window.timeline.set_selection(["shot-1"])
    generate = window.action_set["generate"]
    assert not generate.isEnabled() and generate.toolTip() == reason
    assert window.inspector.spec.needs.text() == reason
    assert window.generation.generate(["shot-1"]) == [] and bridge.sent == []
    assert window.statusBar().currentMessage() == reason
