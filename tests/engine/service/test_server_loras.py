"""LoRAs through a real engine: a client adds a LoRA file to a model (AddLora), the model list
names it, a job applies it and records it; a damaged file is refused in one sentence."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from test_server_cli import cli

from engine import protocol as p
from engine.cli.client import ControlError
from engine_harness import TINY, Engine

pytest.importorskip("peft")


def test_a_client_adds_a_lora_and_a_job_uses_it(engine: Engine, tiny_ltx_dir: Path,
                                                tmp_path: Path) -> None:
    from support.tiny_lora import build_tiny_lora

    lora = build_tiny_lora(tiny_ltx_dir, tmp_path / "glow.safetensors")
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(b"\x01" * 20)
    with engine.control(timeout=60) as control:
        added = control.request(p.AddLora(id=control.next_id(), model_id=TINY, path=str(lora)))
        assert added["lora"] == {"model_id": TINY, "name": "glow", "layers": 8}
        models = control.request(p.ListModels(id=control.next_id()))["models"]
        assert next(m for m in models if m["id"] == TINY)["loras"] == ["glow"]
        with pytest.raises(ControlError) as refused:
            control.request(p.AddLora(id=control.next_id(), model_id=TINY, path=str(damaged)))
        assert refused.value.code == "bad_lora"
        assert str(refused.value).startswith("The file damaged.safetensors is not a readable "
                                             "safetensors file")
        with pytest.raises(ControlError) as unknown:
            control.request(p.AddLora(id=control.next_id(), model_id="nope", path=str(lora)))
        assert unknown.value.code == "unknown_model"
    job_id = f"lora-{uuid.uuid4().hex[:6]}"
    done = cli(engine.home, "submit", "--model", TINY, "--width", "32", "--height", "32",
               "--frames", "9", "--steps", "2", "--prompt", "a lamp", "--lora", "glow:0.7",
               "--id", job_id, "--wait")
    assert done.returncode == 0, done.stderr
    listed = json.loads(cli(engine.home, "jobs", "--json").stdout)
    settings = next(job for job in listed if job["id"] == job_id)["settings"]
    assert settings["loras"] == [{"name": "glow", "strength": 0.7}]
