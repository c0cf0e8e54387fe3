"""Thumbnails for the media bin and the timeline, made off the GUI thread.

:class:`QtThumbnails` asks :class:`studio.media.thumbnails.ThumbnailService` (one background
thread, a content-addressed disk cache) and keeps the QPixmaps it has loaded; a thumbnail not
made yet is None now and ``changed`` is emitted when it arrives, so views repaint then.
:class:`ItemThumbnails` knows the project: which file and frame an item shows at an offset.
"""

from __future__ import annotations

from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QPixmap

from studio.document.model import Clip, Fingerprint, Generated, Item, Project, Still, Take
from studio.document.persistence import resolve_media_path
from studio.errors import StudioError
from studio.media.thumbnails import ThumbnailService
from studio.ui.workers import threads

Key = tuple[str, int, int, int]  # digest, frame, width, height
MAX_PIXMAPS = 4000


class QtThumbnails(QObject):
    """Thumbnail pixmaps by (file fingerprint, frame, size), loaded as they are made.

    Signals
    -------
    changed()
        New thumbnails are ready.
    """

    changed = Signal()

    def __init__(self, service: ThumbnailService | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service or ThumbnailService()
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._pending: set[Key] = set()
        self._failed: set[str] = set()  # digests of files that cannot be read
        self._closed = False
        threads.install()

    def get(self, path: Path, fingerprint: Fingerprint, frame: int,
            size: tuple[int, int]) -> QPixmap | None:
        """The thumbnail of ``frame`` of ``path`` at ``size``, or None until it is made."""
        key = (fingerprint.digest, frame, *size)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if self._closed or key in self._pending or fingerprint.digest in self._failed:
            return None
        self._pending.add(key)
        future = self.service.request(path, fingerprint, [frame], size)
        if future.done():  # on disk already: load it now (the caller gets it, no signal)
            self._on_arrived(key, future, notify=False)
            return self._pixmaps.get(key)
        future.add_done_callback(
            threads.on_gui(self, lambda me, done: me._on_arrived(key, done)))
        return None

    def _on_arrived(self, key: Key, future: Future[list[Path]], notify: bool = True) -> None:
        self._pending.discard(key)
        if future.cancelled():
            return  # shut down before it was made
        try:
            [path] = future.result()
        except (StudioError, OSError):
            self._failed.add(key[0])  # offline or unreadable: the card shows without one
            return
        pixmap = QPixmap(str(path))
        if pixmap.isNull():
            return
        self._pixmaps[key] = pixmap
        if len(self._pixmaps) > MAX_PIXMAPS:
            self._pixmaps.popitem(last=False)
        if notify:
            self.changed.emit()

    @property
    def idle(self) -> bool:
        """Whether every thumbnail asked for has arrived (or failed)."""
        return not self._pending

    def shutdown(self) -> None:
        """Stop making thumbnails (queued ones are dropped)."""
        self._closed = True
        self.service.shutdown(wait=False)


class ItemThumbnails:
    """What a timeline item or media pool entry looks like at a frame, from the project."""

    def __init__(self, thumbnails: QtThumbnails, project: Project, folder: Path) -> None:
        self.thumbnails, self.project, self.folder = thumbnails, project, folder
        self._take_prints: dict[Path, Fingerprint | None] = {}

    def media(self, media_id: str, frame: int, size: tuple[int, int]) -> QPixmap | None:
        """Frame ``frame`` (the media's own) of a pool entry; None for an audio file."""
        media = self.project.media.get(media_id)
        if media is None or media.kind == "audio":
            return None
        return self.thumbnails.get(resolve_media_path(self.folder, media), media.fingerprint,
                                   frame, size)

    def item(self, item: Item, offset: int, size: tuple[int, int]) -> QPixmap | None:
        """What ``item`` shows ``offset`` project frames after its start; None for none."""
        if isinstance(item, Still):
            return self.media(item.media_id, 0, size)
        if isinstance(item, Clip):
            media = self.project.media.get(item.media_id)
            if media is None:
                return None
            frame = media.own_frame(item.source.start + offset, self.project.rate)
            return self.media(item.media_id, frame, size)
        if isinstance(item, Generated):
            take = item.generation.active_take
            if take is None:
                return None
            return self.take(take, item.source.start + offset, size)
        return None

    def take(self, take: Take, frame: int, size: tuple[int, int]) -> QPixmap | None:
        """Frame ``frame`` of a finished take's video; None until made, or for no video."""
        if take.status != "done":
            return None
        path = resolve_media_path(self.folder, take.path)
        fingerprint = self._take_print(path)
        if fingerprint is None:
            return None
        return self.thumbnails.get(path, fingerprint, frame, size)

    def _take_print(self, path: Path) -> Fingerprint | None:
        # Takes in takes/ are named by their content hash; elsewhere (an untitled project's
        # engine output) the path, size and time stand in for it.
        if path not in self._take_prints:
            try:
                stat = path.stat()
            except OSError:
                self._take_prints[path] = None
            else:
                self._take_prints[path] = Fingerprint(
                    size=stat.st_size, digest=f"take:{path}:{stat.st_size}:{stat.st_mtime_ns}")
        return self._take_prints[path]
