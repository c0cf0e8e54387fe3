"""How far apart frameloom-mini's latents put scenes that differ in one word, against their pixels.

``python -m engine.mini.gaps [--model DIR]`` renders one-object scenes of the world (a still
camera, a solid background, the object at the middle of the frame) in pairs that differ in one
word: the shape (a circle against a square, a triangle or a star) or the object's colour. It
encodes each with the model's VAE, normalized as the transformer sees latents, and prints per
kind of change the root-mean-square difference of the pixels (in [-1, 1]) and of the latents,
and the latents' share of each kind against a colour change.

The transformer learns from squared error on those latents, so a change that moves the latents
little costs little to get wrong: a word whose change is small there is a word the loss hardly
teaches, however clearly the pixels differ.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from engine.mini.captions import Scene, Thing
from engine.mini.world import World
from engine.models.installed import REPO_MODELS

DEFAULT_MODEL = REPO_MODELS / "frameloom-mini"
SIZE = (192, 128)  # the CPU preset's default size
FRAMES = 9
# (object colour, background): the object colour a colour change moves to is the next pair's.
PAIRS = (("red", "blue"), ("yellow", "black"), ("white", "green"), ("orange", "purple"))
CHANGES = ("square", "triangle", "star", "colour")


def _clip(shape: str, colour: str, background: str, size: str | None) -> np.ndarray:
    scene = Scene(background, (Thing(shape, colour, "moves", "left", size, "slowly"),))
    return World(0, ("solid",)).render(scene, SIZE, FRAMES, np.random.default_rng(0))


def measure(vae: Any, size: str | None = None,
            pairs: tuple[tuple[str, str], ...] = PAIRS) -> dict[str, dict[str, float]]:
    """Per change (:data:`CHANGES`, each from a circle of a pair's colour), the root-mean-square
    difference of the pixels and of the normalized latents, averaged over ``pairs`` (object
    colour, background); a colour change takes the next pair's object colour, or the first
    colour of :data:`PAIRS` that is neither."""
    import torch

    from engine.mini.losses import encode_latents

    def encode(clip: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        video = torch.from_numpy(clip).float().permute(3, 0, 1, 2)[None] / 127.5 - 1.0
        return video, encode_latents(vae, video)

    sums = {change: [0.0, 0.0] for change in CHANGES}
    for index, (colour, background) in enumerate(pairs):
        pixels, latents = encode(_clip("circle", colour, background, size))
        for change in CHANGES:
            if change == "colour":
                others = [c for c, _ in pairs[index + 1:] + PAIRS]
                other = next(c for c in others if c not in (colour, background))
                changed = _clip("circle", other, background, size)
            else:
                changed = _clip(change, colour, background, size)
            other_pixels, other_latents = encode(changed)
            sums[change][0] += float((other_pixels - pixels).pow(2).mean().sqrt())
            sums[change][1] += float((other_latents - latents).pow(2).mean().sqrt())
    return {change: {"pixels": p / len(pairs), "latents": q / len(pairs)}
            for change, (p, q) in sums.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--size", choices=("small", "large"), default=None,
                        help="the objects' size word (default: the unsaid middle size)")
    parser.add_argument("--pairs", type=int, default=len(PAIRS), choices=range(1, len(PAIRS) + 1),
                        metavar="N", help=f"measure the first N of the {len(PAIRS)} colour pairs")
    args = parser.parse_args(argv)
    from diffusers import AutoencoderKLLTXVideo

    vae = AutoencoderKLLTXVideo.from_pretrained(str(args.model / "vae")).eval()
    pairs = PAIRS[:args.pairs]
    gaps = measure(vae, args.size, pairs)
    colour = gaps["colour"]
    print(f"{len(pairs)} one-object scenes at {SIZE[0]}x{SIZE[1]}, {FRAMES} frames, each a "
          f"circle changed in one word; root-mean-square difference")
    print("| from a circle to | pixels | latents | pixels, share of a colour change "
          "| latents, share of a colour change |")
    print("|---|---|---|---|---|")
    for change, gap in gaps.items():
        name = "another colour" if change == "colour" else f"a {change}"
        shares = gap["pixels"] / colour["pixels"], gap["latents"] / colour["latents"]
        print(f"| {name} | {gap['pixels']:.3f} | {gap['latents']:.3f} | {shares[0]:.2f} | "
              f"{shares[1]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
