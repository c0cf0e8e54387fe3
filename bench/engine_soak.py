"""Soak the engine: many small jobs through the tiny pipeline, against in-process calls.

Run ``python bench/engine_soak.py`` (``--help`` for options). In a temporary FRAMELOOM_HOME it
builds the tiny random-weight LTX pipeline (``tests/support/tiny.py``), then:

Both sides run torch with the same number of threads (``--threads``, default 1).

1. **In process** (the baseline): loads the pipeline with the same loader the worker uses and
   calls ``generate`` for the request ``--baseline`` times; also times writing each result as a
   verified MP4, the other work every engine job does.
2. **Through the engine**: starts ``frameloom-engine serve`` (own process group), submits
   ``--jobs`` jobs at once over the socket, and follows the event stream until all are done. With
   the queue never empty, the time between two consecutive ``done`` events is what one job costs
   end to end (scheduling, job store writes, worker messages, previews, the MP4 and its check).

It prints jobs per second, the median job through the engine against the median in-process call,
the overhead per job (target: under 5% of the median call or under 30 ms), and the server's
resident memory after the first 20 jobs and after the last (target: growth under 5%).
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
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # support.tiny

from engine import protocol as p
from engine.cli.client import Control

WARMUP = 20


class EngineRun(TypedDict):
    """What :func:`through_engine` measured; times in seconds, memory in MiB."""

    elapsed: float
    submit_s: float
    gaps: list[float]  # between consecutive finished jobs after the warm-up
    failed: int
    rss_warm: float | None  # None if the warm-up never finished
    rss_end: float
    jobs_per_s: float


def rss_mib(pid: int) -> float:
    """Resident memory of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def make_request(args: argparse.Namespace, n: int = 0) -> p.GenerationRequest:
    return p.GenerationRequest(model_id="tiny-ltx", prompt=f"a red circle moves left {n}",
                               width=args.size, height=args.size, frames=args.frames, fps=24,
                               seed=n, steps=args.steps, guidance=1.0)


def in_process(args: argparse.Namespace, model_dir: Path) -> tuple[list[float], list[float]]:
    """Per-call seconds of the pipeline alone, and of writing the verified MP4."""
    import torch

    from engine.backends import load_backend
    from engine.backends.cache import quiet_libraries
    from engine.output.video import write_video

    quiet_libraries()
    torch.set_num_threads(args.threads)
    backend = load_backend("ltx", model_dir, "cpu", "full")
    calls, writes = [], []
    out = Path(tempfile.mkdtemp()) / "take.mp4"
    for n in range(args.baseline + 3):
        start = time.perf_counter()
        frames = backend.generate(make_request(args, n), lambda step, total, preview: None)
        middle = time.perf_counter()
        write_video(frames, 24, out, make_request(args, n).to_dict())
        end = time.perf_counter()
        if n >= 3:  # the first calls warm caches and allocators
            calls.append(middle - start)
            writes.append(end - middle)
    backend.close()
    return calls, writes


def through_engine(args: argparse.Namespace, home: Path) -> EngineRun:
    env = {**os.environ, "FRAMELOOM_HOME": str(home), "OMP_NUM_THREADS": str(args.threads)}
    log = open(home / "engine.log", "wb")  # noqa: SIM115
    server = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve",
                               "--preview-every", str(args.preview_every)],
                              env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        control = None
        deadline = time.monotonic() + 120
        while control is None:
            try:
                control = Control(home / "runtime", timeout=600)
            except Exception:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((home / "engine.log").read_text()) from None
                time.sleep(0.1)
        since = control.hello["last_seq"]
        start = time.perf_counter()
        for n in range(args.jobs):
            control.request(p.Submit(id=control.next_id(), job_id=f"soak-{n}",
                                     request=make_request(args, n)))
        submitted = time.perf_counter()
        done_times: list[float] = []
        failed = 0
        rss_warm: float | None = None
        for event in control.events(since):
            if isinstance(event, (p.Done, p.Failed)):
                done_times.append(time.perf_counter())
                failed += isinstance(event, p.Failed)
                if len(done_times) == WARMUP:
                    rss_warm = rss_mib(server.pid)
                if len(done_times) == args.jobs:
                    break
        end = time.perf_counter()
        rss_end = rss_mib(server.pid)
        control.request(p.Shutdown(id=control.next_id()))
        control.close()
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, 9)
        log.close()
    gaps = [b - a for a, b in zip(done_times[WARMUP:], done_times[WARMUP + 1:], strict=False)]
    return {"elapsed": end - start, "submit_s": submitted - start, "gaps": gaps,
            "failed": failed, "rss_warm": rss_warm, "rss_end": rss_end,
            "jobs_per_s": (len(done_times) - WARMUP) / (done_times[-1] - done_times[WARMUP - 1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--baseline", type=int, default=60, help="in-process calls to time")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--frames", type=int, default=9)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads, the same in process and in the worker (default 1: "
                             "on 2 shared cores more threads spin against the engine and client)")
    parser.add_argument("--preview-every", type=float, default=2.0,
                        help="the engine's least seconds between previews (its default: 2)")
    args = parser.parse_args()
    if args.jobs <= WARMUP + 2:
        parser.error(f"--jobs must be more than {WARMUP + 2}")

    from support.tiny import build_tiny_ltx

    home = Path(tempfile.mkdtemp(prefix="fl-soak-"))
    model_dir = build_tiny_ltx(home / "models" / "tiny-ltx")
    calls, writes = in_process(args, model_dir)
    engine = through_engine(args, home)

    call = statistics.median(calls)
    write = statistics.median(writes)
    job = statistics.median(engine["gaps"])
    overhead = job - call
    rss_warm, rss_end = engine["rss_warm"], engine["rss_end"]
    assert rss_warm is not None  # --jobs exceeds WARMUP, and every job finished
    growth = (rss_end / rss_warm - 1) * 100
    print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, python "
          f"{platform.python_version()}")
    print(f"request: {args.size}x{args.size}, {args.frames} frames, {args.steps} steps, "
          f"{args.threads} torch thread(s); "
          f"{args.jobs} jobs, previews every {args.preview_every:g} s; {engine['failed']} failed")
    print(f"in process: median pipeline call {call * 1000:.1f} ms (p90 "
          f"{statistics.quantiles(calls, n=10)[-1] * 1000:.1f}), + verified MP4 "
          f"{write * 1000:.1f} ms")
    print(f"engine: {engine['jobs_per_s']:.2f} jobs/s after {WARMUP} warm-up jobs; median job "
          f"{job * 1000:.1f} ms (p90 {statistics.quantiles(engine['gaps'], n=10)[-1] * 1000:.1f})"
          f"; submitting all took {engine['submit_s'] * 1000:.0f} ms")
    print(f"overhead per job: {overhead * 1000:.1f} ms = {overhead / call * 100:.1f}% of the "
          f"median call (of which the verified MP4 is {write * 1000:.1f} ms); target < 5% or "
          f"< 30 ms: {'met' if overhead < 0.030 or overhead / call < 0.05 else 'NOT met'}")
    print(f"server memory: {rss_warm:.1f} MiB after {WARMUP} jobs, {rss_end:.1f} MiB after "
          f"{args.jobs} ({growth:+.1f}%); target growth < 5%: "
          f"{'met' if growth < 5 else 'NOT met'}")
    return 0 if not engine["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
