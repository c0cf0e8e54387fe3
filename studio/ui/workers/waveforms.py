"""Waveforms for the timeline's audio items, from peak files made off the GUI thread.

:class:`QtWaveforms` asks :class:`studio.media.peaks.PeakService` (one background thread, a
content-addressed disk cache) for each file's peaks and keeps those it has loaded; peaks not
made yet are None now and ``changed`` is emitted when they arrive, so the timeline repaints.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.document.model import AudioItem, Project
from studio.document.persistence import resolve_media_path
from studio.errors import StudioError
from studio.media.peaks import PeakService
from studio.ui.workers import threads


class QtWaveforms(QObject):
    """Peaks of the project's sounds by media id, loaded as they are made.

    Signals
    -------
    changed()
        New peaks are ready.
    """

    changed = Signal()

    def __init__(self, project: Project, folder: Path, service: PeakService | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project, self.folder = project, folder
        self.service = service or PeakService()
        self._peaks: dict[str, np.ndarray] = {}
        self._pending: set[str] = set()
        self._failed: set[str] = set()  # digests of files without readable sound
        self._closed = False
        threads.install()

    def peaks(self, item: AudioItem) -> np.ndarray | None:
        """The peaks (uint8, :data:`studio.media.peaks.PEAK_RATE` a second) of the file under
        ``item``, from its start; None until made, or when it has no readable sound."""
        return self.media_peaks(item.media_id)

    def media_peaks(self, media_id: str) -> np.ndarray | None:
        """The peaks of pool entry ``media_id``'s file, as :meth:`peaks`."""
        media = self.project.media.get(media_id)
        if media is None:
            return None
        key = media.fingerprint.digest
        found = self._peaks.get(key)
        if found is not None or self._closed or key in self._pending or key in self._failed:
            return found
        self._pending.add(key)
        future = self.service.request(resolve_media_path(self.folder, media), media.fingerprint)
        if future.done():
            self._on_arrived(key, future, notify=False)
            return self._peaks.get(key)
        future.add_done_callback(threads.on_gui(self, lambda me, done: me._on_arrived(key, done)))
        return None

    def _on_arrived(self, key: str, future: Future[np.ndarray], notify: bool = True) -> None:
        self._pending.discard(key)
        if future.cancelled():
            return
        try:
            self._peaks[key] = future.result()
        except (StudioError, OSError):
            self._failed.add(key)  # no sound, or offline: the item shows without a waveform
            return
        if notify:
            self.changed.emit()

    @property
    def idle(self) -> bool:
        """Whether every peak file asked for has arrived (or failed)."""
        return not self._pending

    def shutdown(self) -> None:
        """Stop making peak files (queued ones are dropped)."""
        self._closed = True
        self.service.shutdown(wait=False)
