"""What one trip through frameloom-mini's VAE costs a clip's colour, against drift at joins.

Run ``python bench/vae_roundtrip.py`` (``--help`` for options). A long shot conditions each
window on the previous window's last frames: frames that were decoded from latents are encoded
again, a round trip that conditioning on the latents themselves would skip (issue 19; Wan2GP
#2132 traced its drift to it). This encodes and decodes world clips at the model's default size
``--trips`` times over and prints, for each trip, the mean colour change (Delta E of the mean
Lab colour, the seam measures' unit) against the clip before the trip and against the first
decoding, the mean per-pixel Delta E, and PSNR. The first trip is the VAE's own loss; the later
ones are what each conditioning round trip adds. With ``--write`` the table goes into
docs/BENCHMARKS.md between its markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.mini.evaluate import write_benchmarks  # noqa: E402
from engine.mini.world import World  # noqa: E402
from engine.models.installed import REPO_MODELS  # noqa: E402
from engine.operations.colour import to_lab  # noqa: E402
from engine.operations.seams import delta_e  # noqa: E402

BEGIN, END = "<!-- vae round trip: begin -->", "<!-- vae round trip: end -->"


def _trip(vae: object, clip: np.ndarray) -> np.ndarray:
    """uint8 frames ``(F, H, W, 3)`` encoded to the latent mode and decoded again."""
    import torch

    video = torch.from_numpy(clip).permute(3, 0, 1, 2)[None].float() / 127.5 - 1.0
    with torch.no_grad():
        latents = vae.encode(video).latent_dist.mode()  # type: ignore[attr-defined]
        decoded = vae.decode(latents, return_dict=False)[0]  # type: ignore[attr-defined]
    pixels = ((decoded[0].clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return np.ascontiguousarray(pixels.permute(1, 2, 3, 0).numpy())


def _pixel_delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(to_lab(a).astype(np.float64) - to_lab(b), axis=-1).mean())


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def measure(model: Path, clips: int, trips: int, seed: int) -> list[dict[str, float]]:
    """Per trip, the measures averaged over ``clips`` world clips at the model's default size."""
    import json

    from diffusers import AutoencoderKLLTXVideo

    trained = json.loads((model / "model_index.json").read_text())["_frameloom_trained"]
    (width, height), frames = trained["sizes"][0], trained["frames"]
    vae = AutoencoderKLLTXVideo.from_pretrained(model / "vae").eval()
    world, rng = World(seed, shadings=tuple(trained["shadings"])), np.random.default_rng(seed)
    rows: list[dict[str, list[float]]] = [{} for _ in range(trips)]
    for _ in range(clips):
        clip, _caption, _scene = world.sample(rng, size=(width, height), frames=frames)
        previous, first = clip, None
        for k in range(trips):
            current = _trip(vae, previous)
            first = current if first is None else first
            for key, value in (("mean_de_step", delta_e(current, previous)),
                               ("mean_de_first", delta_e(current, first)),
                               ("pixel_de_step", _pixel_delta_e(current, previous)),
                               ("psnr_step", _psnr(current, previous))):
                rows[k].setdefault(key, []).append(value)
            previous = current
    return [{key: float(np.mean(values)) for key, values in row.items()} for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=REPO_MODELS / "frameloom-mini")
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--trips", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = measure(args.model, args.clips, args.trips, args.seed)
    lines = ["| trip | mean colour change (Delta E) | from the first decoding | per-pixel Delta E "
             "| PSNR (dB) |", "|---|---|---|---|---|"]
    for k, row in enumerate(rows, 1):
        lines.append(f"| {k}{' (the VAE itself)' if k == 1 else ''} | {row['mean_de_step']:.2f} "
                     f"| {row['mean_de_first']:.2f} | {row['pixel_de_step']:.2f} "
                     f"| {row['psnr_step']:.1f} |")
    text = "\n".join([
        f"Measured {date.today()} with `python bench/vae_roundtrip.py --clips {args.clips} "
        f"--trips {args.trips}` on {platform.machine()}, {os.cpu_count()} cores "
        f"({time.perf_counter() - started:.0f} s); {args.clips} world clips at the model's "
        "default size, each trip on the previous trip's output.", "", *lines])
    print(text)
    if args.write:
        write_benchmarks(text, REPO / "docs" / "BENCHMARKS.md", (BEGIN, END),
                         "A trip through the VAE against the drift at joins (issue 19)")


if __name__ == "__main__":
    main()
