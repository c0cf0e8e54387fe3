"""QtMediaBin: the project's media pool with thumbnails, offline media marked as such.

Rows can be dragged onto the timeline (as :data:`MEDIA_MIME`, the media ids one per line);
double-clicking a row asks for it to be added at the playhead (``add_requested``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from studio.document.model import MediaRef, Project
from studio.ui.subscriptions import Subscriptions

#: The drag-and-drop type of media pool entries: their ids, one per line (UTF-8).
MEDIA_MIME = "application/x-frameloom-media"
ICON = QSize(80, 45)

Thumb = Callable[[str, int, tuple[int, int]], QPixmap | None]


class QtMediaBin(QListWidget):
    """One row per still or clip of ``project.media``, following ``media_changed``.

    Signals
    -------
    add_requested(list)
        Media ids the user double-clicked, to be put on the timeline.
    """

    add_requested = Signal(list)

    def __init__(self, project: Project, media_status: Mapping[str, str],
                 parent: QWidget | None = None, *, thumb: Thumb | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.media_status = media_status
        self.thumb = thumb
        self.setObjectName("media")
        self.setIconSize(ICON)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.subscriptions = Subscriptions()
        self.subscriptions.connect(project.events.media_changed, self._on_media)
        self.itemDoubleClicked.connect(
            lambda row: self.add_requested.emit([row.data(Qt.ItemDataRole.UserRole)]))
        #: "Add to Timeline", first in the bin's context menu: the selected rows at the playhead.
        self.add_action = QAction("&Add to Timeline", self)
        self.add_action.setToolTip("Put the selected media on the timeline at the playhead")
        self.add_action.triggered.connect(self._add_selected)
        self.addAction(self.add_action)
        for media_id in project.media:
            self._on_media(media_id, None, project.media[media_id])

    def _add_selected(self) -> None:
        ids = [row.data(Qt.ItemDataRole.UserRole) for row in self.selectedItems()]
        if ids:
            self.add_requested.emit(ids)

    def _row(self, media_id: str) -> QListWidgetItem | None:
        for i in range(self.count()):
            if self.item(i).data(Qt.ItemDataRole.UserRole) == media_id:
                return self.item(i)
        return None

    def _on_media(self, media_id: str, _old: MediaRef | None, new: MediaRef | None) -> None:
        row = self._row(media_id)
        if new is None:
            if row is not None:
                self.takeItem(self.row(row))
            return
        if row is None:
            row = QListWidgetItem()
            row.setData(Qt.ItemDataRole.UserRole, media_id)
            self.addItem(row)
        state = self.media_status.get(media_id, "online")
        text = f"{new.name or new.path} ({new.kind})"
        row.setText(text if state == "online" else f"{text} — {state}")
        row.setToolTip(new.path)
        self._icon(row)

    def _icon(self, row: QListWidgetItem) -> None:
        media_id = row.data(Qt.ItemDataRole.UserRole)
        if self.thumb is None or self.media_status.get(media_id, "online") != "online":
            return
        pixmap = self.thumb(media_id, 0, (ICON.width(), ICON.height()))
        if pixmap is not None:
            row.setIcon(QIcon(pixmap))

    def refresh_icons(self) -> None:
        """Show thumbnails that have arrived since."""
        for i in range(self.count()):
            if self.item(i).icon().isNull():
                self._icon(self.item(i))

    def selected_ids(self) -> list[str]:
        """Ids of the selected media, in bin order."""
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).isSelected()]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        ids = "\n".join(row.data(Qt.ItemDataRole.UserRole) for row in items)
        data.setData(MEDIA_MIME, ids.encode())
        return data

    def mimeTypes(self) -> list[str]:
        return [MEDIA_MIME]

    def detach(self) -> None:
        """Stop following the document."""
        self.subscriptions.clear()
