"""Does frameloom-mini draw the shape its caption names? A sheet of stills, seed by seed.

``python -m engine.mini.stills [--model DIR] [--out stills.png]`` draws "a COLOUR SHAPE moves
left on a BACKGROUND background" as stills (one latent frame, what a still in training is, from
pure noise through :func:`engine.mini.renoise.denoise_from`) for four colour pairs, each of the
three shapes the evaluation's reader tells apart, and ``--seeds`` seeds: one row per colour
pair, the circle's seeds, then the square's, then the triangle's, so each seed's three stills
can be compared. The same seed gives the same noise, so stills that differ only where the shape
word differs show the word at work; three copies of one blob show a model that ignores it.
Prints how many of each shape the reader (:func:`engine.mini.evaluate.read_shape`, strict on
soft edges) reads right.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from engine.mini import evaluate as ev
from engine.mini.renoise import denoise_from

PAIRS = (("red", "blue"), ("yellow", "black"), ("white", "green"), ("orange", "purple"))
SHAPES = ev.SHAPES_READ  # the outlines the evaluation's reader tells apart


def draw(model: Path, seeds: int, steps: int, guidance: float
         ) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    """The sheet ``(rows, columns, 3)`` uint8 and, per shape, (read right, drawn)."""
    setting, _ = ev.trained_setting(model, steps, guidance)
    with tempfile.TemporaryDirectory(prefix="frameloom-stills-") as scratch:
        pipe = ev.Generator(model, setting, Path(scratch)).backend._pipe
    blank = np.zeros((1, setting.height, setting.width, 3), np.uint8)  # noised to pure noise
    counts = {shape: [0, 0] for shape in SHAPES}
    rows = []
    for colour, background in PAIRS:
        row = []
        for shape in SHAPES:
            for seed in range(1, seeds + 1):
                text = f"a {colour} {shape} moves left on a {background} background"
                still = denoise_from(pipe, blank, text, 1.0, seed, steps, guidance,
                                     setting.fps)[0]
                seen = ev.read_shape(ev.object_mask(still, ev.background_colour(still)))
                counts[shape][0] += int(seen == shape)
                counts[shape][1] += 1
                row.append(np.pad(still, ((0, 2), (0, 2), (0, 0)), constant_values=255))
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0), {k: (v[0], v[1]) for k, v in counts.items()}


def save(picture: np.ndarray, out: Path) -> None:
    """Write the RGB sheet ``picture`` as an image file (PNG by its name)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))


def summary(counts: dict[str, tuple[int, int]]) -> str:
    """``shape read right R of N (circle r/n, ...)`` for :func:`draw`'s counts."""
    right = sum(hit for hit, _ in counts.values())
    total = sum(n for _, n in counts.values())
    return (f"shape read right {right} of {total} ("
            + ", ".join(f"{shape} {hit}/{n}" for shape, (hit, n) in counts.items()) + ")")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ev.DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=Path("stills.png"))
    parser.add_argument("--seeds", type=int, default=3, help="seeds per caption")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.steps < 1:
        parser.error("--seeds and --steps must be at least 1.")
    picture, counts = draw(args.model, args.seeds, args.steps, args.guidance)
    save(picture, args.out)
    print(f"{args.out}: {summary(counts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
