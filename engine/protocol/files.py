"""The durable file writes both processes share: a temp file beside the target, fsynced, renamed
over it, the folder fsynced, and the temp removed on failure (standard library only)."""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_path(folder: Path, prefix: str, suffix: str = TEMP_SUFFIX) -> Path:
    """A new hidden name ``.<prefix>-<random><suffix>`` in ``folder`` (not created).

    The temp file lies in the target's folder so that the rename is on one file system, hence
    atomic; :func:`remove_stale_temps` finds the ones a crash left behind by their prefix.
    """
    return folder / f".{prefix}-{secrets.token_hex(6)}{suffix}"


def _create(path: Path, mode: int) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable, where the OS lets a folder be opened (not Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; NTFS journals the rename itself
    with contextlib.suppress(OSError):
        os.fsync(fd)
    os.close(fd)


def atomic_write(target: Path, data: bytes, prefix: str,
                 before: Callable[[Path], None] | None = None, mode: int = 0o666) -> None:
    """Put ``data`` at ``target`` so that a crash leaves either the old or the new file whole.

    Parameters
    ----------
    target
        The file to create or replace.
    data
        Its new content.
    prefix
        Name of the temp file (see :func:`temp_path`), so :func:`remove_stale_temps` can find it.
    before
        Called with the temp file once it is on disk (fsynced), just before the rename.
    mode
        Permissions of the new file, less the umask (0600 for a file only this user may read).
    """
    with atomic_output(target, prefix, mode=mode) as temp:
        _write_synced(temp, data)
        if before is not None:
            before(temp)


@contextlib.contextmanager
def atomic_output(target: Path, prefix: str | None = None, suffix: str = TEMP_SUFFIX,
                  mode: int = 0o666) -> Iterator[Path]:
    """A temp path beside ``target`` for a writer that makes the file itself (an encoder, a copy).

    The temp file exists, empty, when the block starts. When the block ends normally the file is
    fsynced and renamed over ``target``; on any exception it is removed and ``target`` is left as
    it was. Checks that must pass before the file counts (a decode) belong inside the block.

    Parameters
    ----------
    target
        The file to create or replace.
    prefix
        Name of the temp file (see :func:`temp_path`); ``target``'s name by default.
    suffix
        Ending of the temp file's name, for a cleanup that looks for its own kind.
    mode
        Permissions of the new file, less the umask.
    """
    temp = temp_path(target.parent, target.name if prefix is None else prefix, suffix)
    os.close(_create(temp, mode))
    try:
        yield temp
        _fsync_file(temp)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def _fsync_file(path: Path) -> None:
    # Read-write, not read-only: Windows flushes a file only through a handle that may write.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path, prefix: str, suffix: str = TEMP_SUFFIX) -> None:
    """Delete the temp files with ``prefix`` that a crash left behind in ``folder``."""
    for temp in folder.glob(f".{glob.escape(prefix)}-*{glob.escape(suffix)}"):
        temp.unlink(missing_ok=True)
