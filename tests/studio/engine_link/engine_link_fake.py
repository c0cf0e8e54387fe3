"""A throwaway engine speaking the documented protocol, to test the client's own logic.

It answers hello, subscribe, list_models, get_job (always unknown) and shutdown; any other
request gets an empty Ok, except ``reorder``, which it never answers. Tests push events with
:meth:`FakeEngine.emit` and break connections with :meth:`FakeEngine.drop_all`. Run as a script
it serves until killed (with ``--silent`` it sends no heartbeats), for supervisor tests.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from engine.protocol import (
    SOCKET_NAME,
    TOKEN_NAME,
    Error,
    GetJob,
    Heartbeat,
    Hello,
    ListModels,
    Message,
    Ok,
    ProtocolError,
    Queued,
    Reorder,
    Shutdown,
    Subscribe,
    decode,
    default_runtime_dir,
    encode,
)


class FakeEngine:
    """An in-process engine on the runtime dir's socket; an async context manager."""

    def __init__(self, runtime_dir: Path | None = None, *, heartbeat: float | None = None,
                 token: str = "secret-token", replay_all: bool = False) -> None:
        self.runtime_dir = default_runtime_dir() if runtime_dir is None else runtime_dir
        self.heartbeat = heartbeat
        self.token = token
        self.replay_all = replay_all  # misbehave: ignore since_seq and replay the whole log
        self.log: list[Message] = []
        self.subscribes: list[int] = []  # since_seq of each subscribe, in order
        self.hellos = 0
        self.shutdown = asyncio.Event()
        self._subscribers: set[asyncio.StreamWriter] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self._beat: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeEngine:
        self.runtime_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.runtime_dir / TOKEN_NAME).write_text(self.token + "\n")
        self._server = await asyncio.start_unix_server(
            self._serve, self.runtime_dir / SOCKET_NAME)
        if self.heartbeat:
            self._beat = asyncio.create_task(self._beats(self.heartbeat))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop listening, drop every connection and remove the socket."""
        if self._beat is not None:
            self._beat.cancel()
        if self._server is not None:
            self._server.close()
        self.drop_all()
        (self.runtime_dir / SOCKET_NAME).unlink(missing_ok=True)

    def drop_all(self) -> None:
        """Close every open connection, as a crashed engine would."""
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        self._subscribers.clear()

    def emit(self, job_id: str) -> Queued:
        """Log a queued event and send it to every subscriber."""
        event = Queued(seq=len(self.log) + 1, job_id=job_id, position=len(self.log))
        self.log.append(event)
        for writer in list(self._subscribers):
            writer.write(encode(event))
        return event

    async def _beats(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            for writer in list(self._subscribers):
                writer.write(encode(Heartbeat(seq=len(self.log), busy=False, queue_length=0)))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            hello = decode(await reader.readline())
            assert isinstance(hello, Hello)
            if hello.token != self.token:
                writer.write(encode(Error(reply_to=hello.id, code="unauthorized",
                                          message="The token is wrong.")))
                await writer.drain()
                return
            self.hellos += 1
            writer.write(encode(Ok(reply_to=hello.id, data={
                "engine_version": "fake", "last_seq": len(self.log)})))
            while line := await reader.readline():
                self._answer(decode(line), writer)
                await writer.drain()
        except (ConnectionError, ProtocolError):
            pass
        finally:
            self._writers.discard(writer)
            self._subscribers.discard(writer)
            writer.close()

    def _answer(self, request: Message, writer: asyncio.StreamWriter) -> None:
        request_id = request.id
        if isinstance(request, Subscribe):
            self.subscribes.append(request.since_seq)
            writer.write(encode(Ok(reply_to=request_id, data={"last_seq": len(self.log)})))
            for event in self.log[0 if self.replay_all else request.since_seq:]:
                writer.write(encode(event))
            self._subscribers.add(writer)
        elif isinstance(request, ListModels):
            writer.write(encode(Ok(reply_to=request_id, data={"models": [{"id": "fake"}]})))
        elif isinstance(request, GetJob):
            writer.write(encode(Error(reply_to=request_id, code="unknown_job",
                                      message=f"There is no job {request.job_id}.",
                                      hint="List the jobs to see which exist.")))
        elif isinstance(request, Reorder):
            pass  # never answered: lets a test drop a connection with a request in flight
        else:
            writer.write(encode(Ok(reply_to=request_id)))
            if isinstance(request, Shutdown):
                self.shutdown.set()


async def _main(silent: bool) -> None:
    async with FakeEngine(heartbeat=None if silent else 0.2) as engine:
        print("fake engine listening", file=sys.stderr, flush=True)
        await engine.shutdown.wait()


if __name__ == "__main__":
    asyncio.run(_main("--silent" in sys.argv))
