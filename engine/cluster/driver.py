"""The engine's Ray driver, a child process of the engine: ``python -m engine.cluster.driver``.

A Ray driver cannot outlive its cluster's head: without GCS fault tolerance (Redis) Ray ends the
driver's process once the head has been gone for a while, and a head started again at the same
address is a new cluster the old driver cannot join. So the engine keeps its socket and job
store in its own process and runs the Ray side here: join the cluster, start one
:class:`~engine.cluster.actor.SlotActor` per GPU slot, run the jobs the engine hands to a slot,
relay progress, previews and results, and exit as soon as the head stops answering. The engine
then queues the running jobs again and starts a new driver once the head is back
(:mod:`engine.service.cluster`).

The pipe (:mod:`engine.cluster.channel`): the engine sends ``options`` first, then ``run``,
``cancel`` and ``exit``; the driver answers ``connected`` (or ``unreachable`` and exits 2),
then ``slot_ready``, ``slot_down``, ``report`` (progress, preview), ``final`` (the actor's last
report: done with the take's bytes, failed, cancelled), ``lost`` (the actor or its node died)
and ``error`` (any other failure of the Ray call).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, BinaryIO

from engine.cluster.actor import SlotActor
from engine.cluster.channel import frame, read_frame
from engine.cluster.connect import ClusterError, connect, head_answers, sentence

WATCH_S = 5.0  # how often the cluster's GPUs are counted, for nodes that join later
HEAD_PROBE_S = 1.0  # how often the head's GCS port is tried
HEAD_MISSES = 3  # failed tries in a row before the driver gives the head up


@dataclass(eq=False)
class _Slot:
    index: int
    actor: Any
    job: str | None = None


class Driver:
    """One connection to a Ray cluster and its slots, driven by the engine's messages.

    Parameters
    ----------
    options
        ``address``, ``gpus_per_slot``, ``slots`` (None: one per ``gpus_per_slot`` GPUs),
        ``worker_env``, ``torch_threads``, ``cancel_grace_s``, ``poll_s``.
    send
        Writes one message to the engine.
    """

    def __init__(self, options: dict[str, Any], send: Any) -> None:
        self.options = options
        self.send = send
        self.slots: list[_Slot] = []
        self.head = str(options["address"])  # the GCS address, once joined
        self._tasks: set[asyncio.Task[Any]] = set()

    async def main(self, commands: asyncio.Queue[dict[str, Any] | None]) -> int:
        """Join the cluster, then follow the engine's commands until ``exit`` or its end."""
        import ray

        address = str(self.options["address"])
        try:
            connect(address)
            gpus = float(ray.cluster_resources().get("GPU", 0.0))
            per_slot = float(self.options["gpus_per_slot"])
            count = self.options["slots"] or int(gpus // per_slot)
            if count < 1:
                raise ClusterError(f"The Ray cluster at {address} has {gpus:g} GPU(s), fewer "
                                   f"than one slot needs ({per_slot:g}); add a GPU node with "
                                   "'ray start --address HEAD:6379 --num-gpus 1'.")
        except ClusterError as exc:
            self.send({"ev": "unreachable", "message": str(exc)})
            return 2
        self.head = head = ray.get_runtime_context().gcs_address
        self.send({"ev": "connected", "head": head, "gpus": gpus})
        for index in range(count):
            self._start_slot(_Slot(index, self._new_actor()))
        if self.options["slots"] is None:
            self._spawn(self._watch_gpus())
        self._spawn(self._watch_head(head))
        while (command := await commands.get()) is not None:
            if command["op"] == "run":
                self._spawn(self._run(command))
            elif command["op"] == "cancel":
                self._spawn(self._cancel(str(command["job_id"])))
            elif command["op"] == "exit":
                break
        for slot in self.slots:
            try:
                ray.kill(slot.actor, no_restart=True)
            except Exception:
                pass  # already gone with its node
        ray.shutdown()
        return 0

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _new_actor(self) -> Any:
        import ray

        remote = ray.remote(SlotActor).options(
            num_gpus=self.options["gpus_per_slot"], num_cpus=0, max_concurrency=4,
            max_restarts=0)
        return remote.remote(dict(self.options["worker_env"]), self.options["torch_threads"])

    def _start_slot(self, slot: _Slot) -> None:
        if slot not in self.slots:
            self.slots.append(slot)
        self._spawn(self._await_ready(slot, slot.actor))

    async def _await_ready(self, slot: _Slot, actor: Any) -> None:
        """Wait until the actor is placed and has loaded torch; the engine hears of it then."""
        try:
            info = await _result(actor.ready.remote())
        except Exception as exc:
            print(f"frameloom-engine: cluster slot {slot.index} did not start ({sentence(exc)})"
                  " Trying again in 5 s.", file=sys.stderr, flush=True)
            await asyncio.sleep(5.0)
            if slot.actor is actor:
                slot.actor = self._new_actor()
                self._start_slot(slot)
            return
        if slot.actor is actor:
            print(f"frameloom-engine: cluster slot {slot.index} ready on {info['host']} (node "
                  f"{str(info['node'])[:12]}, {info['device']}).", file=sys.stderr, flush=True)
            self.send({"ev": "slot_ready", "slot": slot.index, "info": info})

    async def _watch_gpus(self) -> None:
        """Add a slot for each GPU beyond the slots there are (a node that joined later); a
        node that comes back instead places the replacement waiting for its GPU."""
        import ray

        per_slot = float(self.options["gpus_per_slot"])
        while True:
            await asyncio.sleep(WATCH_S)
            try:
                resources = await asyncio.to_thread(ray.cluster_resources)
            except Exception:
                continue  # the head is unreachable just now; _watch_head decides
            for _ in range(int(float(resources.get("GPU", 0.0)) // per_slot) - len(self.slots)):
                slot = _Slot(len(self.slots), self._new_actor())
                print(f"frameloom-engine: the cluster has a new GPU; starting slot {slot.index}.",
                      file=sys.stderr, flush=True)
                self._start_slot(slot)

    async def _watch_head(self, head: str) -> None:
        """Exit the process once the head's GCS port has not answered ``HEAD_MISSES`` times in a
        row: this driver can never use a cluster again once its head is gone."""
        misses = 0
        while misses < HEAD_MISSES:
            await asyncio.sleep(HEAD_PROBE_S)
            answered = await asyncio.to_thread(head_answers, head, HEAD_PROBE_S)
            misses = 0 if answered else misses + 1
        print(f"frameloom-engine: the Ray head at {head} stopped answering; the cluster driver "
              "exits.", file=sys.stderr, flush=True)
        os._exit(3)  # ray.shutdown() would wait on the head that is gone

    async def _run(self, command: dict[str, Any]) -> None:
        """Run one job on its slot's actor, relaying its reports; one closing message."""
        import ray

        job_id, slot = str(command["job_id"]), self.slots[int(command["slot"])]
        actor, slot.job = slot.actor, job_id
        closing: dict[str, Any]
        try:
            run = asyncio.ensure_future(_result(actor.run.remote(
                job_id, command["request"], command["inputs"], command["output_name"],
                command["preview_every_s"])))
            while not run.done():
                await asyncio.wait({run}, timeout=float(self.options["poll_s"]))
                if not run.done():
                    await self._drain(actor, job_id)
            try:
                final = run.result()
                for report in final.pop("streamed", ()):
                    self.send({"ev": "report", "job_id": job_id, "report": report})
                closing = {"ev": "final", "report": final}
            except ray.exceptions.RayActorError as exc:
                await self._head_settled()
                if slot.actor is actor:  # a new actor takes the slot
                    self.send({"ev": "slot_down", "slot": slot.index})
                    slot.actor = self._new_actor()
                    self._start_slot(slot)
                closing = {"ev": "lost", "reason": sentence(exc)}
            except ray.exceptions.RayError as exc:
                closing = {"ev": "error", "reason": sentence(exc)}
        finally:
            if slot.job == job_id:
                slot.job = None
        self.send({**closing, "job_id": job_id, "slot": slot.index})

    async def _head_settled(self) -> None:
        """Return once the head answers; while it does not, _watch_head is about to end the
        process, and the engine then queues the job again without counting the actor lost."""
        for _ in range(2 * HEAD_MISSES + 2):
            await asyncio.sleep(HEAD_PROBE_S)  # a head going down takes its actors first
            if await asyncio.to_thread(head_answers, self.head, HEAD_PROBE_S):
                return

    async def _drain(self, actor: Any, job_id: str) -> None:
        """Relay the actor's progress and previews so far (a dead actor has none to give)."""
        try:
            reports = await _result(actor.drain.remote())
        except Exception:
            return  # the run's own result says what happened
        for report in reports:
            self.send({"ev": "report", "job_id": job_id, "report": report})

    async def _cancel(self, job_id: str) -> None:
        """Raise the job's cancel flag on its actor; kill the actor if the step outlasts the
        grace (a new one takes the slot)."""
        import ray

        slot = next((s for s in self.slots if s.job == job_id), None)
        if slot is None:
            return
        actor = slot.actor
        try:
            await _result(actor.cancel.remote(job_id))
        except ray.exceptions.RayActorError:
            return  # already gone: the run's result settles the job
        grace = float(self.options["cancel_grace_s"])
        await asyncio.sleep(grace)
        if slot.job == job_id and slot.actor is actor:
            print(f"frameloom-engine: job {job_id} did not stop within {grace:g} s of being "
                  "cancelled; killing its cluster actor.", file=sys.stderr, flush=True)
            ray.kill(actor, no_restart=True)


async def _result(ref: Any) -> Any:
    """Await a Ray object ref from asyncio without blocking the loop."""
    return await asyncio.wrap_future(ref.future())


def _read_commands(stream: BinaryIO, loop: asyncio.AbstractEventLoop,
                   commands: asyncio.Queue[dict[str, Any] | None]) -> None:
    """Pass the engine's messages to the loop; None once the engine has closed the pipe."""
    while True:
        message = read_frame(stream)
        loop.call_soon_threadsafe(commands.put_nowait, message)
        if message is None:
            return


def main() -> int:
    """Run the driver on this process's stdin and stdout; stray prints go to stderr."""
    inbox = os.fdopen(os.dup(0), "rb")
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # so nothing but messages reaches the engine's end of the pipe
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        with lock:
            outbox.write(frame(message))
            outbox.flush()

    options = read_frame(inbox)
    if options is None:
        return 0

    async def run() -> int:
        commands: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        threading.Thread(target=_read_commands, args=(inbox, loop, commands),
                         daemon=True).start()
        return await Driver(options, send).main(commands)

    code = asyncio.run(run())
    sys.stderr.flush()
    os._exit(code)  # Ray's exit hooks can wait on a cluster that is going away


if __name__ == "__main__":
    sys.exit(main())
