"""The engine's log file: everything the engine and its worker write to stderr, kept on disk too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from engine.paths import log_path

MAX_BYTES = 5 << 20  # one old log is kept beside the current one


class _Tee:
    """A text stream writing to the terminal's stderr and to the log file.

    A console that has gone (the pipe of a studio that was killed) is dropped, and the log
    file goes on: the engine must still be able to say why it stops.
    """

    def __init__(self, console: TextIO, file: TextIO) -> None:
        self._console: TextIO | None = console
        self._file = file

    def write(self, text: str) -> int:
        self._file.write(text)
        self._file.flush()  # a crash must not eat the last lines, which explain it
        if self._console is not None:
            try:
                self._console.write(text)
                self._console.flush()
            except OSError:  # a broken pipe: whoever read it is gone
                self._console = None
        return len(text)

    def flush(self) -> None:
        if self._console is not None:
            try:
                self._console.flush()
            except OSError:
                self._console = None
        self._file.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._console if self._console is not None else self._file, name)


def tee_stderr() -> Path:
    """Copy this process's stderr to :func:`log_path` from now on; returns the log's path.

    A log over 5 MiB is moved to ``engine.log.1`` first, replacing the older one.
    """
    path = log_path()
    if path.exists() and path.stat().st_size > MAX_BYTES:
        path.replace(path.with_name(path.name + ".1"))
    handle = open(path, "a", encoding="utf-8", errors="replace")  # noqa: SIM115 - lives on
    sys.stderr = _Tee(sys.stderr, handle)
    return path
