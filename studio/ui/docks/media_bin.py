"""QtMediaBin: the project's media pool as a list, offline media marked as such."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from studio.document.model import MediaRef, Project

from . import Subscriptions


class QtMediaBin(QListWidget):
    """One row per still or clip of ``project.media``, following ``media_changed``."""

    def __init__(self, project: Project, media_status: Mapping[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.media_status = media_status
        self.setObjectName("media")
        self.subscriptions = Subscriptions()
        self.subscriptions.connect(project.events.media_changed, self._on_media)
        for media_id in project.media:
            self._on_media(media_id, None, project.media[media_id])

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

    def detach(self) -> None:
        """Stop following the document."""
        self.subscriptions.clear()
