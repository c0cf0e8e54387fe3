"""Runs the queue: one job at a time on the worker; cancel, grace kill, crashes, OOM recycling."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.jobs.store import JobError, JobStore
from engine.paths import data_dir, log_path
from engine.worker.process import WorkerProcess, WorkerStartError

OOM_FAILURES_BEFORE_RECYCLE = 2
TERMINAL = ("done", "failed", "cancelled")
LOCAL_NODE = "local"  # the node a job on the engine's own worker runs on


def outputs_dir() -> Path:
    """Where finished takes are written before the studio copies them into a project."""
    folder = data_dir() / "outputs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def output_path(job_id: str) -> Path:
    """The final name of a job's video: readable, safe for any file system, unique per id."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", job_id)[:60].strip("._") or "job"
    digest = hashlib.sha1(job_id.encode()).hexdigest()[:10]
    return outputs_dir() / f"{safe}-{digest}.mp4"


def remove_partial_outputs() -> int:
    """Delete half-written outputs left by a killed worker; returns how many there were."""
    count = 0
    for leftover in outputs_dir().glob(".*.partial"):
        leftover.unlink(missing_ok=True)
        count += 1
    return count


class Scheduler:
    """Takes queued jobs from the store in order and runs each on the worker.

    Every state change goes through the store (which logs its event) and then ``notify()``,
    so subscribers see it.

    Parameters
    ----------
    store
        The job store.
    notify
        Called after each new event is logged.
    cancel_grace_s
        How long a cancelled step may take to return before the worker is killed.
    preview_every_s
        The least time between two previews of a job.
    worker_env
        Extra environment for the worker process.
    """

    def __init__(self, store: JobStore, notify: Callable[[], None], *,
                 cancel_grace_s: float = 10.0, preview_every_s: float = 2.0,
                 worker_env: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.notify = notify
        self.cancel_grace_s = cancel_grace_s
        self.preview_every_s = preview_every_s
        self.worker_env = dict(worker_env or {})
        self.worker: WorkerProcess | None = None
        self.running_job: str | None = None
        self.vram: dict[str, Any] = {"vram_used": None, "vram_total": None}
        self.cluster_state: str | None = None  # a cluster's: connecting, connected, unreachable
        self._wake = asyncio.Event()
        self._cancelling: set[str] = set()
        self._oom_streak = 0
        self._stopping = False

    @property
    def busy(self) -> bool:
        """Whether a job is running."""
        return self.running_job is not None

    def wake(self) -> None:
        """Tell the loop the queue changed."""
        self._wake.set()

    async def run(self) -> None:
        """Run queued jobs until :meth:`stop`; starts the worker right away so it is warm."""
        with contextlib.suppress(WorkerStartError):
            await self._ensure_worker()
        while not self._stopping:
            job = self.store.next_queued()
            if job is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._run_job(job.id, job.request)

    async def _ensure_worker(self) -> WorkerProcess:
        if self.worker is None or not self.worker.alive:
            worker = WorkerProcess(self.worker_env)
            self.worker = worker
            ready = await worker.start()
            self.vram = {k: ready.get(k) for k in ("vram_used", "vram_total")}
        return self.worker

    async def _run_job(self, job_id: str, request: dict[str, Any]) -> None:
        self.store.mark_running(job_id, node=LOCAL_NODE)
        self.running_job = job_id
        self.notify()
        try:
            try:
                worker = await self._ensure_worker()
            except WorkerStartError as exc:
                self._finish_failed(job_id, "worker_failed", str(exc),
                                    f"Check the engine log ({log_path()}); reinstall Frameloom "
                                    "if it persists.")
                await asyncio.sleep(1.0)  # do not spin through the queue failing every job
                return
            if job_id in self._cancelling:  # cancelled while the worker was starting
                self.store.mark_cancelled(job_id)
                return
            await worker.send({"op": "run", "job_id": job_id, "request": request,
                               "output": str(output_path(job_id)),
                               "preview_every_s": self.preview_every_s})
            while True:
                report = await worker.receive()
                if report is None:
                    await self._worker_died(job_id, worker)
                    return
                if report.get("job_id") == job_id and self._apply(job_id, report):
                    return
        finally:
            self.running_job = None
            self._cancelling.discard(job_id)
            self.notify()

    def _apply(self, job_id: str, report: dict[str, Any]) -> bool:
        """Record one worker report; True when it ended the job."""
        kind = report.get("ev")
        if kind == "progress":
            self.store.progress(job_id, int(report["step"]), int(report["total"]),
                                report.get("eta_s"))
        elif kind == "preview":
            self.store.append_event(job_id, "preview",
                                    {"step": report["step"], "path": report["path"]})
        elif kind == "done":
            self.vram = {k: report.get(k) for k in ("vram_used", "vram_total")}
            self._oom_streak = 0
            try:
                self.store.finish(job_id, report["outputs"], report["settings"],
                                  report.get("timings"))
            except JobError as exc:  # never "done" without its file in place
                self.store.fail(job_id, "output_missing", str(exc), "Try the job again.")
        elif kind == "failed":
            self._finish_failed(job_id, str(report["code"]), str(report["message"]),
                                report.get("hint"))
        elif kind == "cancelled":
            self.store.mark_cancelled(job_id)
        else:
            return False
        self.notify()
        return kind in TERMINAL

    def _finish_failed(self, job_id: str, code: str, message: str, hint: str | None) -> None:
        self.store.fail(job_id, code, message, hint)
        self._oom_streak = self._oom_streak + 1 if code == "out_of_memory" else 0
        if self._oom_streak >= OOM_FAILURES_BEFORE_RECYCLE and self.worker is not None:
            # Fragmented or leaked memory survives empty_cache(); a fresh process does not.
            print("frameloom-engine: two jobs in a row ran out of memory; restarting the worker.",
                  file=sys.stderr, flush=True)
            self._oom_streak = 0
            worker, self.worker = self.worker, None
            asyncio.get_running_loop().create_task(worker.stop())

    async def _worker_died(self, job_id: str, worker: WorkerProcess) -> None:
        """The worker exited mid-job: a kill we asked for (cancel, stop) or a crash."""
        self.worker = None if self.worker is worker else self.worker
        remove_partial_outputs()  # the take's and, for an operation, the joined file's
        if self._stopping:
            return  # the job stays running; the server marks it interrupted on the way out
        if job_id in self._cancelling:
            self.store.mark_cancelled(job_id)
            return
        last = worker.stderr_tail[-1] if worker.stderr_tail else "no log output"
        self.store.fail(job_id, "worker_crashed",
                        f"The engine's worker stopped unexpectedly (exit code "
                        f"{worker.returncode}) while running this job; its last log line: "
                        f"{last[:200]}",
                        "Try the job again; if it fails again, lower the size or frame count.")

    def cancel_now(self, job_id: str) -> str:
        """Cancel a job in the store; ``"cancelled"``, or ``"cancelling"`` for a running one.

        A running job must then be stopped with :meth:`cancel_running`.

        Raises
        ------
        JobError
            If the job is unknown or already finished.
        """
        if not self.store.cancel(job_id):
            self.notify()
            return "cancelled"
        if not self.runs_here(job_id):  # running in the store but not here: a stale row
            self.store.mark_cancelled(job_id)
            self.notify()
            return "cancelled"
        self._cancelling.add(job_id)
        return "cancelling"

    def refusal(self, model_id: str) -> tuple[str, str, str] | None:
        """Why a job for ``model_id`` can never run here (code, sentence, hint), or None.

        The local worker takes every job and fails it if it runs out of memory; a cluster
        refuses a model bigger than its largest GPU (:class:`ClusterScheduler`).
        """
        return None

    def runs_here(self, job_id: str) -> bool:
        """Whether ``job_id`` is running on this scheduler's worker now."""
        return job_id == self.running_job

    async def cancel_running(self, job_id: str) -> None:
        """Raise the running job's cancel flag; kill the worker if the step outlasts the grace."""
        worker = self.worker
        if worker is not None and self.running_job == job_id:
            await worker.send({"op": "cancel", "job_id": job_id})
            await self._kill_after_grace(job_id, worker)

    async def _kill_after_grace(self, job_id: str, worker: WorkerProcess) -> None:
        await asyncio.sleep(self.cancel_grace_s)
        if self.running_job == job_id and job_id in self._cancelling and worker.alive:
            print(f"frameloom-engine: job {job_id} did not stop within {self.cancel_grace_s:g} s "
                  "of being cancelled; killing the worker.", file=sys.stderr, flush=True)
            await worker.kill()

    async def stop(self) -> None:
        """Stop running jobs: the worker is stopped and a running job is left to be interrupted."""
        self._stopping = True
        self._wake.set()
        worker, self.worker = self.worker, None
        if worker is not None:
            if self.running_job is not None:
                await worker.kill()
            else:
                await worker.stop()
