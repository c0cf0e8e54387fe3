"""LoRAs: ``models add-lora`` checks a file against the model and keeps it; ``generate --lora``
applies it at a strength (0 makes exactly the take without it) and the take records it, so
``--from`` makes it again; damaged files and LoRAs of another model are refused in one sentence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.cli.main import main
from engine.models.installed import find_model
from engine.models.loras import list_loras, lora_folder
from engine.models.store import model_record
from engine.output.video import read_settings
from engine.protocol.models import ModelRecord
from engine.protocol.requests import GenerationRequest

pytest.importorskip("peft")

FLAGS = ["generate", "--model", "tiny-ltx", "--width", "32", "--height", "32", "--frames", "9",
         "--steps", "2", "--seed", "4", "--prompt", "a lantern in fog"]


@pytest.fixture(scope="module")
def lora_files(tiny_ltx_dir: Path, tiny_wan_t2v_dir: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny LoRA for the tiny LTX model and one for the tiny Wan model."""
    from support.tiny_lora import build_tiny_lora

    folder = tmp_path_factory.mktemp("loras")
    return {"ltx": build_tiny_lora(tiny_ltx_dir, folder / "glow.safetensors"),
            "ltx-other": build_tiny_lora(tiny_ltx_dir, folder / "other.safetensors", seed=1),
            "wan": build_tiny_lora(tiny_wan_t2v_dir, folder / "wan-style.safetensors")}


def frames_of(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def test_a_lora_at_strength_1_changes_the_take_and_at_0_changes_nothing(
        tiny_model: str, lora_files: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "add-lora", tiny_model, str(lora_files["ltx"])]) == 0
    assert "Added the LoRA glow to tiny-ltx (8 layers)" in capsys.readouterr().out
    assert [lora.name for lora in list_loras(tiny_model)] == ["glow"]
    plain, zero, one, again = (tmp_path / f"{n}.mp4" for n in ("plain", "zero", "one", "again"))
    assert main([*FLAGS, "-o", str(plain)]) == 0
    assert main([*FLAGS, "--lora", "glow:0", "-o", str(zero)]) == 0
    assert main([*FLAGS, "--lora", "glow", "-o", str(one)]) == 0
    assert np.array_equal(frames_of(zero), frames_of(plain))
    assert not np.array_equal(frames_of(one), frames_of(plain))
    recorded = read_settings(one)
    assert recorded["loras"] == [{"name": "glow", "strength": 1.0}]
    # The take records its LoRA, so --from makes it again bit for bit.
    assert main(["generate", "--from", str(one), "-o", str(again)]) == 0
    assert np.array_equal(frames_of(again), frames_of(one))
    assert "may differ" not in capsys.readouterr().err
    # Another file under the LoRA's name: --from says the result may differ, and it does.
    assert main(["models", "remove-lora", tiny_model, "glow"]) == 0
    assert main(["models", "add-lora", tiny_model, str(lora_files["ltx-other"]), "--name",
                 "glow"]) == 0
    assert main(["generate", "--from", str(one), "-o", str(again)]) == 0
    assert ("note: the result may differ from the take: the LoRA glow of tiny-ltx has changed "
            "or is missing.") in capsys.readouterr().err
    assert not np.array_equal(frames_of(again), frames_of(one))
    assert GenerationRequest.from_dict({k: v for k, v in recorded.items() if k in (
        "model_id", "prompt", "width", "height", "frames", "fps", "seed", "steps", "guidance",
        "loras")}).loras[0].name == "glow"


def test_damaged_files_and_loras_of_another_model_are_refused_in_one_sentence(
        tiny_model: str, tiny_ltx_dir: Path, lora_files: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(lora_files["ltx"].read_bytes()[:40])
    weights = next((tiny_ltx_dir / "transformer").glob("*.safetensors"))
    cases = [
        (damaged, "frameloom-engine: The file damaged.safetensors is not a readable safetensors "
                  "file (its header length is impossible). Add the LoRA's .safetensors file, "
                  "downloaded again if it is damaged.\n"),
        (lora_files["wan"], "frameloom-engine: The LoRA wan-style.safetensors is not for "
                            "tiny-ltx: its layer blocks.0.attn1.to_k is not a layer of that "
                            "model's transformer of the same size. Add it to the model it was "
                            "trained for, or pick a LoRA made for tiny-ltx (ltx).\n"),
        (weights, "frameloom-engine: The file diffusion_pytorch_model.safetensors holds no LoRA "
                  "layers (lora_A and lora_B weights in diffusers' naming). Add a LoRA saved by "
                  "diffusers or PEFT for this model.\n"),
    ]
    for path, sentence in cases:
        assert main(["models", "add-lora", tiny_model, str(path)]) == 2
        assert capsys.readouterr().err == sentence
    assert list_loras(tiny_model) == [] and not any(lora_folder(tiny_model).glob("*"))
    assert main([*FLAGS, "--lora", "missing:0.5"]) == 2
    assert capsys.readouterr().err.startswith(
        "frameloom-engine: tiny-ltx has no LoRA called 'missing'. Add it with")
    assert main([*FLAGS, "--lora", "glow:lots"]) == 2
    assert "is not NAME[:STRENGTH]" in capsys.readouterr().err


def test_loras_are_listed_and_removed(tiny_model: str, lora_files: dict[str, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "add-lora", tiny_model, str(lora_files["ltx"]), "--name", "g2"]) == 0
    assert main(["models", "add-lora", tiny_model, str(lora_files["ltx"]), "--name", "g2"]) == 2
    assert "has a LoRA called g2 already" in capsys.readouterr().err
    assert main(["models", "loras", tiny_model]) == 0
    assert capsys.readouterr().out.startswith("g2\t8 layers\t")
    # The engine's model list names them, for the studio's shots to choose from.
    record = model_record(find_model(tiny_model), None)
    assert record["loras"] == ["g2"] and ModelRecord.from_dict(record).loras == ("g2",)
    assert ModelRecord.from_dict({"id": "older-engine"}).loras is None
    assert main(["models", "remove-lora", tiny_model, "g2"]) == 0
    assert list_loras(tiny_model) == []
