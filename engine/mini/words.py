"""Which words of its captions frameloom-mini's transformer uses, measured by its own loss.

``python -m engine.mini.words [--model DIR]`` renders one-object clips of the world, and for
each part of their captions (the object's colour, its shape, its motion and direction, the
background's colour) makes every caption again with only that word changed to another of its
kind (``a red circle ...`` -> ``a red star ...``: the same scene otherwise, in the grammar's base
form). It prints the transformer's flow-matching loss on the clips' object cells with the true
captions, with each part changed, and with empty captions, at the noise levels training draws
(:func:`engine.mini.losses.flow_loss` with the model's ``sigma_shift``) and at even ones.

A part's share is ``(changed - true) / (empty - true)``: 0 when the model's prediction does not
depend on that word (it draws the same whatever the word says), 1 when the wrong word is as
bad as no caption at all, above 1 when a wrong word misleads it more than silence would. Issue
17's drawing figures say what the model's samples show; this says whether it reads the word
at all, which tells a conditioning failure (share near 0) from a drawing one (share well above
0 while the samples still miss the word).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from engine.mini.captions import PARTS, Scene, caption, changed
from engine.models.installed import REPO_MODELS

DEFAULT_MODEL = REPO_MODELS / "frameloom-mini"
# Object cells weigh this much more than background cells: the measure is about the object.
_OBJECT_WEIGHT = 100.0


@dataclasses.dataclass(frozen=True)
class Trained:
    """What a model folder records of its training: size, length, frame rate, noise shift."""

    size: tuple[int, int]
    frames: int
    fps: int
    shift: float


def measure(pipe: Any, scenes: list[Scene], clips: np.ndarray, fps: int,
            shifts: tuple[float, ...], repeats: int = 3, batch: int = 8
            ) -> dict[float, dict[str, float]]:
    """Object-cell flow loss per caption set and noise shift.

    Parameters
    ----------
    pipe
        A loaded LTXConditionPipeline (frameloom-mini's layout).
    scenes, clips
        One-object scenes and their clips ``(N, F, H, W, 3)`` uint8.
    fps
        Their frame rate (the time axis of the transformer's positions).
    shifts
        Noise-level shifts to measure at (see :func:`engine.mini.losses.flow_loss`).
    repeats
        Noise draws per clip; the same draws for every caption set, so they differ by the
        captions alone.

    Returns
    -------
    dict
        Per shift, the loss with the ``"true"`` captions, each part changed, and ``"empty"``.
    """
    import torch

    from engine.mini.batches import Layout
    from engine.mini.losses import encode_latents, encode_prompts, flow_loss

    video = torch.from_numpy(clips).permute(0, 4, 1, 2, 3).float() / 127.5 - 1.0  # (N,3,F,H,W)
    latents = encode_latents(pipe.vae, video)
    layout = Layout("none")  # nothing pinned: drawn from the caption alone
    sets = {"true": [caption(s, np.random.default_rng(0)) for s in scenes]}
    rng = np.random.default_rng(1)
    for part in PARTS:
        other = [changed(s, part, rng) for s in scenes]
        sets[part] = [caption(o if o is not None else s, np.random.default_rng(0))
                      for s, o in zip(scenes, other)]
    sets["empty"] = [""] * len(scenes)
    results: dict[float, dict[str, float]] = {}
    with torch.no_grad():
        encoded = {name: encode_prompts(pipe.tokenizer, pipe.text_encoder, texts)
                   for name, texts in sets.items()}
        for shift in shifts:
            losses: dict[str, float] = {}
            for name, (embeds, mask) in encoded.items():
                total, count = 0.0, 0
                for rep in range(repeats):
                    generator = torch.Generator().manual_seed(rep)
                    for i in range(0, len(scenes), batch):
                        rows = slice(i, i + batch)
                        total += flow_loss(pipe.transformer, pipe.vae, latents[rows],
                                           embeds[rows], mask[rows], layout, video[rows],
                                           fps, generator=generator, shift=shift,
                                           object_weight=_OBJECT_WEIGHT).item()
                        count += 1
                losses[name] = total / count
            results[shift] = losses
    return results


def shares(losses: dict[str, float]) -> dict[str, float]:
    """Each part's ``(changed - true) / (empty - true)``; see the module docstring."""
    span = losses["empty"] - losses["true"]
    return {part: (losses[part] - losses["true"]) / span if span > 0 else float("nan")
            for part in PARTS}


def one_object_scenes(count: int, seed: int, size: tuple[int, int], frames: int
                      ) -> tuple[list[Scene], np.ndarray]:
    """``count`` one-object training-world scenes on solid backgrounds and their clips."""
    from engine.mini.world import World

    world = World(seed, shadings=("solid",))
    rng = np.random.default_rng(seed)
    scenes = [world.scene(rng, count=1) for _ in range(count)]
    clips = np.stack([world.render(s, size, frames, rng) for s in scenes])
    return scenes, clips


def load(model: Path) -> tuple[Any, Trained]:
    """The model folder's pipeline on the CPU, and its training record (the preset's noise
    shift, since the record does not keep one)."""
    from diffusers import LTXConditionPipeline

    from engine.backends.cache import quiet_libraries
    from engine.mini.parts import PRESETS

    quiet_libraries()
    pipe = LTXConditionPipeline.from_pretrained(str(model))
    pipe.transformer.eval()
    record = json.loads((model / "model_index.json").read_text(encoding="utf-8")).get(
        "_frameloom_trained", {})
    preset = PRESETS.get(record.get("preset", "cpu"), PRESETS["cpu"])
    width, height = record.get("sizes", [preset.sizes[0]])[0]
    return pipe, Trained((width, height), record.get("frames", preset.frames),
                         record.get("fps", preset.fps), preset.sigma_shift)


def main(argv: list[str] | None = None) -> int:
    """Print the table of losses and shares for a model folder."""
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--clips", type=int, default=48, help="one-object clips (default 48)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    pipe, trained = load(args.model)
    scenes, clips = one_object_scenes(args.clips, args.seed, trained.size, trained.frames)
    shifts = (trained.shift, 1.0)
    results = measure(pipe, scenes, clips, trained.fps, shifts)
    width, height = trained.size
    print(f"{args.model}: {args.clips} one-object clips at {width}x{height}, "
          f"{trained.frames} frames; object-cell flow loss, 3 noise draws each; `python -m "
          f"engine.mini.words --clips {args.clips} --seed {args.seed}`")
    print("| caption | " + " | ".join(f"loss, shift {s:g}" for s in shifts)
          + " | " + " | ".join(f"share, shift {s:g}" for s in shifts) + " |")
    print("|---|" + "---|" * (2 * len(shifts)))
    part_shares = {s: shares(results[s]) for s in shifts}
    for name in ("true", *PARTS, "empty"):
        losses = " | ".join(f"{results[s][name]:.4f}" for s in shifts)
        share = " | ".join(f"{part_shares[s][name]:.2f}" if name in PARTS else ""
                           for s in shifts)
        label = "true captions" if name == "true" else "empty captions" if name == "empty" \
            else f"{name} changed"
        print(f"| {label} | {losses} | {share} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
