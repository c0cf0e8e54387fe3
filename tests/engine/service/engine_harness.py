"""A real engine on a temporary socket for tests: start it, talk to it, wait on it, kill it."""

from __future__ import annotations

import os
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


def request(prompt: str = "a red circle moves left", *, steps: int = 2,
            **changes: Any) -> p.GenerationRequest:
    """A tiny-pipeline request; fault tokens in the prompt act on the test engine."""
    fields: dict[str, Any] = {"model_id": TINY, "prompt": prompt, "width": 32, "height": 32,
                              "frames": 9, "fps": 24, "seed": 3, "steps": steps,
                              "guidance": 1.0, **changes}
    return p.GenerationRequest.from_dict(fields)


class Engine:
    """One engine process with its own FRAMELOOM_HOME; its stderr goes to ``log``."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.runtime = home / "runtime"
        self.log = home / "engine.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Engine:
        # One torch thread: on shared cores, torch's spinning threads slow tiny jobs 20-fold.
        env = {**os.environ, "FRAMELOOM_HOME": str(self.home), "FRAMELOOM_ENGINE_FAULTS": "1",
               "OMP_NUM_THREADS": "1"}
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "engine.cli", "serve", "--heartbeat", "0.5",
                 "--cancel-grace", str(GRACE_S), "--preview-every", "0",
                 "--parent-pid", str(os.getpid())],  # no engine outlives a killed test run
                env=env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._accepting():
            if self.process.poll() is not None:
                raise AssertionError(f"the engine exited: {self.log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the engine did not start: {self.log.read_text()}")
            time.sleep(0.05)
        return self

    def _accepting(self) -> bool:
        try:
            Control(self.runtime, timeout=5).close()
        except Exception:
            return False
        return True

    def control(self, timeout: float | None = 30.0) -> Control:
        """A new authenticated connection."""
        return Control(self.runtime, timeout=timeout)

    def kill_group(self) -> None:
        """``kill -9`` the engine and its worker, as a crash or an OOM killer would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def submit(control: Control, job_id: str, req: p.GenerationRequest,
           **options: Any) -> dict[str, Any]:
    return control.request(p.Submit(id=control.next_id(), job_id=job_id, request=req, **options))


def job(control: Control, job_id: str) -> dict[str, Any]:
    return control.request(p.GetJob(id=control.next_id(), job_id=job_id))["job"]


def wait_until(check: Callable[[], Any], timeout: float = 60.0, what: str = "") -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.05)


def wait_state(engine: Engine, job_id: str, states: tuple[str, ...] = ("done", "failed",
               "cancelled", "interrupted"), timeout: float = 90.0) -> dict[str, Any]:
    """Poll a job until it is in one of ``states``; returns its record."""
    with engine.control() as control:
        return wait_until(lambda: (lambda j: j if j["state"] in states else None)(
            job(control, job_id)), timeout, f"job {job_id} to become one of {states}")


def wait_step(engine: Engine, job_id: str, step: int) -> None:
    """Wait until a running job has reported ``step`` denoising steps."""
    with engine.control() as control:
        wait_until(lambda: job(control, job_id)["step"] >= step, 90, f"{job_id} step {step}")


def link_tiny(home: Path, tiny_ltx_dir: Path) -> None:
    models = home / "models"
    models.mkdir(parents=True, exist_ok=True)
    (models / TINY).symlink_to(tiny_ltx_dir, target_is_directory=True)
