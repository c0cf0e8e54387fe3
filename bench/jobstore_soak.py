"""Soak the job store: 2,000 jobs with the engine's events, and the database's size as they end.

Run ``python bench/jobstore_soak.py`` (``--help`` for options). In a temporary folder it pushes
``--jobs`` jobs through :class:`engine.jobs.store.JobStore` the way the engine's scheduler does
(submit, start, one ``progress`` event per denoising step, ``done`` with the take's settings),
twice in the same process:

1. **pruned**: the store as it ships, which prunes the event log as jobs end;
2. **baseline**: the same store with pruning switched off (the behaviour before issue 18).

It prints the database's size on disk (the SQLite file with its WAL) after the first 100 jobs
and after the last, for both runs, and the time per job. With ``--write`` the table goes into
docs/BENCHMARKS.md between its markers.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.jobs import store as store_module  # noqa: E402 - after the path insert
from engine.jobs.store import JobStore  # noqa: E402
from engine.mini.evaluate import write_benchmarks  # noqa: E402

BEGIN, END = "<!-- jobstore soak: begin -->", "<!-- jobstore soak: end -->"
# What a take records (engine.output.record): about 1.5 KB of JSON per done event.
SETTINGS = {"model": "frameloom-mini", "revision": "0" * 40, "seed": 1, "steps": 20,
            "guidance": 3.0, "prompt": "a red circle moves left on a blue background " * 4,
            "pins": [{"path": "/home/user/clips/shot-0001.mp4", "frame": 0,
                      "fingerprint": "f" * 64}] * 4, "profile": "full", "versions": {
                "frameloom": "0.1.0", "torch": "2.13.0", "diffusers": "0.42.1"}}


def size_on_disk(path: Path) -> int:
    """Bytes of the SQLite file and its WAL."""
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal"))
               if p.exists())


def soak(folder: Path, jobs: int, steps: int, prune: bool) -> dict[str, float]:
    """Run ``jobs`` jobs through a new store in ``folder``; sizes in MiB and seconds per job."""
    output = folder / "take.mp4"
    output.write_bytes(b"\0" * 1024)
    every = store_module.PRUNE_EVERY
    store_module.PRUNE_EVERY = every if prune else 1 << 60
    try:
        with JobStore(folder / "jobs.sqlite3") as store:
            started = time.perf_counter()
            early = 0.0
            for i in range(jobs):
                job_id = f"job-{i:05d}"
                store.submit(job_id, {"prompt": SETTINGS["prompt"], "seed": i})
                store.mark_running(job_id)
                for step in range(1, steps + 1):
                    store.progress(job_id, step, steps, eta_s=1.0)
                store.finish(job_id, [output], SETTINGS, {"denoise": 1.0})
                if i + 1 == 100:
                    early = size_on_disk(store.path) / 2**20
            seconds = (time.perf_counter() - started) / jobs
            events = len(store.events_since(0, limit=10**9))
            return {"after_100": early, "after_all": size_on_disk(store.path) / 2**20,
                    "per_job_ms": seconds * 1000, "events": events}
    finally:
        store_module.PRUNE_EVERY = every


def main(args: argparse.Namespace) -> str:
    """Run both soaks and return the markdown table."""
    results = {}
    for name, prune in (("pruned (as shipped)", True), ("baseline (no pruning)", False)):
        with tempfile.TemporaryDirectory(prefix="frameloom-soak-") as scratch:
            results[name] = soak(Path(scratch), args.jobs, args.steps, prune)
            print(name, results[name], flush=True)
    lines = [f"`python bench/jobstore_soak.py --jobs {args.jobs} --steps {args.steps}` on "
             f"{platform.machine()} Python {platform.python_version()}; {args.steps} progress "
             f"events and a 1.5 KB settings record per job, as the scheduler writes them.", "",
             "| run | database after 100 jobs | after all | events kept | ms per job |",
             "|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['after_100']:.2f} MiB | {r['after_all']:.2f} MiB | "
                     f"{r['events']:.0f} | {r['per_job_ms']:.2f} |")
    pruned, base = results["pruned (as shipped)"], results["baseline (no pruning)"]
    lines += ["", f"Size after all jobs, pruned over baseline: "
                  f"{pruned['after_all'] / base['after_all']:.2f}; time per job: "
                  f"{pruned['per_job_ms'] / base['per_job_ms']:.2f}."]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_benchmarks(text, REPO / "docs" / "BENCHMARKS.md", markers=(BEGIN, END),
                         heading="Job store soak (issue 18)")
    return text


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="put the table in docs/BENCHMARKS.md")
    main(parser.parse_args())
