"""Fingerprints of media files: size plus a hash of their ends, cheap enough for large videos."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .errors import DocumentError
from .model import Fingerprint

#: Bytes hashed at each end of a file; a file up to twice this size is hashed whole.
CHUNK = 1024 * 1024


class MediaReadError(DocumentError):
    """A media file could not be read to fingerprint it."""


def fingerprint_file(path: str | os.PathLike[str]) -> Fingerprint:
    """Fingerprint a file: its size and ``"sha256:<hex>"`` of its first and last MiB.

    Hashing only the ends keeps relinking fast on multi-gigabyte clips, while the size and both
    ends together still tell different recordings apart.

    Parameters
    ----------
    path
        The file to fingerprint.

    Returns
    -------
    Fingerprint
        ``size`` in bytes and the ``digest``.

    Raises
    ------
    MediaReadError
        If the file is missing, is a folder or cannot be read.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= 2 * CHUNK:
                digest.update(handle.read())
            else:
                digest.update(handle.read(CHUNK))
                handle.seek(size - CHUNK)
                digest.update(handle.read(CHUNK))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise MediaReadError(f"Cannot read the media file {Path(path)}: {reason}.") from exc
    return Fingerprint(size=size, digest="sha256:" + digest.hexdigest())
