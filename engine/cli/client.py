"""A small blocking client of the running engine, for the ``frameloom-engine`` command line."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine import protocol as p


class ControlError(Exception):
    """The engine refused a request or cannot be reached; one sentence, and a hint if any."""

    def __init__(self, message: str, hint: str | None = None, code: str = "") -> None:
        super().__init__(message if not hint else f"{message} {hint}")
        self.code = code


class Control:
    """One authenticated connection to the engine; use as a context manager.

    Parameters
    ----------
    folder
        The runtime folder; :func:`engine.protocol.default_runtime_dir` when None.
    timeout
        Seconds to wait for a reply (None waits for ever, as ``--wait`` does for events).
    """

    def __init__(self, folder: Path | None = None, timeout: float | None = 30.0) -> None:
        folder = folder or p.default_runtime_dir()
        self._ids = (f"c{n}" for n in itertools.count(1))
        tcp = p.use_tcp()
        self._sock = socket.socket(socket.AF_INET if tcp else socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            token = (folder / p.TOKEN_NAME).read_text(encoding="utf-8").strip()
            self._sock.settimeout(timeout)
            self._sock.connect((p.LOOPBACK, p.read_port(folder)) if tcp
                               else str(folder / p.SOCKET_NAME))
        except (OSError, ValueError):
            self._sock.close()
            raise ControlError("The engine is not running.",
                               "Start it with `frameloom-engine serve`.", "unavailable") from None
        self._file = self._sock.makefile("rb")
        self.hello = self.request(p.Hello(id="hello", token=token, client="frameloom-engine cli"))
        self._pending: list[p.Message] = []

    def close(self) -> None:
        """Close the connection."""
        self._file.close()
        self._sock.close()

    def __enter__(self) -> Control:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def next_id(self) -> str:
        """A fresh request id."""
        return next(self._ids)

    def _read(self) -> p.Message:
        try:
            line = self._file.readline(p.MAX_LINE_BYTES + 1)
        except OSError as exc:
            raise ControlError(f"The engine stopped answering ({exc}).",
                               "Check it with `frameloom-engine status`.", "unavailable") from None
        if not line:
            raise ControlError("The engine closed the connection.",
                               "Check it with `frameloom-engine status`.", "unavailable")
        return p.decode(line)

    def request(self, message: p.Message) -> dict[str, Any]:
        """Send a request and return its reply's data; events read meanwhile are kept.

        Raises
        ------
        ControlError
            For an error reply (its message and hint) or a lost connection.
        """
        try:
            self._sock.sendall(p.encode(message))
        except OSError as exc:
            raise ControlError(f"The engine cannot be reached ({exc}).",
                               "Check it with `frameloom-engine status`.", "unavailable") from None
        want = getattr(message, "id", None)
        while True:
            reply = self._read()
            if isinstance(reply, (p.Ok, p.Error)) and reply.reply_to == want:
                if isinstance(reply, p.Error):
                    raise ControlError(reply.message, reply.hint, reply.code)
                return reply.data
            if hasattr(self, "_pending"):
                self._pending.append(reply)

    def events(self, since_seq: int = 0) -> Iterator[p.Message]:
        """Subscribe and yield events (and heartbeats) for as long as the caller reads."""
        self.request(p.Subscribe(id=self.next_id(), since_seq=since_seq))
        while self._pending:
            yield self._pending.pop(0)
        while True:
            yield self._read()
