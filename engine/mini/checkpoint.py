"""Training checkpoints: model weights as safetensors, progress as JSON, optimizer state apart."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, load_model, save_file, save_model

from engine.mini.parts import Parts

_MODELS = ("text_encoder", "vae", "transformer")
_EMA = "transformer_ema.safetensors"


STAGE_NAMES = ("vae", "transformer", "decoder")


def fresh_progress() -> dict[str, Any]:
    """One stage's progress before its first step."""
    return {"step": 0, "seconds": 0.0, "done": False}


def fresh_state(seed: int) -> dict[str, Any]:
    """Progress before any step: per stage, steps taken, seconds spent and whether it finished."""
    return {"seed": seed, "calibrated": None,
            "stages": {s: fresh_progress() for s in STAGE_NAMES}}


def save_checkpoint(folder: Path, parts: Parts, state: dict[str, Any],
                    optimizers: dict[str, torch.optim.Optimizer],
                    rng_state: dict[str, Any], ema: dict[str, torch.Tensor] | None = None,
                    keep: bool = True) -> None:
    """Write weights, progress and optimizer state to a new folder, then swap it in.

    A run killed mid-save leaves the previous checkpoint whole (at worst renamed to
    ``<folder>.old``, which :func:`load_checkpoint` falls back to). ``ema`` is the transformer's
    weight average (``transformer_ema.safetensors``). With ``keep``, the weights and progress
    are also copied to ``<folder>s/<vae step>-<transformer step>[-<decoder step>]/`` so every
    checkpoint of a run stays (a few tens of MB each, no optimizer state).
    """
    tmp, old = folder.with_name(folder.name + ".tmp"), folder.with_name(folder.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in _MODELS:
        save_model(getattr(parts, name), str(tmp / f"{name}.safetensors"))  # T5 ties embeddings
    if ema is not None:
        save_file({k: v.contiguous() for k, v in ema.items()}, str(tmp / _EMA))
    # Optimizer moments and the torch RNG are not tensors-by-name; torch.save holds them, and
    # nothing else in the checkpoint is pickled.
    torch.save({"optimizers": {k: o.state_dict() for k, o in optimizers.items()},
                "torch_rng": torch.get_rng_state()}, tmp / "optimizer.pt")
    parts.tokenizer.save_pretrained(tmp / "tokenizer")
    text = json.dumps({**state, "numpy_rng": rng_state}, indent=1)
    (tmp / "state.json").write_text(text, encoding="utf-8")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)
    if keep:
        stages = state["stages"]
        decoder = stages.get("decoder", {}).get("step", 0)
        snapshot = folder.with_name(folder.name + "s") / (
            f"vae{stages['vae']['step']:06d}-transformer{stages['transformer']['step']:07d}"
            + (f"-decoder{decoder:06d}" if decoder else ""))
        shutil.rmtree(snapshot, ignore_errors=True)
        snapshot.mkdir(parents=True)
        for item in folder.iterdir():
            if item.suffix in (".safetensors", ".json"):
                shutil.copy2(item, snapshot / item.name)
        shutil.copytree(folder / "tokenizer", snapshot / "tokenizer")


def latest_checkpoint(folder: Path) -> Path | None:
    """``folder``, or the ``.old`` copy a cut-short save left, or None when neither exists."""
    for candidate in (folder, folder.with_name(folder.name + ".old")):
        if (candidate / "state.json").is_file():
            return candidate
    return None


def load_checkpoint(folder: Path, parts: Parts) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load weights into ``parts``; return the progress and the optimizer/RNG payload.

    The payload's ``"ema"`` holds the transformer's weight average when the checkpoint has one.
    A weights-only snapshot (no ``optimizer.pt``) loads too, with no optimizer state.

    Raises
    ------
    FileNotFoundError
        If ``folder`` holds no checkpoint (see :func:`latest_checkpoint`).
    """
    state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    for name in _MODELS:
        load_model(getattr(parts, name), str(folder / f"{name}.safetensors"))
    payload: dict[str, Any] = {"optimizers": {}}
    if (folder / "optimizer.pt").is_file():
        payload = torch.load(folder / "optimizer.pt", weights_only=True)
        torch.set_rng_state(payload["torch_rng"])
    if (folder / _EMA).is_file():
        payload["ema"] = load_file(str(folder / _EMA))
    return state, payload
