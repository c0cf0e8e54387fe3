"""Real-size random-weight LTX-Video 2B and Wan 2.1 1.3B: step time, peak memory and profile.

Run ``python bench/gpu_generate.py`` on a CUDA machine (``--help`` for options; about 5 minutes
on an H100 or H200 with the defaults). No weights are downloaded: for each family the pipeline
is built in memory from the published configurations (LTX-Video's 2B transformer, which is
diffusers' default ``LTXVideoTransformer3DModel``, with its VAE and a T5-XXL-sized encoder;
Wan 2.1's 1.3B transformer with its VAE and a UMT5-XXL-sized encoder), with random weights drawn
on the GPU in bf16. Each memory profile asked for (default: ``full``) is placed with the
engine's own ``engine.backends.common.place`` and run through the engine's backend class (the
code a job runs once its model is loaded: conditions, previews at most twice a second as the
worker asks for them, the frame checks), for one full generate (LTX: 768x512, 121 frames; Wan:
832x480, 81 frames). The baseline is the same call straight into the diffusers pipeline, in the
same run. It prints one table (seconds per denoising step, whole call, peak GPU memory, the
profile and the backend/baseline ratios) and, with ``--json``, writes the rows. ``--draft``
also times the same request as a draft job runs it (``engine.protocol.drafts.draft_of``: half
size, half the steps, TaylorSeer step caching) against the exact call.

What this does not show: loading from disk (the weights are built, not read), and picture
quality (random weights make none). ``--scale tiny`` runs the test-sized pipelines of
``tests/support/tiny.py`` on the CPU instead, to check the script itself; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # support.tiny

from engine.protocol.requests import GenerationRequest

#: family -> (width, height, frames, fps) of the generate the issue asks for
SHAPES = {"ltx": (768, 512, 121, 24), "wan": (832, 480, 81, 16)}
TINY_SHAPES = {"ltx": (32, 32, 9, 24), "wan": (32, 32, 9, 16)}
PROMPT = "a red circle moves right on a blue background, the camera pans slowly"
# T5 v1.1 XXL (LTX-Video's text encoder); UMT5-XXL has the same shape and a bigger vocabulary.
_XXL = dict(d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
            feed_forward_proj="gated-gelu", relative_attention_num_buckets=32,
            pad_token_id=0, eos_token_id=1)
#: Wan 2.1 T2V 1.3B: diffusers' defaults are the 14B model's
WAN_1_3B = dict(num_attention_heads=12, attention_head_dim=128, ffn_dim=8960, num_layers=30,
                in_channels=16, out_channels=16, text_dim=4096, freq_dim=256,
                patch_size=(1, 2, 2), cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                eps=1e-6, rope_max_seq_len=1024)


def real_pipeline(family: str, device: str) -> Any:
    """A real-size pipeline with random bf16 weights, built on ``device``."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXVideoTransformer3DModel,
        WanPipeline,
        WanTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    from support.tiny import word_tokenizer

    tokenizer = word_tokenizer(max_tokens=512)  # a closed word list: no download
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    torch.manual_seed(0)
    try:
        with torch.device(device):  # weights are drawn where they will live
            if family == "ltx":
                return LTXConditionPipeline(
                    scheduler=FlowMatchEulerDiscreteScheduler(), vae=AutoencoderKLLTXVideo(),
                    text_encoder=T5EncoderModel(T5Config(vocab_size=32128, **_XXL)),
                    tokenizer=tokenizer, transformer=LTXVideoTransformer3DModel())
            return WanPipeline(
                scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0), vae=AutoencoderKLWan(),
                text_encoder=UMT5EncoderModel(UMT5Config(vocab_size=256384, **_XXL)),
                tokenizer=tokenizer, transformer=WanTransformer3DModel(**WAN_1_3B))
    finally:
        torch.set_default_dtype(previous)


def tiny_pipeline(family: str) -> Any:
    """The engine's test-sized pipeline of ``family`` (float32, CPU)."""
    from support.tiny import tiny_ltx_pipeline, tiny_wan_pipeline

    return tiny_ltx_pipeline() if family == "ltx" else tiny_wan_pipeline(kind="t2v")


def parameters(pipe: Any) -> dict[str, float]:
    """Billions of parameters of each model of the pipeline."""
    return {name: sum(p.numel() for p in getattr(pipe, name).parameters()) / 1e9
            for name in ("transformer", "text_encoder", "vae")}


class Clock:
    """Times the denoising steps of one call; asks for a preview at most twice a second."""

    def __init__(self, sync: Callable[[], None]) -> None:
        self.sync = sync
        self.started = time.perf_counter()
        self.steps: list[float] = []  # time of each step's end
        self._last_preview = 0.0
        self.previews = 0

    def on_step(self, step: int, total: int, preview: Callable[[], object] | None) -> None:
        self.sync()
        now = time.perf_counter()
        self.steps.append(now)
        if preview is not None and now - self._last_preview >= 0.5:  # as the worker does
            preview()
            self.previews += 1
            self._last_preview = now

    def row(self, total_s: float) -> dict[str, float]:
        gaps = [b - a for a, b in zip(self.steps, self.steps[1:])]
        return {"total_s": total_s, "to_first_step_s": self.steps[0] - self.started,
                "median_step_s": statistics.median(gaps) if gaps else float("nan"),
                "after_last_step_s": self.started + total_s - self.steps[-1],
                "steps": len(self.steps), "previews": self.previews}


def run_backend(family: str, pipe: Any, profile: str, request: GenerationRequest,
                device: str, *, draft: bool = False) -> dict[str, Any]:
    """One generate through the engine's backend class (as a draft job runs it with ``draft``);
    the frames are checked for shape."""
    from engine.backends.ltx import LTXBackend
    from engine.backends.wan import WanBackend
    from engine.protocol.drafts import draft_of

    backend = LTXBackend(pipe, profile) if family == "ltx" else WanBackend(pipe, "t2v", profile)
    if draft:
        request = draft_of(dataclasses.replace(request, draft=True), backend.constraints)[0]
    clock, reset, peak = _gauges(device)
    reset()
    started = time.perf_counter()
    frames = backend.generate(request, clock.on_step)
    row = clock.row(time.perf_counter() - started)
    assert frames.shape == (request.frames, request.height, request.width, 3), frames.shape
    return {**row, "peak_gib": peak()}


def run_plain(family: str, pipe: Any, request: GenerationRequest, device: str
              ) -> dict[str, Any]:
    """The baseline: the same generate as one plain diffusers call, with no previews."""
    import torch

    clock, reset, peak = _gauges(device)

    def step_end(_pipe: Any, i: int, _t: Any, _tensors: dict[str, Any]) -> dict[str, Any]:
        clock.on_step(i + 1, request.steps, None)
        return {}

    options: dict[str, Any] = dict(
        prompt=request.prompt, width=request.width, height=request.height,
        num_frames=request.frames, num_inference_steps=request.steps,
        guidance_scale=request.guidance, output_type="np", callback_on_step_end=step_end,
        generator=torch.Generator(device=pipe._execution_device).manual_seed(request.seed))
    if family == "ltx":
        options["frame_rate"] = request.fps
    reset()
    started = time.perf_counter()
    frames = pipe(**options).frames[0]
    row = clock.row(time.perf_counter() - started)
    assert len(frames) == request.frames
    return {**row, "peak_gib": peak()}


def _gauges(device: str) -> tuple[Clock, Callable[[], None], Callable[[], float]]:
    import torch

    if device.startswith("cuda"):
        return (Clock(torch.cuda.synchronize), torch.cuda.reset_peak_memory_stats,
                lambda: torch.cuda.max_memory_allocated() / 2**30)
    return Clock(lambda: None), lambda: None, lambda: float("nan")


def measure(family: str, profiles: list[str], scale: str, device: str, steps: int,
            draft: bool = False) -> list[dict[str, Any]]:
    """Build ``family`` once per placement and time a backend call and a plain call each."""
    import torch

    from engine.backends.common import place, release_memory

    width, height, frames, fps = (SHAPES if scale == "real" else TINY_SHAPES)[family]
    request = GenerationRequest("bench", PROMPT, width, height, frames, fps, seed=0,
                                steps=steps, guidance=3.0)
    rows = []
    for profile in profiles:
        started = time.perf_counter()
        # Offload profiles start from host memory, as a loaded model does.
        where = device if profile in ("full", "tiled") else "cpu"
        pipe = real_pipeline(family, where) if scale == "real" else tiny_pipeline(family)
        place(pipe, device, profile)
        built = time.perf_counter() - started
        sizes = parameters(pipe)
        if scale == "real":  # warm-up: kernels chosen and memory pools grown before timing
            run_backend(family, pipe, profile, dataclasses.replace(request, steps=2), device)
        backend = run_backend(family, pipe, profile, request, device)
        plain = run_plain(family, pipe, request, device)
        rows.append({"family": family, "profile": profile, "scale": scale,
                     "size": f"{width}x{height}x{frames}", "steps": steps,
                     "build_s": built, "params_b": sizes, "backend": backend, "plain": plain})
        if draft:
            rows[-1]["draft"] = run_backend(family, pipe, profile, request, device, draft=True)
        del pipe
        release_memory()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
    return rows


def machine(device: str) -> str:
    import diffusers
    import torch

    gpu = torch.cuda.get_device_name() if device.startswith("cuda") else "no GPU"
    return (f"{platform.node()} {platform.machine()}, {gpu}; Python {platform.python_version()}, "
            f"torch {torch.__version__}, diffusers {diffusers.__version__}")


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"{'family':6} {'profile':10} {'size':13} {'median step s':>14} {'plain':>8} "
          f"{'ratio':>6} {'call s':>8} {'plain':>8} {'ratio':>6} {'peak GiB':>9} {'plain':>7}")
    for r in rows:
        b, p = r["backend"], r["plain"]
        print(f"{r['family']:6} {r['profile']:10} {r['size']:13} {b['median_step_s']:14.3f} "
              f"{p['median_step_s']:8.3f} {b['median_step_s'] / p['median_step_s']:6.2f} "
              f"{b['total_s']:8.1f} {p['total_s']:8.1f} {b['total_s'] / p['total_s']:6.2f} "
              f"{b['peak_gib']:9.1f} {p['peak_gib']:7.1f}")
    for r in rows:
        b = r["backend"]
        sizes = ", ".join(f"{name} {n:.2f}B" for name, n in r["params_b"].items())
        print(f"{r['family']} {r['profile']}: built in {r['build_s']:.0f} s ({sizes}); "
              f"{b['steps']} steps, {b['to_first_step_s']:.1f} s to the first (text encoding "
              f"included), {b['after_last_step_s']:.1f} s after the last (VAE decode), "
              f"{b['previews']} previews")
        if "draft" in r:
            d = r["draft"]
            print(f"{r['family']} {r['profile']} draft: {d['total_s']:.1f} s for the call "
                  f"({b['total_s'] / d['total_s']:.1f}x faster than exact), {d['steps']} "
                  f"steps, peak {d['peak_gib']:.1f} GiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", nargs="+", choices=sorted(SHAPES), default=sorted(SHAPES))
    parser.add_argument("--profile", nargs="+", default=["full"],
                        choices=["full", "tiled", "offload", "sequential"])
    parser.add_argument("--steps", type=int, default=10,
                        help="denoising steps per call (default 10; a step's time is the figure)")
    parser.add_argument("--scale", choices=["real", "tiny"], default="real")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--draft", action="store_true",
                        help="also time each request as a draft job runs it")
    args = parser.parse_args(argv)
    import torch

    device = "cuda" if args.scale == "real" else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        print("gpu_generate: no CUDA device here; --scale tiny checks the script on a CPU.",
              file=sys.stderr)
        return 2
    rows = [row for family in args.family
            for row in measure(family, args.profile, args.scale, device, args.steps,
                               args.draft)]
    print(f"machine: {machine(device)}")
    print_table(rows)
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": machine(device), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
