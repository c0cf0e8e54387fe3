"""Seam jumps and colour drift of every operation on frameloom-mini at its default size.

Run ``python bench/seams.py`` (``--help`` for options). From fixed inputs (two source clips that
frameloom-mini makes first from fixed prompts and seeds) it runs extend forward, extend
backward, bridge, loop, retake and a long shot with two timed prompts (20 s by default;
``--duration`` shortens it), each through the engine's own planner and runner, and prints every
join's seam jump (the change across it as a multiple of the take's median frame-to-frame change)
and colour drift (Delta E of the mean Lab colours across the join, and against the first part,
and of the dominant (median) colours against the first part), and which ends of the take were
colour-graded again towards the clips they meet (``engine.operations.rematch``). Issue 19's
targets: every seam at most 2x, drift over the long shot at most 3 Delta E. With ``--write`` the
table goes into docs/BENCHMARKS.md between its markers.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.backends.cache import PipelineCache  # noqa: E402
from engine.mini.evaluate import write_benchmarks  # noqa: E402
from engine.models.installed import find_model  # noqa: E402
from engine.operations.planner import Cue, Operation, make_plan  # noqa: E402
from engine.operations.runner import (  # noqa: E402
    DRIFT_RETRIES,
    clips_in,
    run_plan,
    write_outputs,
)
from engine.output.video import write_video  # noqa: E402
from engine.protocol.requests import FrameRange, GenerationRequest  # noqa: E402

MODEL = "frameloom-mini"
PROMPT_A = "a red circle moves left on a blue background"
PROMPT_B = "a yellow square moves right on a green background"
CUES = ("a red circle moves up on a blue background",
        "a red circle moves right on a blue background")
BEGIN, END = "<!-- seams: begin -->", "<!-- seams: end -->"
SEAM_TARGET, DRIFT_TARGET = 2.0, 3.0


def _cases(a: str, b: str, frames: int, long_frames: int, window: int | None = None,
           context: int | None = None) -> list[tuple[str, str, Operation]]:
    """The operations measured, on source clips ``a`` and ``b``, each with its prompt: the
    prompt of the clip it continues (clip B's for extending B backward), clip A's otherwise;
    ``context`` frames pinned from a clip or the window before (None: the model's least)."""
    clip_a, clip_b = clips_in([a, b])
    third = long_frames // 3
    return [(name, prompt, dataclasses.replace(op, context=context)) for name, prompt, op in [
        ("extend forward", PROMPT_A, Operation("extend_forward", frames, (clip_a,))),
        ("extend backward", PROMPT_B, Operation("extend_backward", frames, (clip_b,))),
        ("bridge", PROMPT_A, Operation("bridge", frames, (clip_a, clip_b))),
        ("loop", PROMPT_A, Operation("loop", frames, (clip_a,))),
        ("retake", PROMPT_A, Operation("retake", frames // 2, (clip_a,),
                                       span=FrameRange(clip_a.frames // 4, frames // 2))),
        (f"long shot {long_frames} frames, 2 timed prompts", PROMPT_A,
         Operation("shot", long_frames, window=window,
                   cues=(Cue(third, CUES[0]), Cue(2 * third, CUES[1])))),
    ]]


def main(argv: list[str] | None = None) -> int:
    """Run every case and print its joins; returns 0 (1 when a target is missed)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=20.0,
                        help="the long shot's length in seconds (default 20)")
    parser.add_argument("--frames", type=int, default=24,
                        help="each operation's take length in frames (default 24)")
    parser.add_argument("--steps", type=int, default=20, help="denoising steps (default 20)")
    parser.add_argument("--window", type=int, default=None,
                        help="the long shot's longest window (default: the model's own)")
    parser.add_argument("--context", type=int, default=None,
                        help="frames pinned from a clip or the window before (default: the "
                             "model's frame step plus one: 5 on frameloom-mini)")
    parser.add_argument("--seed", type=int, default=0,
                        help="the operations' seed (default 0; the source clips keep theirs)")
    parser.add_argument("--retries", type=int, default=DRIFT_RETRIES,
                        help="the most times a long shot's drifting window is made again "
                             f"(default {DRIFT_RETRIES}, as the engine does; 0: never)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only the cases whose name starts with NAME; repeatable")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="also write each case's take to DIR, to look at")
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    info = find_model(MODEL)
    d = info.defaults
    base = GenerationRequest(MODEL, PROMPT_A, d.width, d.height, d.frames, d.fps, seed=args.seed,
                             steps=args.steps, guidance=3.0)
    cache = PipelineCache()
    rows: list[str] = []
    travels: list[str] = []
    missed = False
    with tempfile.TemporaryDirectory(prefix="seams-") as folder:
        scratch = Path(folder)
        sources = []
        for name, prompt, seed in (("a", PROMPT_A, 1), ("b", PROMPT_B, 2)):
            request = dataclasses.replace(base, prompt=prompt, seed=seed, frames=33)
            plan = make_plan(request, info.constraints, Operation("shot", 33), scratch)
            frames = run_plan(plan, lambda *_: None, cache)
            sources.append(str(write_video(frames, d.fps, scratch / f"{name}.mp4")))
        long_frames = round(args.duration * d.fps)
        for name, prompt, operation in _cases(sources[0], sources[1], args.frames, long_frames,
                                          args.window, args.context):
            if args.only and not any(name.startswith(o) for o in args.only):
                continue
            started = time.perf_counter()
            plan = make_plan(dataclasses.replace(base, prompt=prompt), info.constraints,
                             operation, scratch / name.split()[0])
            mended: dict[str, float] = {}
            take = run_plan(plan, lambda *_: None, cache, mended=mended,
                            retries=args.retries)
            kept = args.keep / f"{'-'.join(name.split()[:2])}.mp4" if args.keep else None
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
            _, seams = write_outputs(plan, take, kept or scratch / "take.mp4", mended=mended)
            seconds = time.perf_counter() - started
            rows.extend(_rows(name, len(plan.windows), seconds, seams))
            if seams.get("travel"):
                travels.append(_travel(name, seams["travel"]))
            missed |= seams["max_jump"] > SEAM_TARGET or (
                name.startswith("long") and seams["max_delta_e_first"] > DRIFT_TARGET)
            print("\n".join(rows[-len(seams["joins"]) or -1:]), flush=True)
    only = "".join(f" --only {name!r}" for name in args.only)
    only += f" --window {args.window}" if args.window else ""
    only += f" --context {args.context}" if args.context else ""
    only += f" --seed {args.seed}" if args.seed else ""
    only += f" --retries {args.retries}" if args.retries != DRIFT_RETRIES else ""
    command = (f"python bench/seams.py --duration {args.duration:g} --frames {args.frames} "
               f"--steps {args.steps}{only} --write")
    table = "\n".join([f"`{command}` on {platform.machine()}, {os.cpu_count()} cores, "
                       f"{date.today().isoformat()}: frameloom-mini {d.width}x{d.height}, "
                       f"{args.steps} steps, CPU; targets: jump <= {SEAM_TARGET}x, long-shot "
                       f"drift <= {DRIFT_TARGET} Delta E", "",
                       "| case | windows | s | join | jump | worst within 12 frames | Delta E "
                       "| Delta E from first | dominant colour from first | take's end graded "
                       "| pin error faded (grey levels), colour held, made again |",
                       "|---|---|---|---|---|---|---|---|---|---|---|", *rows,
                       *(["", *travels] if travels else [])])
    print()
    print(table)
    if args.write:
        write_benchmarks(table, REPO / "docs" / "BENCHMARKS.md", (BEGIN, END),
                         "Seams and drift (issue 19)")
    return 1 if missed else 0


def _rows(name: str, windows: int, seconds: float, seams: dict[str, Any]) -> list[str]:
    if not seams["joins"]:
        return [f"| {name} | {windows} | {seconds:.0f} | none | | | | | | | |"]
    graded = ", ".join(seams.get("matched", [])) or "no"
    faded = ", ".join(f"{side} {size:.1f}" if side in ("start", "end") else
                      f"{side} {size:.0f}x" if side.endswith("made again") else
                      f"{side} held {size:.1f} Delta E"
                      for side, size in seams.get("mended", {}).items())
    return [f"| {name} | {windows} | {seconds:.0f} | {' -> '.join(j['between'])} "
            f"(frame {j['at']}) | {j['jump']:.2f} | {j['worst_near']:.2f} | "
            f"{j['delta_e']:.2f} | {j['delta_e_first']:.2f} | {j['dominant_delta_e_first']:.2f} "
            f"| {graded} | {faded or 'none'} |"
            for j in seams["joins"]]


def _travel(name: str, moved: dict[str, Any]) -> str:
    return (f"{name.capitalize()} travel, from A's last frame to B's first ({moved['delta_e']:.1f} "
            f"Delta E apart): the largest one-frame step makes {moved['largest_step']:.0%} of the "
            f"change, and 10% to 90% of it takes {moved['frames_10_90']} frames (a hard cut: "
            f"100% in 1 frame; engine.operations.seams.travel).")


if __name__ == "__main__":
    sys.exit(main())
