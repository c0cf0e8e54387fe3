"""An engine in its own process (``serve``, or ``serve --cluster``) and how to talk to it; for
the cluster tests and ``bench/cluster.py``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine import protocol as p
from engine.cli.client import Control

TINY = "tiny-ltx"
GRACE_S = 3.0
TRIES = 2


def tiny_request(prompt: str = "a red circle moves left", **changes: Any) -> p.GenerationRequest:
    """A tiny-pipeline request; fault tokens in the prompt act on the test engine's actors."""
    fields: dict[str, Any] = {"model_id": TINY, "prompt": prompt, "width": 32, "height": 32,
                              "frames": 9, "fps": 24, "seed": 3, "steps": 2, "guidance": 1.0,
                              **changes}
    return p.GenerationRequest.from_dict(fields)


class ClusterEngine:
    """``frameloom-engine serve`` in a process of its own, on the Ray cluster at ``address``
    (None: on the local worker); one torch thread, test faults on; stderr goes to ``log``."""

    def __init__(self, home: Path, address: str | None, *, preview_every: float = 0.0) -> None:
        self.home, self.address = home, address
        self.preview_every = preview_every
        self.log = home / "engine.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ClusterEngine:
        env = {**os.environ, "FRAMELOOM_HOME": str(self.home), "FRAMELOOM_ENGINE_FAULTS": "1",
               "OMP_NUM_THREADS": "1"}
        cluster = [] if self.address is None else [
            "--cluster", self.address, "--cluster-home", str(self.home), "--cluster-tries",
            str(TRIES), "--torch-threads", "1"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.cli", "serve", *cluster, "--heartbeat", "0.5",
                 "--cancel-grace", str(GRACE_S), "--preview-every", str(self.preview_every),
                 "--parent-pid", str(os.getpid())],
                env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                Control(self.home / "runtime", timeout=5).close()
                return self
            except Exception:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the engine did not start: {self.log_text()}") from None
                time.sleep(0.1)

    def slots_ready(self) -> int:
        """How many cluster slots have said they are ready (from the log)."""
        return len(set(re.findall(r"cluster slot (\d+) ready", self.log_text())))

    def control(self) -> Control:
        return Control(self.home / "runtime", timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def node_of(self, job_id: str) -> str | None:
        """The Ray node id the engine last placed ``job_id`` on (from its log)."""
        found = re.findall(rf"job {re.escape(job_id)} runs on cluster slot \d+ \(node (\w+)\)",
                           self.log_text())
        return found[-1] if found else None

    def submit(self, job_id: str, request: p.GenerationRequest) -> dict[str, Any]:
        with self.control() as control:
            return control.request(p.Submit(id=control.next_id(), job_id=job_id,
                                            request=request))

    def job(self, job_id: str) -> dict[str, Any]:
        with self.control() as control:
            job: dict[str, Any] = control.request(
                p.GetJob(id=control.next_id(), job_id=job_id))["job"]
            return job

    def wait(self, job_id: str, check: Callable[[dict[str, Any]], bool],
             timeout: float = 60.0) -> dict[str, Any]:
        """Poll the job until ``check(record)`` holds; returns the record."""
        deadline = time.monotonic() + timeout
        while True:
            record = self.job(job_id)
            if check(record):
                return record
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} is stuck: {record}\n{self.log_text()}")
            time.sleep(0.1)

    def finished(self, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
        return self.wait(job_id, lambda j: j["state"] in ("done", "failed", "cancelled"),
                         timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
