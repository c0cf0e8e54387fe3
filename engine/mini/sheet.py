"""A contact sheet of frameloom-mini takes: one row per caption, frames across, as one picture.

``python -m engine.mini.sheet [--out docs/images/frameloom-mini-sheet.jpg]`` generates a few
captions (training-style and held-out) at the size the model was trained at through the LTX
backend, and lays out evenly spaced frames of each take beside the caption's first words, with
the world's own rendering of the same scene underneath for comparison. Then one row per
operation, each over the world's clips it starts from: a still pinned at frame 0, an extension
forward of a clip, a bridge from one clip to another, and a loop of a clip.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from engine.mini.captions import Scene, Thing, caption
from engine.mini.evaluate import DEFAULT_MODEL, Generator, Setting, render, trained_setting

SCENES = (
    Scene("blue", (Thing("circle", "red", "moves", "left"),)),
    Scene("black", (Thing("square", "yellow", "moves", "right"),)),
    Scene("white", (Thing("circle", "green", "grows"),)),
    Scene("gray", (Thing("triangle", "purple", "moves", "down"),)),  # held out: purple triangle
)


def _label(width: int, text: str) -> np.ndarray:
    strip = np.full((14, width, 3), 255, np.uint8)
    cv2.putText(strip, text[:width // 6], (2, 10), cv2.FONT_HERSHEY_PLAIN, 0.7, (0, 0, 0), 1,
                cv2.LINE_AA)
    return strip


def sheet(takes: list[tuple[str, np.ndarray, np.ndarray]], columns: int, scale: int) -> np.ndarray:
    """Rows of ``columns`` evenly spaced frames: each take over the world's own clip."""
    rows = []
    for text, take, truth in takes:
        picks = np.linspace(0, len(take) - 1, columns).round().astype(int)
        for label, clip in ((f"model: {text}", take), ("world's own clips", truth)):
            frames = [cv2.resize(clip[i], None, fx=scale, fy=scale,
                                 interpolation=cv2.INTER_NEAREST) for i in picks]
            row = np.concatenate([np.pad(f, ((0, 0), (0, 2), (0, 0)), constant_values=255)
                                  for f in frames], axis=1)
            rows += [_label(row.shape[1], label), row]
        rows.append(np.full((6, rows[-1].shape[1], 3), 255, np.uint8))
    return np.concatenate(rows, axis=0)


def operation_rows(generate: Generator, setting: Setting,
                   seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Pin, extend, bridge and loop on the first two scenes: ``(label, take, sources)`` rows.

    A take row shows the frames the model made (pins included, where the operation keeps them);
    the row under it shows the world's clips the operation was given, in time order.
    """
    f = setting.frames
    context = min(generate.backend.constraints.frame_rule[0] + 1, f // 2)
    first, second = SCENES[0], SCENES[1]
    text = caption(first, np.random.default_rng(0))
    a, b = render(first, setting, seed), render(second, setting, seed + 1)
    rows = []
    pinned = generate(text, seed, (generate.image_pin(a[0], 0),))
    rows.append((f"pin frame 0: {text}", pinned, a))
    extended = generate(text, seed, (generate.clip_pin(a[f - context:], 0),))
    rows.append(("extend forward (clip, then take)", np.concatenate([a, extended[context:]]),
                 np.concatenate([a, a[-1:].repeat(f - context, axis=0)])))
    bridge = generate(text, seed, (generate.image_pin(a[-1], 0), generate.image_pin(b[0], f - 1)))
    rows.append(("bridge A -> B (A, take, B)", np.concatenate([a, bridge[1:f - 1], b]),
                 np.concatenate([a, a[-1:].repeat(f - 2, axis=0), b])))
    loop = generate(text, seed, (generate.image_pin(a[-1], 0), generate.image_pin(a[0], f - 1)))
    rows.append(("loop (clip, take, clip again)", np.concatenate([a, loop[1:f - 1], a]),
                 np.concatenate([a, a[-1:].repeat(f - 2, axis=0), a])))
    return rows


def main(args: argparse.Namespace) -> Path:
    """Generate the takes and write the sheet."""
    model = Path(args.model)
    setting, _ = trained_setting(model, args.steps, args.guidance)
    takes = []
    with tempfile.TemporaryDirectory(prefix="frameloom-sheet-") as scratch:
        generate = Generator(model, setting, Path(scratch))
        for index, scene in enumerate(SCENES):
            text = caption(scene, np.random.default_rng(index))
            takes.append((text, generate(text, args.seed + index),
                          render(scene, setting, args.seed + index)))
        takes += operation_rows(generate, setting, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    picture = sheet(takes, args.columns, args.scale)
    cv2.imwrite(str(out), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    print(out)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--out",
                        default=str(Path("docs") / "images" / "frameloom-mini-sheet.jpg"),
                        help="the picture to write (relative to the folder it runs in)")
    parser.add_argument("--columns", type=int, default=6)
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=7)
    main(parser.parse_args())
