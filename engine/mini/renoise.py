"""At which noise levels frameloom-mini loses what a clip shows: world clips denoised from a level.

``python -m engine.mini.renoise [--model DIR] [--levels 0 0.4 0.8 1]`` takes the held-out scenes
that ``engine.mini.evaluate`` draws (those whose shape its reader tells apart), encodes the
world's own clip of each, mixes its latents with noise to a level ``s`` as training does
(``(1 - s) x + s n``), denoises them with the model's transformer and its caption (guidance as
in the evaluation, even Euler steps from ``s`` to 0), decodes, and reads colour and shape with
the evaluation's reader. Level 0 is the clip through the VAE alone (the evaluation's ceiling),
level 1 a drawing from pure noise. A model that keeps shapes from low levels but not from high
ones refines outlines it is given and fails to make them: its gap is in the high-noise levels.

``--frames 1`` asks for stills: one frame, one latent frame, what the model makes first in a
clip and what a preset's ``image_share`` trains on; ``--levels 1 --frames 1`` reads the outlines
it draws from its captions alone as still pictures.

This is a diagnostic for training decisions, not the evaluation: its sampler is a plain Euler
loop, not LTXConditionPipeline's schedule, so level 1 reads lower than the evaluation.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from engine.mini import evaluate as ev
from engine.mini.captions import caption


def denoise_from(parts: Any, clip: np.ndarray, text: str, level: float, seed: int, steps: int,
                 guidance: float, fps: int) -> np.ndarray:
    """``clip`` (F, H, W, 3) uint8 noised to ``level`` in latent space and denoised back."""
    import torch
    from diffusers import LTXConditionPipeline

    from engine.mini.losses import _coords, _pack, encode_latents, encode_prompts

    vae, transformer = parts.vae, parts.transformer
    with torch.no_grad():
        clean = encode_latents(vae, ev.to_video(clip))  # (1, C, f, h, w), normalized
        _, _, f, h, w = clean.shape
        noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(seed))
        x = (1 - level) * clean + level * noise
        embeds, mask = encode_prompts(parts.tokenizer, parts.text_encoder, [text, ""])
        coords = _coords(2, f, h, w, 0, vae)
        coords[:, 0] = coords[:, 0] / fps
        sigmas = np.linspace(level, 0.0, steps + 1) if level > 0 else np.zeros(1)
        for now, after in itertools.pairwise(sigmas):
            tokens = _pack(x).repeat(2, 1, 1)  # (2, f*h*w, C): with and without the caption
            timestep = torch.full(tokens.shape[:2], float(now) * 1000.0)
            velocity = transformer(hidden_states=tokens, encoder_hidden_states=embeds,
                                   timestep=timestep, encoder_attention_mask=mask,
                                   video_coords=coords, return_dict=False)[0]
            velocity = velocity[1] + guidance * (velocity[0] - velocity[1])  # (f*h*w, C)
            x = x + float(after - now) * LTXConditionPipeline._unpack_latents(
                velocity[None], f, h, w, 1, 1)
        latents = LTXConditionPipeline._denormalize_latents(
            x, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)
        return ev.to_clip(vae.decode(latents).sample)


def measure(model: Path, levels: list[float], samples: int, steps: int, guidance: float,
            seed: int, frames: int | None = None) -> dict[float, dict[str, float]]:
    """Share of clips whose colour and shape read right after denoising from each level;
    ``frames`` long (the trained length when None; 1 for stills)."""
    setting, shadings = ev.trained_setting(model, steps, guidance)
    if frames is not None:
        setting = dataclasses.replace(setting, frames=frames)
    scenes = [scene for scene in ev.held_out_scenes(samples, seed, shadings)
              if scene.objects[0].shape in ev.SHAPES_READ]
    if not scenes:
        raise SystemExit("error: none of the held-out scenes has a shape the reader tells apart; "
                         "give more --samples.")
    with tempfile.TemporaryDirectory(prefix="frameloom-renoise-") as scratch:
        pipe = ev.Generator(model, setting, Path(scratch)).backend._pipe
    results = {}
    for level in levels:
        right = {"colour": 0, "shape": 0}
        for index, scene in enumerate(scenes):
            clip = ev.render(scene, setting, seed + index)
            text = caption(scene, np.random.default_rng(index))
            seen = ev.read_clip(denoise_from(pipe, clip, text, level, seed + index, steps,
                                             guidance, setting.fps))
            right["colour"] += seen["colour"] == scene.objects[0].colour
            right["shape"] += seen["shape"] == scene.objects[0].shape
        results[level] = {key: value / len(scenes) for key, value in right.items()}
        print(f"level {level:.2f}: colour {results[level]['colour']:.0%}, shape "
              f"{results[level]['shape']:.0%} of {len(scenes)} clips", flush=True)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of ``python -m engine.mini.renoise``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ev.DEFAULT_MODEL), help="a frameloom-mini folder")
    parser.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                        help="noise levels to start from, each in [0, 1]")
    parser.add_argument("--samples", type=int, default=24,
                        help="held-out captions drawn (those with a readable shape are used)")
    parser.add_argument("--steps", type=int, default=10, help="Euler steps from each level")
    parser.add_argument("--guidance", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--frames", type=int, default=None,
                        help="clip length in frames (default: the trained length; 1 for stills)")
    args = parser.parse_args(argv)
    if any(not 0.0 <= level <= 1.0 for level in args.levels):
        parser.error("each --levels value must be between 0 and 1.")
    if args.samples < 1 or args.steps < 1:
        parser.error("--samples and --steps must be at least 1.")
    if args.frames is not None and (args.frames < 1 or (args.frames - 1) % 4):
        parser.error("--frames must be 1 more than a multiple of 4 (1, 5, 9, ...).")
    return args


if __name__ == "__main__":
    a = parse_args()
    measure(Path(a.model), a.levels, a.samples, a.steps, a.guidance, a.seed, a.frames)
