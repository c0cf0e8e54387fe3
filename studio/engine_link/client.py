"""The studio's asyncio client of the engine: replies matched to requests, events resumed by seq."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from engine.protocol import (
    LOOPBACK,
    MAX_LINE_BYTES,
    TOKEN_NAME,
    Cancel,
    Error,
    GenerationRequest,
    GetJob,
    Heartbeat,
    Hello,
    ListJobs,
    ListModels,
    Message,
    Ok,
    OperationSpec,
    ProtocolError,
    Remove,
    Reorder,
    Shutdown,
    Submit,
    Subscribe,
    decode,
    default_runtime_dir,
    encode,
    endpoint_file,
    read_port,
    use_tcp,
)
from studio.engine_link.errors import EngineError, EngineUnavailable

__all__ = ["EngineClient"]

log = logging.getLogger(__name__)

# The stream's limit counts the newline and whatever sits in the buffer behind a full line.
LINE_LIMIT = MAX_LINE_BYTES + 64 * 1024
START_HINT = "Start it with `frameloom-engine serve`, or restart the studio."


def _gone(message: str = "The engine closed the connection.") -> EngineUnavailable:
    return EngineUnavailable("disconnected", message,
                             "It may have stopped or restarted; try again once it is back.")


@dataclass(eq=False)
class _Connection:
    """One authenticated socket; ``error`` is set once it has ended, for good."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    hello: Ok
    pending: dict[str, asyncio.Future[Message]] = field(default_factory=dict)
    error: EngineUnavailable | None = None
    task: asyncio.Task[None] | None = None

    def end(self, error: EngineUnavailable) -> None:
        """Mark the connection ended, fail the requests waiting on it and close the socket."""
        if self.error is None:
            self.error = error
        for future in self.pending.values():
            if not future.done():
                future.set_exception(self.error)
        self.pending.clear()
        self.writer.close()


@dataclass(frozen=True)
class _Dropped:
    """Queued behind a connection's last event when it ends."""

    connection: _Connection


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
        self.reconnect_delay = reconnect_delay
        self.reconnect_max_delay = reconnect_max_delay
        self.last_seq = 0
        self.engine_version = ""
        self.engine_last_seq = 0
        self.last_heard = 0.0
        self._ids = itertools.count(1)
        self._connection: _Connection | None = None
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

    async def _open(self) -> _Connection:
        socket = endpoint_file(self.runtime_dir)
        token = self._read_token(socket)
        try:
            async with asyncio.timeout(self.timeout):
                if use_tcp():  # Windows, or FRAMELOOM_ENGINE_TRANSPORT=tcp: loopback + token
                    reader, writer = await asyncio.open_connection(
                        LOOPBACK, read_port(self.runtime_dir), limit=LINE_LIMIT)
                else:
                    reader, writer = await asyncio.open_unix_connection(socket, limit=LINE_LIMIT)
                try:
                    hello = Hello(id=self.next_id(), token=token, client=self.client)
                    writer.write(encode(hello))
                    await writer.drain()
                    reply = await self._hello_reply(reader, hello.id)
                except BaseException:
                    writer.close()
                    raise
        except TimeoutError:
            raise EngineUnavailable(
                "timeout", f"The engine did not answer within {self.timeout:g} s.",
                "It may still be starting; try again, or restart it.") from None
        except FileNotFoundError:
            raise self._not_running(socket) from None
        except ConnectionRefusedError:
            raise EngineUnavailable(
                "not_running", f"The engine is not running (its socket {socket} is left over "
                "from an earlier run).", START_HINT) from None
        except (OSError, ValueError) as exc:
            raise _gone(f"The engine's socket {socket} cannot be used "
                        f"({getattr(exc, 'strerror', None) or exc}).") from None
        connection = _Connection(reader, writer, reply)
        self.engine_version = str(reply.data.get("engine_version", ""))
        last_seq = reply.data.get("last_seq", 0)
        self.engine_last_seq = last_seq if isinstance(last_seq, int) else 0
        self.last_heard = asyncio.get_running_loop().time()
        connection.task = asyncio.create_task(self._read(connection), name="engine-link-reader")
        return connection

    def _not_running(self, socket: Path) -> EngineUnavailable:
        return EngineUnavailable(
            "not_running", f"The engine is not running (no {socket.name} in {socket.parent}).",
            START_HINT)

    def _read_token(self, socket: Path) -> str:
        path = self.runtime_dir / TOKEN_NAME
        if not socket.exists():
            raise self._not_running(socket)
        try:
            return path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise EngineUnavailable(
                "no_token", f"The engine's token file {path} cannot be read ({reason}).",
                "Restart the engine so that it writes a fresh one.") from None

    async def _hello_reply(self, reader: asyncio.StreamReader, hello_id: str) -> Ok:
        line = await reader.readline()
        if not line:
            raise _gone("The engine closed the connection before answering the hello.")
        try:
            reply = decode(line)
        except ProtocolError as exc:
            raise EngineUnavailable("bad_reply", f"The engine's hello reply cannot be read "
                                    f"({exc.message})", "Update the studio and the engine "
                                    "together so that they speak the same protocol.") from None
        if isinstance(reply, Error):
            if reply.code == "unauthorized":
                raise EngineUnavailable(
                    "unauthorized", f"The engine refused the token in "
                    f"{self.runtime_dir / TOKEN_NAME}.",
                    "Restart the engine so that it writes a fresh token.")
            raise EngineUnavailable(reply.code, reply.message, reply.hint)
        if not isinstance(reply, Ok) or reply.reply_to != hello_id:
            raise EngineUnavailable("bad_reply", f"The engine answered the hello with "
                                    f"{reply.TYPE!r} instead of ok.")
        return reply

    async def _read(self, connection: _Connection) -> None:
        error = _gone()
        try:
            while True:
                try:
                    line = await connection.reader.readline()
                except ValueError:  # a line over the limit: the rest cannot be skipped safely
                    error = _gone("The engine sent a line longer than the protocol allows.")
                    break
                except OSError as exc:
                    error = _gone(f"The connection to the engine broke ({exc.strerror or exc}).")
                    break
                if not line:
                    break
                try:
                    message = decode(line)
                except ProtocolError as exc:
                    log.warning("Ignored a line from the engine: %s", exc)
                    continue
                self._dispatch(connection, message)
        finally:
            connection.end(error)
            self._events.put_nowait(_Dropped(connection))

    def _dispatch(self, connection: _Connection, message: Message) -> None:
        self.last_heard = asyncio.get_running_loop().time()
        if isinstance(message, (Ok, Error)):
            if message.reply_to is None:
                assert isinstance(message, Error)
                log.warning("The engine could not read a request: %s", message.message)
                return
            future = connection.pending.pop(message.reply_to, None)
            if future is not None and not future.done():
                future.set_result(message)
            else:
                log.warning("Ignored a reply to unknown request %r.", message.reply_to)
        elif self._iterating:
            self._events.put_nowait(message)

    async def _current(self) -> _Connection:
        """The live connection, reconnecting (with backoff) if it has dropped."""
        async with self._lock:
            if self._closed:
                raise EngineUnavailable("closed", "This connection to the engine was closed.")
            connection = self._connection
            if connection is not None and connection.error is None:
                if not connection.writer.transport.is_closing():
                    return connection
                # Lost, but the reader has not run yet to say so: nothing sent now would arrive.
                connection.end(_gone())
            delay, last = self.reconnect_delay, connection.error if connection else None
            for attempt in range(self.reconnect_attempts):
                if attempt:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self.reconnect_max_delay)
                try:
                    self._connection = await self._open()
                    return self._connection
                except EngineUnavailable as exc:
                    last = exc
            raise last or _gone()

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
        return await self._send(connection, message, timeout)

    async def _send(self, connection: _Connection, message: Message,
                    timeout: float | None) -> Ok:
        request_id = getattr(message, "id", None)
        if not isinstance(request_id, str):
            raise TypeError(f"{type(message).__name__} is not a request: it has no id.")
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        connection.pending[request_id] = future
        try:
            connection.writer.write(encode(message))
            async with asyncio.timeout(timeout):
                await connection.writer.drain()
                reply = await future
        except TimeoutError:
            raise EngineUnavailable(
                "timeout", f"The engine did not answer a {message.TYPE} request within "
                f"{timeout:g} s.", "It may be stuck; restart it if this goes on.") from None
        except OSError as exc:
            connection.end(_gone(f"The connection to the engine broke "
                                 f"({exc.strerror or exc})."))
            raise connection.error or _gone() from None
        finally:
            connection.pending.pop(request_id, None)
        if isinstance(reply, Error):
            raise EngineError(reply.code, reply.message, reply.hint)
        assert isinstance(reply, Ok)
        return reply

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
                    await self._send(connection, Subscribe(id=self.next_id(),
                                                           since_seq=self.last_seq), self.timeout)
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
