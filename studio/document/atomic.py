"""Durable file replacement: write a temp file beside the target, fsync it, rename it over."""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def write_temp(folder: Path, prefix: str, data: bytes) -> Path:
    """Write ``data`` durably to a new file ``.<prefix>-<random>.tmp`` in ``folder``.

    The temp file lies in the target's folder so that the rename is on one file system, hence
    atomic. It is created with mode 0666 less the umask, like any file the user makes.
    """
    temp = folder / f".{prefix}-{secrets.token_hex(6)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the OS lets a folder be opened (not Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; NTFS journals the rename itself
    with contextlib.suppress(OSError):
        os.fsync(fd)
    os.close(fd)


def replace(target: Path, data: bytes, prefix: str,
            before: Callable[[Path], None] | None = None) -> None:
    """Put ``data`` at ``target`` so that a crash leaves either the old or the new file whole.

    Parameters
    ----------
    target
        The file to create or replace.
    data
        Its new content.
    prefix
        Name of the temp file (see :func:`write_temp`), so :func:`remove_stale` can find it.
    before
        Called with the temp file once it is on disk, just before the rename.
    """
    temp = write_temp(target.parent, prefix, data)
    try:
        if before is not None:
            before(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def remove_stale(folder: Path, prefix: str) -> None:
    """Delete the temp files with ``prefix`` that a crash left behind in ``folder``."""
    for temp in folder.glob(f".{glob.escape(prefix)}-*.tmp"):
        temp.unlink(missing_ok=True)
