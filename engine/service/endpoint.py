"""The engine's files in the runtime folder: a lock (one engine per user), the token, the socket
(or, on loopback TCP, the file naming the port)."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import IO

from engine.paths import runtime_dir
from engine.protocol import PORT_NAME, SOCKET_NAME, TOKEN_NAME, use_tcp
from engine.protocol.files import atomic_write, remove_stale_temps


def _try_lock(handle: IO[str]) -> bool:
    """Take an exclusive, non-blocking lock on an open file; False if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_private(path: Path, text: str) -> None:
    """Write a file only this user can read (0600), atomically."""
    remove_stale_temps(path.parent, path.name)
    atomic_write(path, text.encode("utf-8"), path.name, mode=0o600)


LOCK_NAME = "engine.lock"
MAX_SOCKET_PATH = 107  # sun_path holds 108 bytes with the terminating NUL


class EndpointError(Exception):
    """The engine cannot take its endpoint; the message is one sentence saying what to do."""


class Endpoint:
    """The lock, token and socket of one engine; :meth:`acquire` then :meth:`release`."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self.token = ""
        self._lock: IO[str] | None = None

    @property
    def folder(self) -> Path:
        """The runtime folder (private, mode 0700)."""
        if self._folder is None:
            try:
                self._folder = runtime_dir()
            except OSError as exc:
                raise EndpointError(f"The engine cannot use its runtime folder ({exc}).") \
                    from None
        return self._folder

    @property
    def socket(self) -> Path:
        """The Unix socket clients connect to."""
        return self.folder / SOCKET_NAME

    @property
    def port_file(self) -> Path:
        """The file naming the loopback TCP port, when the engine listens on TCP."""
        return self.folder / PORT_NAME

    @property
    def token_file(self) -> Path:
        """The file (mode 0600) holding the token a client's hello must present."""
        return self.folder / TOKEN_NAME

    def acquire(self) -> None:
        """Take the lock, clear a dead engine's socket and write a fresh token.

        Raises
        ------
        EndpointError
            If another engine holds the lock, or the socket path is too long.
        """
        if not use_tcp() and len(os.fsencode(self.socket)) > MAX_SOCKET_PATH:
            raise EndpointError(f"The socket path {self.socket} is longer than the "
                                f"{MAX_SOCKET_PATH} bytes Unix sockets allow; set FRAMELOOM_HOME "
                                "to a shorter folder.")
        lock = open(self.folder / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115
        if not _try_lock(lock):
            lock.seek(0)
            pid = lock.read().strip() or "unknown"
            lock.close()
            raise EndpointError(f"Another engine is already running (pid {pid}); stop it with "
                                "`frameloom-engine stop` or use it.") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        self._lock = lock
        # The lock is ours, so a socket or port file left here belongs to an engine that died.
        self.socket.unlink(missing_ok=True)
        self.port_file.unlink(missing_ok=True)
        self.token = secrets.token_urlsafe(32)
        _write_private(self.token_file, self.token)

    def publish(self, port: int | None = None) -> None:
        """Announce the listening endpoint: the socket made private (0600), or the TCP port."""
        if port is not None:
            _write_private(self.port_file, str(port))
        else:
            self.socket.chmod(0o600)

    def release(self) -> None:
        """Remove the socket and token and let the lock go."""
        if self._lock is None:
            return
        for path in (self.socket, self.port_file, self.token_file):
            with contextlib.suppress(OSError):
                path.unlink()
        self._lock.close()  # closing the file releases its lock
        self._lock = None
