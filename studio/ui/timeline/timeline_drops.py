"""What a drop on the timeline carries: media ids dragged from the bin, or files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData

from studio.ui.docks.media_bin import MEDIA_MIME


def droppable(data: QMimeData) -> bool:
    """Whether the timeline takes a drop of ``data`` (media from the bin, or files)."""
    return data.hasFormat(MEDIA_MIME) or data.hasUrls()


def dropped(data: QMimeData) -> tuple[list[str], list[Path]]:
    """``(media ids, local files)`` that ``data`` carries; bin media win over files."""
    if data.hasFormat(MEDIA_MIME):
        return bytes(data.data(MEDIA_MIME).data()).decode().split(), []
    if data.hasUrls():
        return [], [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]
    return [], []
