"""A finished job's take file, stored in the project and measured for its sound, off the GUI
thread: :func:`store_with_sound` copies it (:func:`~.takes.store_take`), and for a file with
sound also probes and fingerprints it, so its sound can go in the media pool and on an audio
track (:mod:`studio.document.take_sounds`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.document.errors import DocumentError
from studio.document.fingerprint import fingerprint_file
from studio.document.model import Fingerprint, MediaRef
from studio.document.take_sounds import take_media
from studio.errors import MediaError
from studio.media.probe import probe

from .takes import store_take, take_sound


@dataclass(frozen=True, slots=True)
class StoredTake:
    """Where a take was stored (``path``, as the take records it), the sound its file carries
    (``sound``: :func:`~.takes.take_sound`'s figures, None when silent), and for a take with
    sound its file's ``fingerprint`` and ``probe``."""

    path: str
    sound: dict[str, Any] | None
    fingerprint: Fingerprint | None = None
    probe: dict[str, Any] | None = None

    def media(self, take_id: str) -> MediaRef | None:
        """The pool entry of take ``take_id``'s sound; None for a silent take (or one whose
        file could not be measured)."""
        if self.fingerprint is None or self.probe is None:
            return None
        return take_media(take_id, self.path, self.fingerprint, self.probe)


def store_with_sound(output: str | os.PathLike[str], takes: Path | None) -> StoredTake:
    """Store the job's file in the project's ``takes/`` folder (see :func:`~.takes.store_take`)
    and measure its sound. A file whose sound cannot be measured is stored silent: the take
    is still worth having.

    Raises
    ------
    GenerationSetupError
        If the engine's file is gone or cannot be copied.
    """
    path = store_take(output, takes)
    sound = take_sound(output)
    if sound is None:
        return StoredTake(path, None)
    try:
        info = probe(Path(output))
        fingerprint = fingerprint_file(Path(output))
    except (MediaError, DocumentError):
        return StoredTake(path, sound)
    return StoredTake(path, sound, fingerprint, info.to_probe())
