"""Runs the queue on a Ray cluster: one actor per GPU slot, several jobs at once.

The engine stays the front door: jobs come in through its socket and live in its SQLite store;
this scheduler hands each to an idle slot of its cluster driver (:mod:`engine.cluster.driver`,
a child process that is Ray's driver, since a Ray driver dies with its head), records the
progress and previews the driver relays, and writes and verifies the returned take under its
final name, as for a local job. A slot whose actor or node dies is replaced by the driver, and
its job is interrupted and queued again, at most ``max_tries`` times in all. When the driver
ends (the head went away), the running jobs are queued again, the cluster is ``unreachable``
in the engine's heartbeats, and a new driver is started with backoff until the head is back.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.cluster.connect import ClusterError
from engine.cluster.inputs import pack_inputs
from engine.cluster.process import DriverProcess
from engine.jobs.store import Job, JobStore
from engine.protocol.files import atomic_output
from engine.service.fit import gpu_refusal
from engine.service.scheduler import Scheduler, output_path
from engine.service.takes import write_take
from engine.worker.child import preview_path

__all__ = ["MAX_TRIES", "ClusterError", "ClusterScheduler", "Slot", "node_label"]

MAX_TRIES = 3
RECONNECT_S = (1.0, 10.0)  # the first wait before starting a new driver, and the longest
# How often a running job's progress and previews are fetched from its actor. Each fetch is a
# call into the actor that costs CPU on the actor's node, the driver and the engine; at 0.1 s
# it was several calls per tiny job (bench/cluster.py); the rest comes with the job's result.
DRAIN_S = 0.5


def node_label(info: Mapping[str, Any] | None) -> str | None:
    """Where a slot runs, as jobs report it: ``IP (node ID)`` with the first 12 characters of
    Ray's node id (nodes on one machine share an IP); None before the slot is placed."""
    if not info:
        return None
    return f"{info.get('ip') or info.get('host')} (node {str(info['node'])[:12]})"


@dataclass(eq=False)
class Slot:
    """One GPU slot of the driver; ``info`` is None until its actor is placed and loaded."""

    index: int
    info: dict[str, Any] | None = None
    job: str | None = None
    models: set[str] = field(default_factory=set)


class ClusterScheduler(Scheduler):
    """A :class:`Scheduler` whose jobs run on Ray actors, one job per actor at a time.

    Parameters
    ----------
    store, notify, cancel_grace_s, preview_every_s, worker_env
        As for :class:`Scheduler`; ``worker_env`` is set in every actor's process.
    address
        The Ray cluster: ``HOST:PORT`` of its head, or ``auto``.
    gpus_per_slot
        Ray's ``num_gpus`` for each actor; one actor per this many GPUs in the cluster.
    max_tries
        Runs a job gets when its node or actor dies under it, before it fails.
    torch_threads
        Torch's intra-op threads in each actor; None keeps torch's default.
    slots
        How many actors to start; None: the cluster's GPUs over ``gpus_per_slot``.
    poll_s
        How often a running job's progress and previews are fetched from its actor.
    shared_folder
        A folder every machine of the cluster has at the same path: a job's inputs inside it
        are read there by the node instead of travelling as bytes; None: all travel.
    """

    def __init__(self, store: JobStore, notify: Callable[[], None], *, address: str,
                 cancel_grace_s: float = 10.0, preview_every_s: float = 2.0,
                 worker_env: Mapping[str, str] | None = None, gpus_per_slot: float = 1.0,
                 max_tries: int = MAX_TRIES, torch_threads: int | None = None,
                 slots: int | None = None, poll_s: float = DRAIN_S,
                 shared_folder: str | None = None) -> None:
        super().__init__(store, notify, cancel_grace_s=cancel_grace_s,
                         preview_every_s=preview_every_s, worker_env=worker_env)
        self.address = address
        self.max_tries = max_tries
        self.shared_folder = Path(shared_folder) if shared_folder else None
        self.options = {"address": address, "gpus_per_slot": gpus_per_slot, "slots": slots,
                        "worker_env": dict(self.worker_env), "torch_threads": torch_threads,
                        "cancel_grace_s": cancel_grace_s, "poll_s": poll_s}
        self.slots: list[Slot] = []
        self.driver: DriverProcess | None = None
        self.cluster_state = "connecting"  # until the first driver has joined
        self._running: dict[str, Slot] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def busy(self) -> bool:
        """Whether any job is running."""
        return bool(self._running)

    async def start_cluster(self) -> None:
        """Start the driver and wait until it has joined the cluster (its actors then load in
        the background).

        Raises
        ------
        ClusterError
            If the cluster cannot be joined or has no GPU for a slot.
        """
        self.driver = await self._new_driver()

    async def _new_driver(self) -> DriverProcess:
        driver = DriverProcess(self.worker_env)
        try:
            await driver.connect(self.options)
        except asyncio.CancelledError:  # the engine is stopping: no driver is left behind
            await driver.kill()
            raise
        self.slots, self.cluster_state = [], "connected"
        self.notify()
        return driver

    async def run(self) -> None:
        """Follow the driver, starting a new one when it ends, and hand queued jobs to idle
        placed slots until :meth:`stop`."""
        self._spawn(self._follow())
        while not self._stopping:
            self._wake.clear()
            self._dispatch()
            await self._wake.wait()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self) -> None:
        while not self._stopping:
            driver = self.driver
            while driver is not None and (message := await driver.receive()) is not None:
                self._on_message(message)
            if self._stopping:
                return
            if driver is not None:
                self._driver_lost(driver)
            self.driver = await self._reconnect()
            self.wake()

    def _driver_lost(self, driver: DriverProcess) -> None:
        """The driver ended (its head went away, or it crashed): every running job is queued
        again (the engine writes a take only once all its bytes are back, so none is
        half-written), and the cluster is unreachable until a new driver joins it."""
        last = driver.stderr_tail[-1] if driver.stderr_tail else "no log output"
        last = last.removeprefix("frameloom-engine: ").rstrip(".")[:200]
        reason = f"The engine lost the Ray cluster at {self.address} ({last})."
        for job_id in list(self._running):
            if job_id in self._cancelling:
                self.store.mark_cancelled(job_id)
            else:  # not counted as a try: the head's going says nothing about the job
                self.store.interrupt(job_id, reason, requeue=True, counted=False)
        print(f"frameloom-engine: {reason} {len(self._running)} running job(s) queued again; "
              "jobs wait until the cluster answers.", file=sys.stderr, flush=True)
        self._running.clear()
        self._cancelling.clear()
        self.slots, self.driver, self.cluster_state = [], None, "unreachable"
        self.notify()

    async def _reconnect(self) -> DriverProcess | None:
        """A new driver once the cluster answers again (waits doubling up to 10 s); None
        when the engine stops first."""
        delay, said = RECONNECT_S[0], ""
        while not self._stopping:
            await asyncio.sleep(delay)
            if self._stopping:
                return None
            try:
                driver = await self._new_driver()
            except ClusterError as exc:
                if str(exc) != said:
                    print(f"frameloom-engine: the cluster is still unreachable: {exc} Trying "
                          "again with backoff.", file=sys.stderr, flush=True)
                said, delay = str(exc), min(2 * delay, RECONNECT_S[1])
                continue
            if self._stopping:
                await driver.stop()
                return None
            print(f"frameloom-engine: the Ray cluster at {self.address} answers again; jobs "
                  "resume once its slots are ready.", file=sys.stderr, flush=True)
            return driver
        return None

    def _on_message(self, message: dict[str, Any]) -> None:
        kind, job_id = message["ev"], message.get("job_id")
        if kind == "slot_ready":
            index = int(message["slot"])
            while len(self.slots) <= index:
                self.slots.append(Slot(len(self.slots)))
            self.slots[index].info = message["info"]
            self.wake()
        elif kind == "slot_down":
            slot = self.slots[int(message["slot"])]
            slot.info, slot.models = None, set()
        elif kind == "report" and job_id in self._running:
            self._record(str(job_id), message["report"])
        elif kind in ("final", "lost", "error") and job_id in self._running:
            self._settle(str(job_id), message)

    def _dispatch(self) -> None:
        """Start queued jobs, in queue order, on idle placed slots; a slot that already holds
        the job's model is preferred."""
        driver = self.driver
        free = [slot for slot in self.slots if slot.info is not None and slot.job is None]
        for job in self.store.list(["queued"]):
            if not free or driver is None:
                return
            model = str(job.request.get("model_id"))
            slot = next((s for s in free if model in s.models), free[0])
            try:
                inputs = pack_inputs(job.request, self.shared_folder)
            except OSError as exc:
                self._finish_failed(job.id, "missing_media", f"An input of the job cannot be "
                                    f"read: {exc.strerror or exc} ({exc.filename}).",
                                    "Relink or re-import it, then submit the job again.")
                self.notify()
                continue
            free.remove(slot)
            self._start(driver, slot, job, inputs)

    def _start(self, driver: DriverProcess, slot: Slot, job: Job,
               inputs: dict[str, bytes]) -> None:
        slot.job = job.id
        self._running[job.id] = slot
        self.store.mark_running(job.id, node=node_label(slot.info))
        node = slot.info["node"] if slot.info else "?"
        print(f"frameloom-engine: job {job.id} runs on cluster slot {slot.index} (node "
              f"{node}).", file=sys.stderr, flush=True)
        self.notify()
        self._spawn(driver.send({"op": "run", "slot": slot.index, "job_id": job.id,
                                 "request": job.request, "inputs": inputs,
                                 "output_name": output_path(job.id).name,
                                 "preview_every_s": self.preview_every_s}))

    def _record(self, job_id: str, report: dict[str, Any]) -> None:
        """Record a progress or preview report (a preview's JPEG comes as bytes)."""
        if report.get("ev") == "preview":
            path = preview_path(job_id, int(report["step"]))
            with atomic_output(path) as temp:
                temp.write_bytes(report.pop("jpeg"))
            report["path"] = str(path)
        if report.get("job_id") == job_id and not self._stopping:
            self._apply(job_id, report)

    def _settle(self, job_id: str, message: dict[str, Any]) -> None:
        """A job's run ended on its slot: done (the take written here), failed, cancelled, or
        its actor lost."""
        slot = self._running.pop(job_id)
        if slot.job == job_id:
            slot.job = None
        try:
            if self._stopping:
                return  # the job stays running; the server marks it interrupted on the way out
            if message["ev"] == "lost":
                self._slot_lost(job_id, str(message["reason"]))
            elif message["ev"] == "error":
                self._finish_failed(job_id, "internal", "The job failed on the cluster with "
                                    f"an unexpected error: {message['reason']}",
                                    "See the engine log and the Ray logs of the node.")
            else:
                final = message["report"]
                job = self.store.get(job_id)
                if final.get("ev") == "done":
                    final = write_take(job_id, final)
                    slot.models.add(str(job.request.get("model_id") if job else None))
                self._apply(job_id, final)
        finally:
            self._cancelling.discard(job_id)
            self.notify()
            self.wake()

    def _slot_lost(self, job_id: str, reason: str) -> None:
        """The job's actor died (its node went away, a crash, a kill for cancel): cancelled,
        queued again, or failed after ``max_tries``."""
        if job_id in self._cancelling:
            self.store.mark_cancelled(job_id)
            return
        job = self.store.get(job_id)
        tries = job.attempts if job is not None else self.max_tries
        if tries < self.max_tries:
            print(f"frameloom-engine: the cluster slot running job {job_id} stopped ({reason}); "
                  f"queued again (try {tries + 1} of {self.max_tries}).", file=sys.stderr,
                  flush=True)
            self.store.interrupt(job_id, reason, requeue=True)
        else:
            self.store.fail(job_id, "node_lost", f"The cluster node or actor running this job "
                            f"stopped {tries} times, the last time with: {reason}",
                            "Check the cluster's nodes (ray status), then submit the job again.")

    def refusal(self, model_id: str) -> tuple[str, str, str] | None:
        """Refuse a model that needs more GPU memory than the largest placed slot has
        (:func:`engine.service.fit.gpu_refusal`)."""
        return gpu_refusal(model_id, [slot.info.get("vram_total") for slot in self.slots
                                      if slot.info is not None])

    def runs_here(self, job_id: str) -> bool:
        """Whether ``job_id`` is running on one of the slots now."""
        return job_id in self._running

    async def cancel_running(self, job_id: str) -> None:
        """Ask the driver to raise the job's cancel flag on its actor; the driver kills the
        actor if the step outlasts the grace (a new one takes the slot)."""
        if job_id in self._running and self.driver is not None:
            await self.driver.send({"op": "cancel", "job_id": job_id})

    async def stop(self) -> None:
        """Stop: the driver ends (killing its actors); running jobs are left to be
        interrupted by the server."""
        self._stopping = True
        self._wake.set()
        driver, self.driver = self.driver, None
        if driver is not None:
            await driver.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
