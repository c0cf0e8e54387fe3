"""A request's LoRAs act on each family's tiny pipeline for that request only, and are refused
in one sentence where the family's diffusers pipeline takes none (HunyuanVideo 1.5)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import BackendError, load_backend
from engine.models.loras import lora_folder
from engine.protocol.requests import LoraChoice

pytest.importorskip("peft")

FOLDERS = {"ltx": "tiny_ltx_dir", "wan": "tiny_wan_t2v_dir", "ltx2": "tiny_ltx2_dir"}


@pytest.mark.parametrize("family", sorted(FOLDERS))
def test_a_lora_changes_one_request_and_leaves_the_loaded_model_as_it_was(
        family: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from support.tiny_lora import build_tiny_lora

    folder = request.getfixturevalue(FOLDERS[family])
    model_id = f"tiny-{family}"
    lora = build_tiny_lora(folder, tmp_path / "style.safetensors")
    lora_folder(model_id).mkdir(parents=True)
    shutil.copy(lora, lora_folder(model_id) / "style.safetensors")
    backend = load_backend(family, folder, "cpu", "full")
    plain = tiny_request(backend, model_id, frames=5)
    before = backend.generate(plain, ignore_steps)
    styled = backend.generate(
        dataclasses.replace(plain, loras=(LoraChoice("style", 1.0),)), ignore_steps)
    half = backend.generate(
        dataclasses.replace(plain, loras=(LoraChoice("style", 0.5),)), ignore_steps)
    after = backend.generate(plain, ignore_steps)
    assert not np.array_equal(styled, before) and not np.array_equal(half, styled)
    assert np.array_equal(after, before)  # unloaded after each request
    assert not any("lora" in name for name, _ in backend._pipe.transformer.named_modules())
    with pytest.raises(BackendError) as refused:
        backend.generate(dataclasses.replace(plain, loras=(LoraChoice("nope"),)), ignore_steps)
    assert refused.value.code == "unknown_lora"
    assert np.array_equal(backend.generate(plain, ignore_steps), before)
    backend.close()


def test_hunyuan15_refuses_loras_in_one_sentence(tiny_hunyuan15_dirs: dict[str, Path]) -> None:
    backend = load_backend("hunyuan15", tiny_hunyuan15_dirs["t2v"], "cpu", "full")
    request = dataclasses.replace(tiny_request(backend, "tiny-hunyuan15", frames=5),
                                  loras=(LoraChoice("style"),))
    with pytest.raises(BackendError) as refused:
        backend.generate(request, ignore_steps)
    assert (refused.value.code, refused.value.message) == (
        "unsupported_lora", "This model's pipeline (HunyuanVideo15Pipeline) takes no LoRAs.")
    backend.close()
