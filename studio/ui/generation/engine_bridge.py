"""The one Qt adapter over ``studio.engine_link``: engine events become signals on the GUI thread.

It runs on the asyncio loop that qasync drives from Qt's event loop, so every signal is emitted
on the GUI thread and nothing here blocks it. Widgets never touch the transport: they call
:meth:`EngineBridge.submit` and friends and follow the signals.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.protocol import GenerationRequest, Heartbeat, OperationSpec
from studio.engine_link import (
    EngineClient,
    EngineError,
    EngineSupervisor,
    EngineUnavailable,
    JobBoard,
    SupervisorStatus,
)
from studio.engine_link.tasks import cancel_and_wait

__all__ = ["EngineBridge"]


class EngineBridge(QObject):
    """Keeps the engine running, the job board current and the studio's requests flowing.

    Signals
    -------
    status_changed(state, sentence)
        ``starting``, ``running``, ``restarting``, ``failed`` or ``stopped``, with a sentence
        for the status bar (the engine's own last words when it could not be kept running).
    job_changed(JobView), job_removed(job_id), order_changed()
        The job board changed.
    take_ready(JobView)
        A job is done and its video is in place: the caller adds it as a take (an undo command),
        skipping job ids it already has.
    request_failed(sentence)
        A request (submit, cancel, ...) was refused or could not be sent.
    cluster_changed(state, waiting)
        The engine's Ray cluster (heartbeats): ``connected``, ``connecting`` or
        ``unreachable`` (its head is gone; jobs wait), "" for the engine's own worker, with
        the number of queued jobs while it is unreachable (else 0); emitted on a change.
    models_changed(list)
        The records of the models the engine can run (``id``, ``defaults`` with the size each
        makes by default, what each can do and needs, whether it fits the GPU: see
        :mod:`engine.protocol.models`), read each time it (re)connects, and again when a
        heartbeat first names the GPU's memory (the engine's worker may report it only after
        the first read, and whether a model fits depends on it), and after a LoRA is added.
    lora_added(model_id, name)
        A LoRA file was added to a model (:meth:`add_lora`).
    """

    status_changed = Signal(str, str)
    job_changed = Signal(object)
    job_removed = Signal(str)
    order_changed = Signal()
    take_ready = Signal(object)
    request_failed = Signal(str)
    models_changed = Signal(list)
    cluster_changed = Signal(str, int)
    lora_added = Signal(str, str)

    def __init__(self, supervisor: EngineSupervisor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.supervisor = supervisor
        self.board = JobBoard()
        self.board.job_changed.connect(self.job_changed.emit)
        self.board.job_removed.connect(self.job_removed.emit)
        self.board.order_changed.connect(self.order_changed.emit)
        self.board.take_ready.connect(self.take_ready.emit)
        supervisor.on_status = self._status
        self._client: EngineClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._requests: set[asyncio.Task[Any]] = set()
        self._models_gpu: int | None = None  # the GPU memory the model records knew of
        self._cluster: tuple[str, int] = ("", 0)  # the cluster state last emitted
        self.ready = asyncio.Event()  # set once the board holds the engine's jobs

    def _status(self, status: SupervisorStatus) -> None:
        sentence = {"starting": "Starting the engine.", "running": "The engine is ready.",
                    "stopped": "The engine is stopped."}.get(status.state, "")
        if status.state == "restarting":
            sentence = (f"The engine stopped ({status.reason}); restarting it in "
                        f"{status.delay or 0:.1f} s.")
        elif status.state == "failed":
            sentence = status.reason or "The engine could not be started."
        self.status_changed.emit(status.state, sentence)

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Start (or adopt) the engine and follow its jobs until :meth:`stop`."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._follow())
        return self._task

    async def _follow(self) -> None:
        try:
            await self.supervisor.start()
            while True:
                client = await self.supervisor.connect()
                self._client = client
                try:
                    # Re-read everything first: after a restart, interrupted jobs show as such.
                    self.board.load(await client.list_jobs(), client.engine_last_seq)
                    self._models_gpu = None
                    self.models_changed.emit(await client.list_models())
                    self.ready.set()
                    async for event in client.events(self.board.last_seq):
                        self.board.apply(event)
                        if isinstance(event, Heartbeat):
                            self.note_cluster(event)
                        if isinstance(event, Heartbeat) and event.vram_total is not None \
                                and event.vram_total != self._models_gpu:
                            self._models_gpu = event.vram_total
                            self._request(self._read_models)
                except EngineUnavailable:
                    pass  # the engine went away; the supervisor is bringing it back
                finally:
                    self.ready.clear()
                    self._client = None
                    await client.close()
                await self.supervisor.wait_running()
        except EngineUnavailable:
            return  # given up: the supervisor already reported "failed" with the reason

    def note_cluster(self, beat: Heartbeat) -> None:
        """Emit ``cluster_changed`` when a heartbeat's cluster state (or, while it is
        unreachable, the number of jobs waiting) differs from the last one emitted."""
        waiting = beat.queue_length if beat.cluster == "unreachable" else 0
        cluster = (beat.cluster or "", waiting)
        if cluster != self._cluster:
            self._cluster = cluster
            self.cluster_changed.emit(*cluster)

    async def stop(self) -> None:
        """Stop following and stop the engine this studio started."""
        if self._task is not None:
            await cancel_and_wait(self._task)
        for task in list(self._requests):
            task.cancel()
        await self.supervisor.stop()

    # -- requests ------------------------------------------------------------------------------

    def submit(self, job_id: str, request: GenerationRequest, *,
               requeue_if_interrupted: bool = True,
               operation: OperationSpec | None = None) -> asyncio.Task[Any]:
        """Queue a job (idempotent per job id); a refusal arrives as ``request_failed``."""
        return self._request(lambda c: c.submit(job_id, request, operation=operation,
                                                requeue_if_interrupted=requeue_if_interrupted))

    def cancel(self, job_id: str) -> asyncio.Task[Any]:
        """Cancel a queued or running job."""
        return self._request(lambda c: c.cancel(job_id))

    def add_lora(self, model_id: str, path: str) -> asyncio.Task[Any]:
        """Add a LoRA file to a model; ``lora_added`` (and the models read again) follow, or a
        refusal as ``request_failed``."""
        async def add(client: EngineClient) -> None:
            added = await client.add_lora(model_id, path)
            self.lora_added.emit(str(added["model_id"]), str(added["name"]))
            await self._read_models(client)

        return self._request(add)

    def reorder(self, job_ids: Sequence[str]) -> asyncio.Task[Any]:
        """Put these queued jobs first, in this order."""
        return self._request(lambda c: c.reorder(list(job_ids)))

    def remove(self, job_id: str) -> asyncio.Task[Any]:
        """Remove a finished or queued job from the list."""
        return self._request(lambda c: c.remove(job_id))

    async def _read_models(self, client: EngineClient) -> None:
        self.models_changed.emit(await client.list_models())

    def _request(self, call: Any) -> asyncio.Task[Any]:
        async def run() -> Any:
            client = self._client
            if client is None:
                self.request_failed.emit("The engine is not ready yet; try again in a moment.")
                return None
            try:
                return await call(client)
            except EngineError as exc:
                self.request_failed.emit(str(exc))
                return None

        task = asyncio.get_running_loop().create_task(run())
        self._requests.add(task)
        task.add_done_callback(self._requests.discard)
        return task
