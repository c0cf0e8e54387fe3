"""frameloom-mini on the CPU: one clip at the model's default size and steps, end to end.

Run ``python bench/mini_cpu.py`` (``--help`` for options). Each round runs, in fresh processes
one after the other so they never share the cores:

1. **frameloom-engine generate** (what a user runs): ``frameloom-engine generate --prompt ...``
   with the defaults (frameloom-mini at its own default size, length and rate, read from its
   folder; 20 steps, guidance 3.0), from process start to the verified MP4 on disk: imports,
   model load, generation, encoding.
2. **plain diffusers** (the baseline): a script that imports diffusers, loads the same folder with
   ``LTXConditionPipeline.from_pretrained`` and calls the pipeline with the same arguments,
   keeping the frames in memory.

It prints the median wall time of each, their ratio, and each one's peak resident memory (the
child's ``ru_maxrss``). Issue 17's targets: under 30 s wall and under 3 GB peak for the first.
With ``--write`` the table goes into docs/BENCHMARKS.md between its markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.mini.evaluate import write_benchmarks  # noqa: E402

MODEL = REPO / "resources" / "models" / "frameloom-mini"
PROMPT = "a red circle moves left on a blue background"
BEGIN, END = "<!-- frameloom-mini cpu: begin -->", "<!-- frameloom-mini cpu: end -->"

BASELINE = """
import sys, torch
from diffusers import LTXConditionPipeline
width, height, frames, fps = (int(v) for v in sys.argv[3:7])
pipe = LTXConditionPipeline.from_pretrained(sys.argv[1], torch_dtype=torch.float32)
pipe.set_progress_bar_config(disable=True)
video = pipe(prompt=sys.argv[2], width=width, height=height, num_frames=frames, frame_rate=fps,
             num_inference_steps=20, guidance_scale=3.0, output_type="np",
             generator=torch.Generator().manual_seed(0)).frames[0]
assert video.shape == (frames, height, width, 3), video.shape
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GiB) of one child process run to its end."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{command[:3]} failed ({child.returncode}): {stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024**2  # ru_maxrss is in KiB on Linux


def main(args: argparse.Namespace) -> None:
    """Run the rounds, print the table and write it with ``--write``."""
    from engine.models.installed import read_model

    info = read_model(Path(args.model))
    if info is None:
        raise SystemExit(f"{args.model} is not a model folder.")
    d = info.defaults
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    engine = [sys.executable, "-m", "engine.cli", "generate", "--prompt", PROMPT]
    if Path(args.model).resolve() != MODEL.resolve():  # another folder: name its size outright
        engine += ["--model", info.id, "--width", str(d.width), "--height", str(d.height),
                   "--frames", str(d.frames), "--fps", str(d.fps)]
    baseline = [sys.executable, "-c", BASELINE, str(args.model), PROMPT,
                *(str(v) for v in (d.width, d.height, d.frames, d.fps))]
    ours, plain = [], []
    with tempfile.TemporaryDirectory(prefix="frameloom-bench-") as scratch:
        env["FRAMELOOM_HOME"] = scratch  # the built-in model is found in resources/ regardless
        for round_ in range(args.rounds):
            ours.append(timed([*engine, "-o", str(Path(scratch) / f"take-{round_}.mp4")], env))
            plain.append(timed(baseline, env))
            print(f"round {round_ + 1}: generate {ours[-1][0]:.1f} s, {ours[-1][1]:.2f} GiB; "
                  f"diffusers {plain[-1][0]:.1f} s, {plain[-1][1]:.2f} GiB", flush=True)
    ours_s, plain_s = (statistics.median(w for w, _ in runs) for runs in (ours, plain))
    ours_m, plain_m = (max(m for _, m in runs) for runs in (ours, plain))
    lines = [f"{platform.machine()} CPU, {os.cpu_count()} cores, no GPU; {args.rounds} rounds, "
             "median wall time, peak resident memory of the process. Command: "
             "`python bench/mini_cpu.py --write`.", "",
             "| what | wall time | peak memory | target (issue 17) |", "|---|---|---|---|",
             f"| `frameloom-engine generate` ({info.id}'s default {d.width}x{d.height}, "
             f"{d.frames} frames at {d.fps} fps, 20 steps, CFG 3; process start to verified "
             f"MP4) | {ours_s:.1f} s | {ours_m:.2f} GiB | under 30 s, under 3 GB |",
             f"| plain diffusers `LTXConditionPipeline`, same call, frames kept in memory "
             f"(baseline) | {plain_s:.1f} s | {plain_m:.2f} GiB | |",
             f"| ratio, generate / baseline | {ours_s / plain_s:.2f}x | "
             f"{ours_m / plain_m:.2f}x | |"]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_benchmarks(text, REPO / "docs" / "BENCHMARKS.md", markers=(BEGIN, END),
                         heading="frameloom-mini on a CPU: one default-size clip (issue 17)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    main(parser.parse_args())
