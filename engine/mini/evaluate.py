"""Measure frameloom-mini on held-out scenes: what it draws, how its VAE reconstructs, how it pins.

``python -m engine.mini.evaluate [--model DIR] [--write [FILE]]`` generates 96 held-out captions
(the combinations :func:`engine.mini.captions.held_out` keeps out of training; with
``--trained-captions``, combinations training draws, to compare) through the same LTX
backend the engine runs, measures the decoded frames with OpenCV, prints one table, and with
``--write`` puts it in FILE (``docs/BENCHMARKS.md`` of the folder it runs in) between the
frameloom-mini markers.

Every number is measured on pixels:

- background: the colour of the frame's border is nearest the caption's background colour;
- colour: the object's mean colour is nearest the caption's colour among the world's colours;
- shape: the largest blob's outline reads as the caption's shape (circle, square or triangle);
- direction: the object's centroid moves from first to last frame along the caption's direction;
- persistence: one object (no vanishing, no duplicate) in at least 90% of frames;
- VAE: PSNR of encode-decode overall and on object pixels, on held-out clips; and the drawing
  measures above on those encoded and decoded clips (the model draws through that decoder, so
  it cannot do better than they read);
- pins: PSNR of a pinned frame against the pin; seams: the jump where a take meets its clip
  (extend forward, extend backward, bridge, loop), over the take's median frame-to-frame change
  (floored at 2 grey levels).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from engine.mini.captions import COLOURS, Scene, caption
from engine.mini.world import World
from engine.models.installed import REPO_MODELS

DEFAULT_MODEL = REPO_MODELS / "frameloom-mini"
BENCHMARKS = Path("docs") / "BENCHMARKS.md"  # relative to where the command runs: the checkout
BEGIN, END = "<!-- frameloom-mini evaluation: begin -->", "<!-- frameloom-mini evaluation: end -->"
SHAPES_READ = ("circle", "square", "triangle")  # the outlines the reader tells apart
_FLOOR = 2.0  # grey levels: a still take's median change is floored here

TARGETS = {"background": "(none set)", "colour": ">= 90%", "direction": ">= 80%",
           "shape": ">= 70%", "persistence": ">= 90%",
           "vae_psnr": ">= 30 dB", "vae_object_psnr": ">= 24 dB", "pin_psnr": ">= 25 dB",
           "seam": "<= 2.0x"}


@dataclass(frozen=True)
class Setting:
    """What to generate: the size and length the model was trained at, steps and guidance."""

    width: int
    height: int
    frames: int
    steps: int
    guidance: float
    fps: int = 24


# --- reading frames ----------------------------------------------------------------------------

def background_colour(frame: np.ndarray) -> np.ndarray:
    """The median colour of a frame's one-pixel border, float RGB ``(3,)``."""
    border = np.concatenate([frame[0], frame[-1], frame[:, 0], frame[:, -1]])  # (N, 3)
    return np.median(border.astype(np.float32), axis=0)


def object_mask(frame: np.ndarray, background: np.ndarray, threshold: float = 40.0) -> np.ndarray:
    """Pixels farther than ``threshold`` (RGB distance) from the background, opened once."""
    distance = np.linalg.norm(frame.astype(np.float32) - background, axis=-1)  # (H, W)
    mask = (distance > threshold).astype(np.uint8)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))


def blobs(mask: np.ndarray, min_area: int) -> list[tuple[float, float, int]]:
    """Connected components of at least ``min_area`` pixels: ``(cx, cy, area)``, largest first."""
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = [(float(centroids[i][0]), float(centroids[i][1]), int(stats[i, cv2.CC_STAT_AREA]))
             for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= min_area]
    return sorted(found, key=lambda blob: -blob[2])


def nearest_colour(rgb: np.ndarray) -> str:
    """The world's colour name nearest ``rgb``."""
    names = list(COLOURS)
    table = np.array([COLOURS[name] for name in names], dtype=np.float32)
    return names[int(np.argmin(np.linalg.norm(table - rgb, axis=1)))]


def read_shape(mask: np.ndarray) -> str | None:
    """Circle, square or triangle from the largest outline; None when it reads as none.

    Corner counts fail on shapes a dozen pixels wide, so the outline is judged by how fully it
    fills its smallest enclosing triangle (a triangle about 1, a circle 0.60, a square 0.50) and
    its smallest enclosing rectangle (a square 1, a circle 0.79).
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline)
    if area < 12:
        return None
    (_, (w, h), _) = cv2.minAreaRect(outline)
    triangle_area, _ = cv2.minEnclosingTriangle(outline)
    in_triangle = area / max(float(triangle_area), 1e-6)
    in_rectangle = area / max(w * h, 1e-6)
    if in_triangle > 0.78:
        return "triangle"
    if in_rectangle > 0.88:
        return "square"
    if 0.7 < in_rectangle <= 0.88 and 0.8 < w / max(h, 1e-6) < 1.25:
        return "circle"
    return None


def read_clip(video: np.ndarray) -> dict[str, Any]:
    """What a clip ``(F, H, W, 3)`` shows: colour, shape, travel and how often one object shows."""
    background = background_colour(video[0])
    min_area = max(6, video.shape[1] * video.shape[2] // 800)
    masks = [object_mask(frame, background) for frame in video]
    found = [blobs(mask, min_area) for mask in masks]
    single = sum(len(f) == 1 for f in found) / len(found)
    pixels = np.concatenate([frame[mask.astype(bool)] for frame, mask in zip(video, masks)])
    colour = nearest_colour(pixels.astype(np.float32).mean(axis=0)) if len(pixels) else None
    middle = len(video) // 2
    shape = read_shape(masks[middle]) if found[middle] else None
    travel = None
    if found[0] and found[-1]:
        travel = (found[-1][0][0] - found[0][0][0], found[-1][0][1] - found[0][0][1])
    return {"colour": colour, "shape": shape, "travel": travel, "single": single,
            "background": nearest_colour(background)}


def direction_of(travel: tuple[float, float] | None, least: float = 2.0) -> str | None:
    """The dominant direction of a centroid's travel in pixels, or None below ``least``."""
    if travel is None or max(abs(travel[0]), abs(travel[1])) < least:
        return None
    dx, dy = travel
    if abs(dx) >= abs(dy):
        return "right" if dx > 0 else "left"
    return "down" if dy > 0 else "up"


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two uint8 arrays (peak 255); 99 for identical ones."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def seam_jump(before: np.ndarray, after: np.ndarray, take: np.ndarray) -> float:
    """The change across a seam over the take's median frame-to-frame change (floored)."""
    jump = float(np.abs(after.astype(np.float32) - before.astype(np.float32)).mean())
    inside = np.abs(np.diff(take.astype(np.float32), axis=0)).mean(axis=(1, 2, 3))
    return jump / max(float(np.median(inside)) if len(inside) else 0.0, _FLOOR)


# --- held-out material -------------------------------------------------------------------------

def held_out_scenes(count: int, seed: int, shadings: tuple[str, ...],
                    held_out: bool = True) -> list[Scene]:
    """``count`` one-object held-out scenes, the same for the same seed (the fixed rule); with
    ``held_out`` False, scenes of the combinations training draws instead."""
    world = World(seed, shadings=shadings)
    rng = np.random.default_rng(seed)
    return [world.scene(rng, held_out=held_out, count=1) for _ in range(count)]


def render(scene: Scene, setting: Setting, seed: int) -> np.ndarray:
    """The world's own clip of a scene at the setting's size, ``(F, H, W, 3)`` uint8."""
    world = World(seed)
    return world.render(scene, (setting.width, setting.height), setting.frames,
                        np.random.default_rng(seed))


# --- generation through the engine's LTX backend ------------------------------------------------

class Generator:
    """The model loaded once through :func:`engine.backends.ltx.load`, generating requests."""

    def __init__(self, model: Path, setting: Setting, scratch: Path) -> None:
        from engine.backends.cache import quiet_libraries
        from engine.backends.ltx import load

        quiet_libraries()  # as in the engine: no per-call scheduler warnings in the report
        self.backend = load(model, "cpu", "full")
        self.setting, self.scratch, self.made = setting, scratch, 0

    def __call__(self, prompt: str, seed: int, pins: tuple[Any, ...] = ()) -> np.ndarray:
        from engine.protocol.requests import GenerationRequest

        s = self.setting
        request = GenerationRequest(model_id="frameloom-mini", prompt=prompt, width=s.width,
                                    height=s.height, frames=s.frames, fps=s.fps, seed=seed,
                                    steps=s.steps, guidance=s.guidance, pins=pins)
        self.made += 1
        return self.backend.generate(request, lambda *_: None)

    def image_pin(self, picture: np.ndarray, frame: int) -> Any:
        """A still pin of ``picture`` (H, W, 3) at ``frame``, saved as a PNG in the scratch."""
        from engine.protocol.requests import Pin

        path = self.scratch / f"pin-{self.made}-{frame}.png"
        cv2.imwrite(str(path), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
        return Pin(str(path), frame)

    def clip_pin(self, video: np.ndarray, frame: int) -> Any:
        """A clip pin of all of ``video`` (F, H, W, 3) at ``frame``, written as H.264 as users'
        clips are."""
        from engine.output.video import write_video
        from engine.protocol.requests import Pin

        path = self.scratch / f"clip-{self.made}-{frame}.mp4"
        write_video(video, self.setting.fps, path)
        return Pin(str(path), frame, frame_start=0, frame_count=len(video))


# --- the measurements ---------------------------------------------------------------------------

def measure_drawing(draw: Callable[[str, int, Scene], np.ndarray], scenes: list[Scene],
                    seed: int) -> dict[str, Any]:
    """Colour, shape, direction and persistence of one-object clips of held-out captions.

    Parameters
    ----------
    draw
        Makes the clip ``(F, H, W, 3)`` for ``(caption, seed, scene)``: the model from the
        caption alone, or the world rendering the scene (the measurement's own ceiling).

    Returns
    -------
    dict
        Per measure, ``(share correct or None, clips it applies to)``; under ``"shape by
        asked"``, the same for each shape read, over the clips that asked for it.
    """
    counts = {key: [0, 0] for key in ("background", "colour", "shape", "direction",
                                      "persistence")}
    by_shape = {shape: [0, 0] for shape in SHAPES_READ}
    for index, scene in enumerate(scenes):
        thing = scene.objects[0]
        text = caption(scene, np.random.default_rng(index))
        seen = read_clip(draw(text, seed + index, scene))
        checks = {"background": seen["background"] == scene.background,
                  "colour": seen["colour"] == thing.colour,
                  "persistence": seen["single"] >= 0.9}
        if thing.shape in SHAPES_READ:
            checks["shape"] = seen["shape"] == thing.shape
            by_shape[thing.shape][0] += int(checks["shape"])
            by_shape[thing.shape][1] += 1
        if thing.motion == "moves":
            checks["direction"] = direction_of(seen["travel"]) == thing.direction
        for key, ok in checks.items():
            counts[key][0] += int(ok)
            counts[key][1] += 1
    result: dict[str, Any] = {key: _share(hit, total) for key, (hit, total) in counts.items()}
    result["shape by asked"] = {shape: _share(hit, total) for shape, (hit, total)
                                in by_shape.items()}
    return result


def _share(hit: int, total: int) -> tuple[float | None, int]:
    return (hit / total if total else None, total)


def to_video(clip: np.ndarray) -> Any:
    """A clip ``(F, H, W, 3)`` uint8 as the VAE takes it: ``(1, 3, F, H, W)`` in [-1, 1]."""
    import torch

    return torch.from_numpy(clip).permute(3, 0, 1, 2)[None].float() / 127.5 - 1.0


def to_clip(video: Any) -> np.ndarray:
    """The first video of a decoded ``(B, 3, F, H, W)`` tensor as ``(F, H, W, 3)`` uint8."""
    import torch

    out = ((video[0].permute(1, 2, 3, 0).clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8)
    return np.asarray(out.numpy())


def round_trip(vae: Any, clip: np.ndarray) -> np.ndarray:
    """A clip ``(F, H, W, 3)`` uint8 encoded and decoded by the VAE (the latents' mode)."""
    import torch

    with torch.no_grad():
        return to_clip(vae.decode(vae.encode(to_video(clip)).latent_dist.mode()).sample)


def measure_vae(vae: Any, scenes: list[Scene], setting: Setting, seed: int) -> dict[str, float]:
    """Encode-decode PSNR of held-out clips, overall and on object pixels (mean over clips)."""
    overall, objects = [], []
    for index, scene in enumerate(scenes):
        clip = render(scene, setting, seed + index)  # (F, H, W, 3) uint8
        out_np = round_trip(vae, clip)
        overall.append(psnr(out_np, clip))
        mask = np.stack([object_mask(f, background_colour(clip[0])) for f in clip]).astype(bool)
        if mask.any():
            objects.append(psnr(out_np[mask], clip[mask]))
    return {"vae_psnr": float(np.mean(overall)),
            "vae_object_psnr": float(np.mean(objects)) if objects else float("nan")}


def measure_pins(generate: Generator, scenes: list[Scene], setting: Setting,
                 seed: int) -> dict[str, float]:
    """Pinned-frame PSNR and seam jumps of extend forward/backward, bridge and loop."""
    temporal = generate.backend.constraints.frame_rule[0]  # frames are temporal*k + 1
    context = min(temporal + 1, setting.frames // 2)
    f = setting.frames
    pin_psnr: list[float] = []
    seams: dict[str, list[float]] = {"extend forward": [], "extend backward": [], "bridge": [],
                                     "loop": []}
    for index, scene in enumerate(scenes):
        rng = np.random.default_rng(index)
        text, clip = caption(scene, rng), render(scene, setting, seed + index)
        other = render(scenes[(index + 1) % len(scenes)], setting, seed + index + 1)
        # image-to-video: the first frame pinned
        out = generate(text, seed + index, (generate.image_pin(clip[0], 0),))
        pin_psnr.append(psnr(out[0], clip[0]))
        # extend forward: the clip's last frames pinned at the start, the rest is the take
        head = clip[f - context:]
        out = generate(text, seed + index, (generate.clip_pin(head, 0),))
        take = out[context:]
        seams["extend forward"].append(seam_jump(head[-1], take[0], take))
        # extend backward: the clip's first frames pinned at the end, the take leads into them
        tail = clip[:context]
        out = generate(text, seed + index, (generate.clip_pin(tail, f - context),))
        take = out[:f - context]
        seams["extend backward"].append(seam_jump(take[-1], tail[0], take))
        # bridge from this clip's end to the next clip's start, and a loop of this clip
        for kind, end in (("bridge", other[0]), ("loop", clip[0])):
            out = generate(text, seed + index, (generate.image_pin(clip[-1], 0),
                                                generate.image_pin(end, f - 1)))
            take = out[1:f - 1]
            seams[kind].append(max(seam_jump(clip[-1], take[0], take),
                                   seam_jump(take[-1], end, take)))
    result = {"pin_psnr": float(np.mean(pin_psnr))}
    result.update({f"seam {kind}": float(np.max(values)) for kind, values in seams.items()})
    return result


# --- the table ------------------------------------------------------------------------------------

def wilson(share: float, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a share measured on ``total`` clips."""
    scale = 1 + z * z / total
    middle = (share + z * z / (2 * total)) / scale
    half = z * np.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / scale
    return max(0.0, middle - half), min(1.0, middle + half)


def _percent(value: tuple[float | None, int]) -> str:
    share, total = value
    if share is None:
        return "n/a (no such caption)"
    low, high = wilson(share, total)
    return f"{share:.0%} of {total} ({low * 100:.0f}-{high:.0%})"


def table(drawing: dict[str, Any], truth: dict[str, Any], vae: dict[str, float],
          pins: dict[str, float], about: dict[str, Any], ceiling: dict[str, Any]) -> str:
    """The results as one markdown table, with the same measures on the world's own clips (what
    the reader gets right at best), on those clips through the model's VAE (what the model can
    draw at best: its transformer makes latents that this decoder turns into pictures) and the
    issue's targets beside them."""
    names = {"background": "background colour correct", "colour": "object colour correct",
             "direction": "motion direction correct",
             "shape": "shape correct (circle, square, triangle)",
             "persistence": "object persists (one object in >= 90% of frames)"}
    rows = [(name, _percent(drawing[key]), _percent(truth[key]), _percent(ceiling[key]),
             TARGETS[key]) for key, name in names.items()]
    rows += [("VAE reconstruction PSNR, overall", f"{vae['vae_psnr']:.1f} dB", "", "",
              TARGETS["vae_psnr"]),
             ("VAE reconstruction PSNR, object pixels", f"{vae['vae_object_psnr']:.1f} dB", "", "",
              TARGETS["vae_object_psnr"]),
             ("pinned frame PSNR (image-to-video)", f"{pins['pin_psnr']:.1f} dB", "", "",
              TARGETS["pin_psnr"])]
    rows += [(f"worst seam jump, {kind[5:]}", f"{value:.2f}x", "", "", TARGETS["seam"])
             for kind, value in pins.items() if kind.startswith("seam ")]
    lines = [f"Model `{about['model']}` ({about['description']}); {about['samples']} "
             f"{about.get('kind', 'held-out')} "
             f"captions at {about['size']}, {about['frames']} frames, {about['steps']} steps, "
             f"guidance {about['guidance']}, backgrounds {', '.join(about['shadings'])}; "
             f"{about['seconds']:.0f} s on {about['machine']}. "
             f"Command: `{about['command']}`. Shares are of the clips a measure applies to, "
             "with their 95% Wilson interval in brackets.", "",
             "| measure | frameloom-mini | the world's own clips | those clips through its VAE "
             "| target (issue 17) |",
             "|---|---|---|---|---|"]
    lines += [f"| {name} | {value} | {truth_value} | {through} | {target} |"
              for name, value, truth_value, through, target in rows]
    by_shape = drawing.get("shape by asked", {})
    if by_shape:
        lines += ["", "Shape read as asked, by the shape asked: " + ", ".join(
            f"{shape} {_percent(value)}" for shape, value in by_shape.items()) + "."]
    return "\n".join(lines)


def write_benchmarks(text: str, path: Path, markers: tuple[str, str] = (BEGIN, END),
                     heading: str = "frameloom-mini evaluation (issue 17)") -> None:
    """Put ``text`` between ``markers`` in the markdown file ``path``, or under a ``heading``."""
    begin, end = markers
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{text}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current)
    else:
        updated = current.rstrip() + f"\n\n## {heading}\n\n" + block + "\n"
    path.write_text(updated, encoding="utf-8")


def trained_setting(model: Path, steps: int, guidance: float) -> tuple[Setting, tuple[str, ...]]:
    """The size, length and backgrounds the model was trained on, from its model_index.json."""
    index = json.loads((model / "model_index.json").read_text(encoding="utf-8"))
    trained = index.get("_frameloom_trained", {})
    width, height = trained.get("sizes", [[512, 288]])[0]
    shadings = tuple(trained.get("shadings", ["solid"]))
    return Setting(width, height, trained.get("frames", 25), steps, guidance), shadings


def main(args: argparse.Namespace) -> dict[str, Any]:
    """Evaluate, print the table, and write it to docs/BENCHMARKS.md with ``--write``."""
    import platform

    import torch

    torch.manual_seed(args.seed)
    model = Path(args.model)
    setting, shadings = trained_setting(model, args.steps, args.guidance)
    started = time.perf_counter()
    scenes = held_out_scenes(args.samples, args.seed, shadings, not args.trained_captions)
    with tempfile.TemporaryDirectory(prefix="frameloom-eval-") as scratch:
        generate = Generator(model, setting, Path(scratch))
        drawing = measure_drawing(lambda text, seed, _: generate(text, seed), scenes, args.seed)
        truth = measure_drawing(lambda _, seed, scene: render(scene, setting, seed), scenes,
                                args.seed)
        model_vae = generate.backend._pipe.vae
        # What the model could draw at best: the world's clips through its own VAE.
        ceiling = measure_drawing(
            lambda _, seed, scene: round_trip(model_vae, render(scene, setting, seed)), scenes,
            args.seed)
        vae = measure_vae(model_vae, scenes, setting, args.seed)
        pins = measure_pins(generate, scenes[:args.pin_samples], setting, args.seed)
    index = json.loads((model / "model_index.json").read_text(encoding="utf-8"))
    about = {"model": model.name, "description": index.get("_frameloom_description", ""),
             "samples": len(scenes), "kind": "trained" if args.trained_captions else "held-out",
             "size": f"{setting.width}x{setting.height}",
             "frames": setting.frames, "steps": setting.steps, "guidance": setting.guidance,
             "shadings": shadings, "seconds": time.perf_counter() - started,
             "machine": f"{platform.machine()} CPU, {torch.get_num_threads()} threads",
             "command": "python -m engine.mini.evaluate " + (
                 "--trained-captions" if args.trained_captions else "--write")}
    text = table(drawing, truth, vae, pins, about, ceiling)
    print(text)
    if args.write:
        write_benchmarks(text, Path(args.write))
    return {"drawing": drawing, "truth": truth, "ceiling": ceiling, "vae": vae, "pins": pins}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of ``python -m engine.mini.evaluate``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL), help="a frameloom-mini folder")
    parser.add_argument("--samples", type=int, default=96,
                        help="held-out captions to draw (24 swung shape from 33 to 67%% "
                             "between seeds)")
    parser.add_argument("--pin-samples", type=int, default=4,
                        help="of those, how many to pin, extend, bridge and loop")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--trained-captions", action="store_true",
                        help="draw combinations training draws instead of held-out ones (to "
                             "tell what the model has not learnt from what it does not "
                             "generalise to)")
    parser.add_argument("--write", nargs="?", const=str(BENCHMARKS), default=None, metavar="FILE",
                        help="put the table in FILE (default docs/BENCHMARKS.md, from the "
                             "folder the command runs in)")
    args = parser.parse_args(argv)
    if args.pin_samples < 1 or args.samples < 1:  # the pin and seam figures need one at least
        parser.error("--samples and --pin-samples must be at least 1.")
    if args.trained_captions and args.write:  # the recorded table is the held-out one
        parser.error("--write records the held-out table; leave out --trained-captions.")
    return args


if __name__ == "__main__":
    main(parse_args())
