"""Tiny jobs on a Ray cluster of one node against two, and the per-job overhead through Ray.

Run ``python bench/cluster.py`` (``--help`` for options). In a temporary folder it builds the
tiny random-weight LTX pipeline (``tests/support/tiny.py``), then runs ``--jobs`` jobs three
times, each through a real ``frameloom-engine serve`` (its own process; one torch thread in the
worker or in each actor):

1. **local**: the engine's own worker process, as without a cluster;
2. **one node**: ``serve --cluster`` on a ``ray.cluster_utils.Cluster`` whose head has no GPU
   and one node with one logical GPU (one actor);
3. **two nodes**: the same with a second such node (two actors, two jobs at once).

Each run first waits for its slots and warms every one with a job (loading the pipeline), then
submits all jobs at once and times them from the first submit to the last ``done``. The
overhead of a job is its time from ``started`` to ``done`` in the engine's event log less the
time the worker itself spent on it (``timings.total_s``: load, denoise, encode): sending the
job and its inputs, streaming progress, returning, writing and decoding the take. It prints
jobs per second, the two-node/one-node throughput ratio and the median overhead per job; with
``--write`` the table goes into docs/BENCHMARKS.md between its markers.

On a shared machine the ratio says how much more CPU two actors got than one, so each run
also counts, from ``/proc`` (Linux), the CPU time of this script's processes (the engine, its
worker or cluster driver, the Ray nodes and actors) and of everything else on the machine
while the jobs ran, as cores: ``ours`` and ``others``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from engine.jobs.store import JobStore  # noqa: E402 - after the path insert
from engine.mini.evaluate import write_benchmarks  # noqa: E402
from support.engine_process import TINY, ClusterEngine, tiny_request  # noqa: E402

BEGIN, END = "<!-- cluster bench: begin -->", "<!-- cluster bench: end -->"


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds used so far by this process's descendants, and by the whole machine."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue  # self, thread-self and the kernel's files
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it has just ended
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = int(fields[11]) + int(fields[12])
    ours, mine = 0, os.getpid()
    for pid, ticks in used.items():
        ancestor = pid
        while ancestor not in (0, 1, mine):
            ancestor = parents.get(ancestor, 0)
        ours += ticks if ancestor == mine else 0
    machine = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(value) for value in machine) - int(machine[3]) - int(machine[4])
    return ours / tick, busy / tick  # all but idle and iowait


def run_jobs(engine: ClusterEngine, args: argparse.Namespace, slots: int,
             name: str) -> dict[str, float]:
    """Warm ``slots`` slots, then time ``args.jobs`` jobs; jobs/s and median overhead (ms)."""
    size = {"width": args.size, "height": args.size, "frames": args.frames, "steps": args.steps}
    deadline = time.monotonic() + 300
    while engine.address is not None and engine.slots_ready() < slots:
        if time.monotonic() > deadline:
            raise SystemExit(f"the cluster's slots did not start:\n{engine.log_text()}")
        time.sleep(0.2)
    warm = [f"{name}-warm-{i}" for i in range(slots)]
    for job_id in warm:
        engine.submit(job_id, tiny_request(seed=1, **size))
    for job_id in warm:
        engine.finished(job_id, timeout=300)
    ids = [f"{name}-{i:03d}" for i in range(args.jobs)]
    cpu_before, started = _cpu_seconds(), time.perf_counter()
    for i, job_id in enumerate(ids):
        engine.submit(job_id, tiny_request(seed=100 + i, **size))
    states = [engine.finished(job_id, timeout=600)["state"] for job_id in ids]
    wall = time.perf_counter() - started
    ours, machine = (after - before for after, before in zip(_cpu_seconds(), cpu_before,
                                                               strict=True))
    if set(states) != {"done"}:
        raise SystemExit(f"{name}: not every job finished: {states}\n{engine.log_text()}")
    os.environ["FRAMELOOM_HOME"] = str(engine.home)  # the engine's store, read beside it
    with JobStore() as store:
        events: dict[str, dict[str, Any]] = {}
        for event in store.events_since(0, 100_000):
            if event.job_id in ids and event.type in ("started", "done"):
                events.setdefault(event.job_id, {})[event.type] = event
    overheads = [_seconds(e["done"].time) - _seconds(e["started"].time)
                 - float(e["done"].data["timings"]["total_s"]) for e in events.values()]
    return {"wall_s": wall, "jobs_per_s": args.jobs / wall,
            "overhead_ms": 1000 * statistics.median(overheads),
            "ours": ours / wall, "others": (machine - ours) / wall,
            "cpu_per_job": ours / args.jobs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--size", type=int, default=64, help="width and height (default 64)")
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"

    import torch
    from ray.cluster_utils import Cluster

    from support.tiny import build_tiny_ltx

    torch.set_num_threads(1)
    root = Path(tempfile.mkdtemp(prefix="frameloom-cluster-bench-"))
    model = build_tiny_ltx(root / TINY)

    def engine(name: str, address: str | None) -> ClusterEngine:
        home = root / name
        (home / "models").mkdir(parents=True)
        (home / "models" / TINY).symlink_to(model, target_is_directory=True)
        return ClusterEngine(home, address, preview_every=2.0).start()

    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, float]] = {}
    local = engine("local", None)
    try:
        results["local worker"] = run_jobs(local, args, 1, "local")
    finally:
        local.kill()
    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "num_gpus": 0, "include_dashboard": False})
    try:
        for nodes in (1, 2):
            cluster.add_node(num_cpus=1, num_gpus=1)
            cluster.wait_for_nodes()
            running = engine(f"nodes{nodes}", cluster.address)
            try:
                label = "Ray, one node" if nodes == 1 else "Ray, two nodes"
                results[label] = run_jobs(running, args, nodes, f"nodes{nodes}")
            finally:
                running.kill()
    finally:
        cluster.shutdown()
    ratio = results["Ray, two nodes"]["jobs_per_s"] / results["Ray, one node"]["jobs_per_s"]
    rows = [f"| {name} | {r['wall_s']:.1f} | {r['jobs_per_s']:.2f} | {r['overhead_ms']:.0f} | "
            f"{r['cpu_per_job']:.2f} | {r['ours']:.2f} | {r['others']:.2f} |"
            for name, r in results.items()]
    cores = results["Ray, two nodes"]["ours"] / results["Ray, one node"]["ours"]
    text = "\n".join([
        f"`python bench/cluster.py --jobs {args.jobs} --size {args.size} --frames "
        f"{args.frames} --steps {args.steps}` on {platform.node()} ({platform.machine()}, "
        f"{os.cpu_count()} cores, shared), {time.strftime('%Y-%m-%d')}; tiny LTX pipeline, "
        f"{args.size}x{args.size}, {args.frames} frames, {args.steps} steps, one torch thread "
        "per worker or actor; a ray.cluster_utils.Cluster on this one machine (head without GPU, "
        "nodes with one logical GPU each).", "",
        f"| run | {args.jobs} jobs (s) | jobs/s | overhead per job (ms, median) | CPU s per "
        "job (ours) | cores: ours | cores: others |",
        "|---|---|---|---|---|---|---|", *rows, "",
        f"Two nodes against one: **{ratio:.2f}x** the throughput, with {cores:.2f}x the CPU "
        f"for this run's processes. Load average (1 min) {load_before:.1f} before the runs "
        f"and {os.getloadavg()[0]:.1f} after them; nice {os.nice(0)}."])
    print(text)
    if args.write:
        write_benchmarks(text, REPO / "docs" / "BENCHMARKS.md", (BEGIN, END),
                         "Ray cluster: one node against two (issue 23)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
