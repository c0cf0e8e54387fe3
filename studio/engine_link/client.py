"""The studio's asyncio client of the engine: replies matched to requests, events resumed by seq.

The socket itself (the hello, sending, reading lines) is :mod:`.connection`; this module keeps
one alive, reconnecting when it drops, and offers the requests and the event stream on it.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from engine.protocol import (
    AddLora,
    Cancel,
    Error,
    GenerationRequest,
    GetJob,
    Heartbeat,
    ListJobs,
    ListModels,
    Message,
    Ok,
    OperationSpec,
    Remove,
    Reorder,
    Shutdown,
    Submit,
    Subscribe,
    default_runtime_dir,
)
from studio.engine_link.backoff import Backoff
from studio.engine_link.connection import Connection, gone, open_connection, read_messages
from studio.engine_link.errors import EngineUnavailable

__all__ = ["EngineClient"]


@dataclass(frozen=True)
class _Dropped:
    """Queued behind a connection's last event when it ends."""

    connection: Connection


_CLOSED = object()  # queued by close(): an events() iteration ends quietly


class EngineClient:
    """One connection to the engine, reconnected when it drops.

    Build it with :meth:`connect`. One reader task reads every line: replies complete the
    request that named them, events go to :meth:`events`. Requests made while the connection
    is down reconnect first (``reconnect_attempts`` tries with doubling delays); a request in
    flight when the connection drops raises :class:`EngineUnavailable` rather than being resent.

    Attributes
    ----------
    last_seq
        The ``seq`` of the newest event :meth:`events` has yielded.
    engine_version, engine_last_seq
        From the current connection's hello reply: the engine's version and its newest
        logged event's ``seq`` at that moment.
    last_heard
        ``loop.time()`` when the engine last sent anything (a reply, event or heartbeat).
    """

    def __init__(self, runtime_dir: Path, *, client: str = "frameloom-studio",
                 timeout: float = 5.0, reconnect_attempts: int = 8,
                 reconnect_delay: float = 0.2, reconnect_max_delay: float = 2.0) -> None:
        self.runtime_dir = runtime_dir
        self.client = client
        self.timeout = timeout
        self.reconnect_attempts = reconnect_attempts
        self.reconnect_backoff = Backoff(reconnect_delay, reconnect_max_delay)
        self.last_seq = 0
        self.engine_version = ""
        self.engine_last_seq = 0
        self.last_heard = 0.0
        self._ids = itertools.count(1)
        self._connection: Connection | None = None
        self._lock = asyncio.Lock()
        self._events: asyncio.Queue[object] = asyncio.Queue()
        self._iterating = False
        self._closed = False

    @classmethod
    async def connect(cls, runtime_dir: Path | None = None, *, client: str = "frameloom-studio",
                      timeout: float = 5.0, reconnect_attempts: int = 8,
                      reconnect_delay: float = 0.2,
                      reconnect_max_delay: float = 2.0) -> EngineClient:
        """Connect and present the token; raises :class:`EngineUnavailable` if that fails.

        Parameters
        ----------
        runtime_dir
            The folder holding the engine's socket and token; ``default_runtime_dir()`` if None.
        client
            A name for the engine's log.
        timeout
            Seconds to wait for the socket and the hello reply.
        reconnect_attempts
            Connection attempts after a drop before giving up; 0 never reconnects.
        reconnect_delay, reconnect_max_delay
            The wait before the second attempt, doubling up to the maximum.
        """
        self = cls(default_runtime_dir() if runtime_dir is None else runtime_dir,
                   client=client, timeout=timeout, reconnect_attempts=reconnect_attempts,
                   reconnect_delay=reconnect_delay, reconnect_max_delay=reconnect_max_delay)
        self._connection = await self._open()
        return self

    def next_id(self) -> str:
        """A request id not used before on this client."""
        return str(next(self._ids))

    # --- connection --------------------------------------------------------------------------

    async def _open(self) -> Connection:
        connection = await open_connection(self.runtime_dir, client=self.client,
                                           timeout=self.timeout, next_id=self.next_id)
        reply = connection.hello
        self.engine_version = str(reply.data.get("engine_version", ""))
        last_seq = reply.data.get("last_seq", 0)
        self.engine_last_seq = last_seq if isinstance(last_seq, int) else 0
        self.last_heard = asyncio.get_running_loop().time()
        connection.task = asyncio.create_task(self._read(connection), name="engine-link-reader")
        return connection

    async def _read(self, connection: Connection) -> None:
        try:
            await read_messages(connection, functools.partial(self._dispatch, connection))
        finally:
            self._events.put_nowait(_Dropped(connection))

    def _dispatch(self, connection: Connection, message: Message) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        if isinstance(message, (Ok, Error)):
            connection.settle(message)
        elif self._iterating:
            self._events.put_nowait(message)

    async def _current(self) -> Connection:
        """The live connection, reconnecting (with backoff) if it has dropped."""
        async with self._lock:
            if self._closed:
                raise EngineUnavailable("closed", "This connection to the engine was closed.")
            connection = self._connection
            if connection is not None and connection.error is None:
                if not connection.writer.transport.is_closing():
                    return connection
                # Lost, but the reader has not run yet to say so: nothing sent now would arrive.
                connection.end(gone())
            last = connection.error if connection else None
            for attempt in range(self.reconnect_attempts):
                if attempt:
                    await asyncio.sleep(self.reconnect_backoff.delay(attempt - 1))
                try:
                    self._connection = await self._open()
                    return self._connection
                except EngineUnavailable as exc:
                    last = exc
            raise last or gone()

    # --- requests ----------------------------------------------------------------------------

    async def request(self, message: Message, *, timeout: float | None = None) -> Ok:
        """Send a request (its ``id`` from :meth:`next_id`) and return the engine's Ok.

        Raises
        ------
        EngineError
            The engine answered with an Error.
        EngineUnavailable
            The engine could not be reached, dropped the connection before answering, or did
            not answer within ``timeout`` seconds.
        """
        connection = await self._current()
        return await connection.send(message, timeout)

    async def submit(self, job_id: str, request: GenerationRequest, *,
                     requeue_if_interrupted: bool = False,
                     operation: OperationSpec | None = None) -> dict[str, Any]:
        """Queue a job (idempotent by ``job_id``); returns ``{"job", "created", "notes"}``.

        With an ``operation`` (extend, bridge, loop, long shot) the request is its base and the
        job's outputs are the take and the joined result.
        """
        reply = await self.request(Submit(id=self.next_id(), job_id=job_id, request=request,
                                          requeue_if_interrupted=requeue_if_interrupted,
                                          operation=operation))
        return reply.data

    async def cancel(self, job_id: str) -> str:
        """Cancel a job; returns ``"cancelled"`` or ``"cancelling"`` (a running job stops soon)."""
        reply = await self.request(Cancel(id=self.next_id(), job_id=job_id))
        return str(reply.data.get("state", ""))

    async def list_jobs(self) -> list[dict[str, Any]]:
        """Every job record the engine's store holds, in queue order."""
        reply = await self.request(ListJobs(id=self.next_id()))
        return list(reply.data.get("jobs", []))

    async def get_job(self, job_id: str) -> dict[str, Any]:
        """One job record; raises :class:`EngineError` ``unknown_job`` if there is none."""
        reply = await self.request(GetJob(id=self.next_id(), job_id=job_id))
        return dict(reply.data["job"])

    async def list_models(self) -> list[dict[str, Any]]:
        """The models the engine can run."""
        reply = await self.request(ListModels(id=self.next_id()))
        return list(reply.data.get("models", []))

    async def add_lora(self, model_id: str, path: str, name: str | None = None
                       ) -> dict[str, Any]:
        """Add a LoRA file to an installed model; the added LoRA's ``name`` and ``layers``.
        Raises :class:`EngineError` ``bad_lora`` with the engine's sentence when refused."""
        reply = await self.request(AddLora(id=self.next_id(), model_id=model_id, path=path,
                                           name=name))
        return dict(reply.data["lora"])

    async def reorder(self, job_ids: tuple[str, ...] | list[str]) -> None:
        """Put the named queued jobs first, in this order."""
        await self.request(Reorder(id=self.next_id(), job_ids=tuple(job_ids)))

    async def remove(self, job_id: str) -> None:
        """Remove a queued job."""
        await self.request(Remove(id=self.next_id(), job_id=job_id))

    async def shutdown(self) -> None:
        """Ask the engine to stop; it answers, then exits."""
        await self.request(Shutdown(id=self.next_id()))

    # --- events ------------------------------------------------------------------------------

    async def events(self, since_seq: int = 0) -> AsyncGenerator[Message, None]:
        """Subscribe and yield events with ``seq`` above ``since_seq``, then live ones and
        heartbeats, until :meth:`close`.

        A dropped connection is reconnected and resubscribed after :attr:`last_seq`, so no
        event is missed or yielded twice. One iteration at a time per client.

        Raises
        ------
        EngineUnavailable
            The engine could not be reached again after the connection dropped.
        """
        if self._iterating:
            raise RuntimeError("events() is already being iterated on this client.")
        self._iterating = True
        self.last_seq = since_seq
        while not self._events.empty():  # leftovers of an earlier iteration
            self._events.get_nowait()
        try:
            while True:
                connection = await self._current()
                try:
                    await connection.send(Subscribe(id=self.next_id(), since_seq=self.last_seq),
                                          self.timeout)
                except EngineUnavailable:
                    if self._closed:
                        return
                    continue  # the drop is seen by _current(), which reconnects or gives up
                while True:
                    item = await self._events.get()
                    if item is _CLOSED:
                        return
                    if isinstance(item, _Dropped):
                        if item.connection is connection:
                            break
                        continue
                    assert isinstance(item, Message)
                    if not isinstance(item, Heartbeat):
                        seq = getattr(item, "seq", None)
                        if isinstance(seq, int):
                            if seq <= self.last_seq:
                                continue  # replayed after a resubscribe: yielded already
                            self.last_seq = seq
                    yield item
                if self._closed:
                    return
        finally:
            self._iterating = False

    # --- closing -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection; requests in flight raise, and :meth:`events` ends."""
        self._closed = True
        connection = self._connection
        if connection is not None:
            connection.end(EngineUnavailable("closed", "This connection to the engine was "
                                                       "closed."))
            if connection.task is not None:
                connection.task.cancel()
                try:
                    await connection.task
                except asyncio.CancelledError:
                    pass
            try:
                await connection.writer.wait_closed()
            except OSError:
                pass
        self._events.put_nowait(_CLOSED)

    async def __aenter__(self) -> EngineClient:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        traceback: TracebackType | None) -> None:
        await self.close()
