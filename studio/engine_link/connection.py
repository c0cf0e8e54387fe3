"""One authenticated socket to the engine: opening it with the hello, sending requests and reading
its lines, with failures as :class:`EngineUnavailable` in words for the user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine.protocol import (
    LOOPBACK,
    MAX_LINE_BYTES,
    TOKEN_NAME,
    Error,
    Hello,
    Message,
    Ok,
    ProtocolError,
    decode,
    encode,
    endpoint_file,
    read_port,
    use_tcp,
)
from studio.engine_link.errors import EngineError, EngineUnavailable

__all__ = ["Connection", "gone", "open_connection", "read_messages"]

log = logging.getLogger(__name__)

# The stream's limit counts the newline and whatever sits in the buffer behind a full line.
LINE_LIMIT = MAX_LINE_BYTES + 64 * 1024
START_HINT = "Start it with `frameloom-engine serve`, or restart the studio."


def gone(message: str = "The engine closed the connection.") -> EngineUnavailable:
    """The error for a connection that ended: ``message`` says how."""
    return EngineUnavailable("disconnected", message,
                             "It may have stopped or restarted; try again once it is back.")


@dataclass(eq=False)
class Connection:
    """One authenticated socket; ``error`` is set once it has ended, for good.

    Attributes
    ----------
    hello
        The engine's reply to the hello.
    pending
        Requests sent and not yet answered, by id.
    task
        The task reading this socket (see :func:`read_messages`), set by its owner.
    """

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

    def settle(self, reply: Ok | Error) -> None:
        """Complete the request ``reply`` answers (a reply to nothing is logged and dropped)."""
        if reply.reply_to is None:
            assert isinstance(reply, Error)
            log.warning("The engine could not read a request: %s", reply.message)
            return
        future = self.pending.pop(reply.reply_to, None)
        if future is not None and not future.done():
            future.set_result(reply)
        else:
            log.warning("Ignored a reply to unknown request %r.", reply.reply_to)

    async def send(self, message: Message, timeout: float | None) -> Ok:
        """Send a request and wait for its Ok; the reader task must be running.

        Raises
        ------
        EngineError
            The engine answered with an Error.
        EngineUnavailable
            The connection broke or ended before the answer, or none came within ``timeout``.
        """
        request_id = getattr(message, "id", None)
        if not isinstance(request_id, str):
            raise TypeError(f"{type(message).__name__} is not a request: it has no id.")
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        try:
            self.writer.write(encode(message))
            async with asyncio.timeout(timeout):
                await self.writer.drain()
                reply = await future
        except TimeoutError:
            raise EngineUnavailable(
                "timeout", f"The engine did not answer a {message.TYPE} request within "
                f"{timeout:g} s.", "It may be stuck; restart it if this goes on.") from None
        except OSError as exc:
            self.end(gone(f"The connection to the engine broke ({exc.strerror or exc})."))
            raise self.error or gone() from None
        finally:
            self.pending.pop(request_id, None)
        if isinstance(reply, Error):
            raise EngineError(reply.code, reply.message, reply.hint)
        assert isinstance(reply, Ok)
        return reply


async def open_connection(runtime_dir: Path, *, client: str, timeout: float,
                          next_id: Callable[[], str]) -> Connection:
    """Connect to the engine in ``runtime_dir`` and present its token in a hello.

    Parameters
    ----------
    runtime_dir
        The folder holding the engine's socket (or port file) and token.
    client
        A name for the engine's log.
    timeout
        Seconds to wait for the socket and the hello reply.
    next_id
        Gives the hello's request id.

    Returns
    -------
    Connection
        The connection, with no reader task yet.

    Raises
    ------
    EngineUnavailable
        Saying why: not running, no token, refused, timed out or an unreadable reply.
    """
    socket = endpoint_file(runtime_dir)
    token = _read_token(runtime_dir, socket)
    try:
        async with asyncio.timeout(timeout):
            if use_tcp():  # Windows, or FRAMELOOM_ENGINE_TRANSPORT=tcp: loopback + token
                reader, writer = await asyncio.open_connection(
                    LOOPBACK, read_port(runtime_dir), limit=LINE_LIMIT)
            else:
                reader, writer = await asyncio.open_unix_connection(socket, limit=LINE_LIMIT)
            try:
                hello = Hello(id=next_id(), token=token, client=client)
                writer.write(encode(hello))
                await writer.drain()
                reply = await _hello_reply(reader, hello.id, runtime_dir)
            except BaseException:
                writer.close()
                raise
    except TimeoutError:
        raise EngineUnavailable(
            "timeout", f"The engine did not answer within {timeout:g} s.",
            "It may still be starting; try again, or restart it.") from None
    except FileNotFoundError:
        raise _not_running(socket) from None
    except ConnectionRefusedError:
        raise EngineUnavailable(
            "not_running", f"The engine is not running (its socket {socket} is left over "
            "from an earlier run).", START_HINT) from None
    except (OSError, ValueError) as exc:
        raise gone(f"The engine's socket {socket} cannot be used "
                   f"({getattr(exc, 'strerror', None) or exc}).") from None
    return Connection(reader, writer, reply)


def _not_running(socket: Path) -> EngineUnavailable:
    return EngineUnavailable(
        "not_running", f"The engine is not running (no {socket.name} in {socket.parent}).",
        START_HINT)


def _read_token(runtime_dir: Path, socket: Path) -> str:
    path = runtime_dir / TOKEN_NAME
    if not socket.exists():
        raise _not_running(socket)
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise EngineUnavailable(
            "no_token", f"The engine's token file {path} cannot be read ({reason}).",
            "Restart the engine so that it writes a fresh one.") from None


async def _hello_reply(reader: asyncio.StreamReader, hello_id: str, runtime_dir: Path) -> Ok:
    line = await reader.readline()
    if not line:
        raise gone("The engine closed the connection before answering the hello.")
    try:
        reply = decode(line)
    except ProtocolError as exc:
        raise EngineUnavailable("bad_reply", f"The engine's hello reply cannot be read "
                                f"({exc.message})", "Update the studio and the engine "
                                "together so that they speak the same protocol.") from None
    if isinstance(reply, Error):
        if reply.code == "unauthorized":
            raise EngineUnavailable(
                "unauthorized", f"The engine refused the token in {runtime_dir / TOKEN_NAME}.",
                "Restart the engine so that it writes a fresh token.")
        raise EngineUnavailable(reply.code, reply.message, reply.hint)
    if not isinstance(reply, Ok) or reply.reply_to != hello_id:
        raise EngineUnavailable("bad_reply", f"The engine answered the hello with "
                                f"{reply.TYPE!r} instead of ok.")
    return reply


async def read_messages(connection: Connection, handle: Callable[[Message], None]) -> None:
    """Pass each message the engine sends to ``handle`` until the socket ends, then end
    ``connection`` with an error that says how (unreadable lines are logged and skipped)."""
    error = gone()
    try:
        while True:
            try:
                line = await connection.reader.readline()
            except ValueError:  # a line over the limit: the rest cannot be skipped safely
                error = gone("The engine sent a line longer than the protocol allows.")
                break
            except OSError as exc:
                error = gone(f"The connection to the engine broke ({exc.strerror or exc}).")
                break
            if not line:
                break
            try:
                message = decode(line)
            except ProtocolError as exc:
                log.warning("Ignored a line from the engine: %s", exc)
                continue
            handle(message)
    finally:
        connection.end(error)
