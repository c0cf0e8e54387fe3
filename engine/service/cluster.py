"""Runs the queue on a Ray cluster: one actor per GPU slot, several jobs at once.

The engine stays the front door: jobs come in through its socket and live in its SQLite store;
this scheduler hands each to an idle :class:`engine.cluster.actor.SlotActor`, streams its
progress and previews into the store's event log, and writes and verifies the returned take
under its final name, as for a local job. A slot whose actor or node dies is replaced, and its
job is interrupted and queued again, at most ``max_tries`` times in all.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.cluster.actor import SlotActor
from engine.cluster.inputs import pack_inputs
from engine.jobs.store import Job, JobStore
from engine.models.catalog import catalog_entry
from engine.output.record import map_strings
from engine.output.video import count_frames
from engine.protocol.files import atomic_output
from engine.service.scheduler import Scheduler, output_path, outputs_dir
from engine.worker.child import preview_path

MAX_TRIES = 3
WATCH_S = 5.0  # how often the cluster's GPUs are counted, for nodes that join later
_CONNECT_TIMEOUT_S = 5.0


class ClusterError(Exception):
    """The engine cannot use the cluster; the message is one sentence with what to do."""


def connect(address: str) -> bool:
    """Join the Ray cluster at ``address`` (``auto``: the one running on this machine).

    Returns True when this call connected (False: this process had already joined one).

    Raises
    ------
    ClusterError
        If Ray is not installed or no cluster answers there.
    """
    try:
        import ray
    except ImportError:
        raise ClusterError("Ray is not installed, so the engine cannot use a cluster; install "
                           "it with: pip install 'frameloom[cluster]'.") from None
    if ray.is_initialized():
        return False
    if address != "auto":
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ClusterError(f"The cluster address {address!r} is not HOST:PORT (the head's "
                               "GCS port, 6379 by default) or auto.")
        try:  # a quick check first: ray.init retries a dead address for a minute
            socket.create_connection((host, int(port)), _CONNECT_TIMEOUT_S).close()
        except OSError as exc:
            raise ClusterError(f"No Ray cluster answers at {address} ({exc.strerror or exc}); "
                               "start one there with 'ray start --head' or fix the "
                               "address.") from None
    try:
        ray.init(address=address, namespace="frameloom", log_to_driver=False,
                 logging_level="warning")
    except ConnectionError as exc:
        if address == "auto":
            raise ClusterError("No Ray cluster runs on this machine (--cluster auto); start one "
                               "with 'ray start --head' or give its HOST:PORT.") from None
        raise ClusterError(f"The engine could not join the Ray cluster at {address}: "
                           f"{_sentence(exc)}") from None
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(f"The engine could not join the Ray cluster at {address}: "
                           f"{first[:200]}") from None
    return True


def node_label(info: Mapping[str, Any] | None) -> str | None:
    """Where a slot runs, as jobs report it: ``IP (node ID)`` with the first 12 characters of
    Ray's node id (nodes on one machine share an IP); None before the slot is placed."""
    if not info:
        return None
    return f"{info.get('ip') or info.get('host')} (node {str(info['node'])[:12]})"


@dataclass(eq=False)
class Slot:
    """One actor holding one GPU (or ``gpus`` of one); ``info`` is None until it is placed."""

    index: int
    actor: Any
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
    """

    def __init__(self, store: JobStore, notify: Callable[[], None], *, address: str,
                 cancel_grace_s: float = 10.0, preview_every_s: float = 2.0,
                 worker_env: Mapping[str, str] | None = None, gpus_per_slot: float = 1.0,
                 max_tries: int = MAX_TRIES, torch_threads: int | None = None,
                 slots: int | None = None, poll_s: float = 0.1) -> None:
        super().__init__(store, notify, cancel_grace_s=cancel_grace_s,
                         preview_every_s=preview_every_s, worker_env=worker_env)
        self.address = address
        self.gpus_per_slot = gpus_per_slot
        self.max_tries = max_tries
        self.torch_threads = torch_threads
        self.poll_s = poll_s
        self.slots: list[Slot] = []
        self._wanted_slots = slots
        self._running: dict[str, Slot] = {}
        self._jobs: set[asyncio.Task[Any]] = set()
        self._owns_ray = False

    @property
    def busy(self) -> bool:
        """Whether any job is running."""
        return bool(self._running)

    def placement(self, job_id: str) -> str | None:
        """The Ray node id running ``job_id``, or None when it is not running here."""
        slot = self._running.get(job_id)
        return slot.info["node"] if slot is not None and slot.info else None

    def start_cluster(self) -> None:
        """Join the cluster and start one actor per slot (they load in the background).

        Raises
        ------
        ClusterError
            If the cluster cannot be joined or has no GPU for a slot.
        """
        import ray

        self._owns_ray = connect(self.address)
        gpus = float(ray.cluster_resources().get("GPU", 0.0))
        count = self._wanted_slots or int(gpus // self.gpus_per_slot)
        if count < 1:
            raise ClusterError(f"The Ray cluster at {self.address} has {gpus:g} GPU(s), fewer "
                               f"than one slot needs ({self.gpus_per_slot:g}); add a GPU node "
                               "with 'ray start --address HEAD:6379 --num-gpus 1'.")
        self.slots = [Slot(index, self._new_actor()) for index in range(count)]

    def _new_actor(self) -> Any:
        import ray

        remote = ray.remote(SlotActor).options(
            num_gpus=self.gpus_per_slot, num_cpus=0, max_concurrency=4, max_restarts=0)
        return remote.remote(dict(self.worker_env), self.torch_threads)

    async def run(self) -> None:
        """Hand queued jobs to idle placed actors until :meth:`stop`."""
        for slot in self.slots:
            self._spawn(self._await_ready(slot, slot.actor))
        if self._wanted_slots is None:
            self._spawn(self._watch_gpus())
        while not self._stopping:
            self._wake.clear()
            self._dispatch()
            await self._wake.wait()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    async def _await_ready(self, slot: Slot, actor: Any) -> None:
        """Wait until the actor is placed and has loaded torch; it takes jobs from then on."""
        try:
            info = await _result(actor.ready.remote())
        except Exception as exc:
            print(f"frameloom-engine: cluster slot {slot.index} did not start ({_sentence(exc)})"
                  "; trying again in 5 s.", file=sys.stderr, flush=True)
            await asyncio.sleep(5.0)
            if slot.actor is actor and not self._stopping:
                slot.actor = self._new_actor()
                self._spawn(self._await_ready(slot, slot.actor))
            return
        if slot.actor is actor:
            slot.info = info
            print(f"frameloom-engine: cluster slot {slot.index} ready on {info['host']} (node "
                  f"{str(info['node'])[:12]}, {info['device']}).", file=sys.stderr, flush=True)
            self.wake()

    async def _watch_gpus(self) -> None:
        """Add a slot for each GPU beyond the slots there are (a node that joined later); a
        node that comes back instead places the replacement waiting for its GPU."""
        import ray

        while not self._stopping:
            await asyncio.sleep(WATCH_S)
            try:
                resources = await asyncio.to_thread(ray.cluster_resources)
            except Exception:
                continue  # the head is unreachable just now; count again later
            for _ in range(int(float(resources.get("GPU", 0.0)) // self.gpus_per_slot)
                           - len(self.slots)):
                slot = Slot(len(self.slots), self._new_actor())
                self.slots.append(slot)
                print(f"frameloom-engine: the cluster has a new GPU; starting slot {slot.index}.",
                      file=sys.stderr, flush=True)
                self._spawn(self._await_ready(slot, slot.actor))

    def _dispatch(self) -> None:
        """Start queued jobs, in queue order, on idle placed slots; a slot that already holds
        the job's model is preferred."""
        free = [slot for slot in self.slots if slot.info is not None and slot.job is None]
        for job in self.store.list(["queued"]):
            if not free:
                return
            model = str(job.request.get("model_id"))
            slot = next((s for s in free if model in s.models), free[0])
            free.remove(slot)
            slot.job = job.id
            self._running[job.id] = slot
            self.store.mark_running(job.id, node=node_label(slot.info))
            node = slot.info["node"] if slot.info else "?"
            print(f"frameloom-engine: job {job.id} runs on cluster slot {slot.index} (node "
                  f"{node}).", file=sys.stderr, flush=True)
            self.notify()
            self._spawn(self._run_on(slot, job))

    async def _run_on(self, slot: Slot, job: Job) -> None:
        import ray

        job_id, actor = job.id, slot.actor
        try:
            try:
                inputs = pack_inputs(job.request)
            except OSError as exc:
                self._finish_failed(job_id, "missing_media", f"An input of the job cannot be "
                                    f"read: {exc.strerror or exc} ({exc.filename}).",
                                    "Relink or re-import it, then submit the job again.")
                return
            run = asyncio.ensure_future(_result(actor.run.remote(
                job_id, job.request, inputs, output_path(job_id).name, self.preview_every_s)))
            while not run.done():
                await asyncio.wait({run}, timeout=self.poll_s)
                await self._drain(actor, job_id)
            try:
                final = run.result()
            except ray.exceptions.RayActorError as exc:
                self._slot_lost(slot, actor, job_id, exc)
                return
            except ray.exceptions.RayError as exc:
                self._finish_failed(job_id, "internal", "The job failed on the cluster with "
                                    f"an unexpected error: {_sentence(exc)}",
                                    "See the engine log and the Ray logs of the node.")
                return
            if final.get("ev") == "done":
                final = self._write_take(job_id, final)
                slot.models.add(str(job.request.get("model_id")))
            if self._stopping:
                return
            self._apply(job_id, final)
        finally:
            if slot.job == job_id:
                slot.job = None
            self._running.pop(job_id, None)
            self._cancelling.discard(job_id)
            self.notify()
            self.wake()

    async def _drain(self, actor: Any, job_id: str) -> None:
        """Record the actor's progress and previews so far (a dead actor has none to give)."""
        try:
            reports = await _result(actor.drain.remote())
        except Exception:
            return  # the run's own result says what happened
        for report in reports:
            if report.get("ev") == "preview":
                path = preview_path(job_id, int(report["step"]))
                with atomic_output(path) as temp:
                    temp.write_bytes(report.pop("jpeg"))
                report["path"] = str(path)
            if report.get("job_id") == job_id and not self._stopping:
                self._apply(job_id, report)

    def _write_take(self, job_id: str, final: dict[str, Any]) -> dict[str, Any]:
        """Write the returned files under their final names, each decoded before it counts;
        the report then names the engine's files and inputs, or is a failure."""
        back: dict[str, str] = final.pop("inputs", {})
        written: list[str] = []
        try:
            for name, data in final.pop("files").items():
                target = outputs_dir() / Path(name).name
                with atomic_output(target, suffix=".partial") as temp:
                    temp.write_bytes(data)
                    if count_frames(temp) < 1:
                        raise ValueError("it has no frames")
                written.append(str(target))
        except Exception as exc:
            for path in written:
                Path(path).unlink(missing_ok=True)
            return {"ev": "failed", "job_id": job_id, "code": "output_failed",
                    "message": f"The take came back from the cluster but could not be written "
                               f"or decoded: {_sentence(exc)}",
                    "hint": "Check that the disk has free space, then try again."}
        return {**final, "outputs": written,
                "settings": map_strings(final["settings"], lambda s: back.get(s, s))}

    def _slot_lost(self, slot: Slot, actor: Any, job_id: str, exc: Exception) -> None:
        """The slot's actor died (its node went away, a crash, a kill for cancel): replace it,
        then settle the job: cancelled, queued again, or failed after ``max_tries``."""
        if slot.actor is actor and not self._stopping:
            slot.info, slot.models = None, set()
            slot.actor = self._new_actor()
            self._spawn(self._await_ready(slot, slot.actor))
        if self._stopping:
            return  # the job stays running; the server marks it interrupted on the way out
        if job_id in self._cancelling:
            self.store.mark_cancelled(job_id)
            return
        reason = _sentence(exc)
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
        """Refuse a model whose cheapest memory profile needs more GPU memory (catalog figures)
        than the largest GPU of the placed slots has; None while no slot has said its memory
        (none placed yet, or logical GPUs without CUDA) or for a model the catalog lacks."""
        entry = catalog_entry(model_id)
        totals = [slot.info.get("vram_total") for slot in self.slots if slot.info is not None]
        if entry is None or not totals or None in totals:
            return None
        need = min(entry.min_vram_gib.values())
        largest = max(int(total or 0) for total in totals) / 2**30
        if need <= largest:
            return None
        return ("does_not_fit", f"The model {model_id} needs at least {need:g} GiB of GPU "
                f"memory, more than the cluster's largest GPU has ({largest:.1f} GiB).",
                "Add a node with a larger GPU to the cluster, or pick a smaller model.")

    def runs_here(self, job_id: str) -> bool:
        """Whether ``job_id`` is running on one of the slots now."""
        return job_id in self._running

    async def cancel_running(self, job_id: str) -> None:
        """Raise the job's cancel flag on its actor; kill the actor if the step outlasts the
        grace (a new one takes the slot)."""
        import ray

        slot = self._running.get(job_id)
        if slot is None:
            return
        actor = slot.actor
        try:
            await _result(actor.cancel.remote(job_id))
        except ray.exceptions.RayActorError:
            return  # already gone: the run's result settles the job
        await asyncio.sleep(self.cancel_grace_s)
        if self._running.get(job_id) is slot and slot.actor is actor \
                and job_id in self._cancelling:
            print(f"frameloom-engine: job {job_id} did not stop within {self.cancel_grace_s:g} s "
                  "of being cancelled; killing its cluster actor.", file=sys.stderr, flush=True)
            ray.kill(actor, no_restart=True)

    async def stop(self) -> None:
        """Stop: every actor is killed, running jobs are left to be interrupted by the server."""
        import ray

        self._stopping = True
        self._wake.set()
        for slot in self.slots:
            try:
                ray.kill(slot.actor, no_restart=True)
            except Exception:
                pass  # already gone with its node
        tasks = list(self._jobs)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        if self._owns_ray:
            ray.shutdown()


async def _result(ref: Any) -> Any:
    """Await a Ray object ref from asyncio without blocking the loop."""
    return await asyncio.wrap_future(ref.future())


def _sentence(exc: BaseException) -> str:
    """An exception's first line, short enough for one sentence."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200].rstrip(".") + "."
