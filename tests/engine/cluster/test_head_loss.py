"""The engine survives its Ray head going away: jobs wait, it says so, and they all finish once
a head answers at the same address again.

A cluster of one head with two logical GPUs (``ray.cluster_utils.Cluster``, in this test's
own processes) is taken down mid-job and started again at the same port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import protocol as p
from engine.output.video import count_frames
from support.engine_process import TINY, ClusterEngine, tiny_request

SLOW = "[fault sleep_per_step_ms=300]"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def head() -> Iterator[tuple[Any, dict[str, Any]]]:
    """The cluster and the arguments that start its head again at the same port."""
    from ray.cluster_utils import Cluster

    args = {"num_cpus": 1, "num_gpus": 2, "include_dashboard": False,
            "gcs_server_port": _free_port()}
    made = Cluster(initialize_head=True, head_node_args=args)
    yield made, args
    made.shutdown()


def _until(check: Any, engine: ClusterEngine, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, engine.log_text()
        time.sleep(0.2)
    return found


def _cluster_state(engine: ClusterEngine) -> tuple[str | None, p.Heartbeat]:
    """The cluster's state as ``ListJobs`` says it, and the next heartbeat."""
    with engine.control() as control:
        state = control.request(p.ListJobs(id=control.next_id())).get("cluster")
        beat = next(e for e in control.events(control.hello["last_seq"])
                    if isinstance(e, p.Heartbeat))
    return state, beat


def test_jobs_wait_while_the_head_is_gone_and_each_finishes_with_its_file_when_it_is_back(
        head: tuple[Any, dict[str, Any]], tmp_path: Path, tiny_ltx_dir: Path) -> None:
    cluster, args = head
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / TINY).symlink_to(tiny_ltx_dir, target_is_directory=True)
    engine = ClusterEngine(home, cluster.address).start()
    try:
        _until(lambda: engine.slots_ready() >= 2, engine)
        assert _cluster_state(engine)[0] == "connected"
        ids = [f"before-{i}" for i in range(4)]
        for i, job_id in enumerate(ids):  # the first two run when the head goes
            prompt = f"a red circle {SLOW}" if i < 2 else "a red circle"
            engine.submit(job_id, tiny_request(prompt, seed=i, steps=6 if i < 2 else 2))
        running = _until(lambda: [j for j in ids if engine.job(j)["state"] == "running"]
                         if engine.job(ids[1])["state"] == "running" else [], engine)
        cluster.remove_node(cluster.head_node)  # the first two jobs run for 1.8 s or more

        _, beat = _until(lambda: (found := _cluster_state(engine))[0] == "unreachable"
                             and found, engine, timeout=30)
        records = [engine.job(job_id) for job_id in ids]
        assert {r["state"] for r in records} == {"queued"}, records  # waiting, none failed
        assert beat.cluster == "unreachable" and beat.queue_length == len(ids)
        engine.submit("while-gone", tiny_request(seed=9))  # still taken, and it waits too
        status = subprocess.run([sys.executable, "-m", "engine.cli", "status"], text=True,
                                env={**os.environ, "FRAMELOOM_HOME": str(home)},
                                capture_output=True, timeout=60)
        assert "Cluster: unreachable, 5 job(s) waiting" in status.stdout, status
        time.sleep(2.0)  # the engine tries the head again meanwhile, and keeps waiting
        assert engine.job("while-gone")["state"] == "queued"
        assert "still unreachable" in engine.log_text()

        cluster.add_node(**args)  # a head again at the same address
        for job_id in [*ids, "while-gone"]:
            record = engine.finished(job_id, timeout=90)
            assert record["state"] == "done", record
            assert count_frames(Path(record["outputs"][0])) == 9
        assert running == ids[:2]
        # The two that ran when the head went ran again, and that run was not counted.
        assert [engine.job(j)["attempts"] for j in ids] == [1, 1, 1, 1]
        assert _cluster_state(engine)[0] == "connected"
        log = engine.log_text()
        assert "2 running job(s) queued again" in log and "answers again" in log
        assert "queued again (try" not in log  # the head's loss was not taken for a node's
    finally:
        engine.kill()
