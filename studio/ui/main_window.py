"""The studio's main window; for now a read-only outline of the open project."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel, QListWidget, QListWidgetItem, QMainWindow, QSplitter, QTreeWidget, QTreeWidgetItem,
    QWidget,
)

from studio.document.model import Project, new_project
from studio.outline import frames_text, notes, rate_text, track_rows

if TYPE_CHECKING:
    from studio.document.persistence import OpenedProject

COLUMNS = ("Item", "Kind", "Start", "Duration", "Status")


class MainWindow(QMainWindow):
    """Shows one project: its tracks and items, its media pool, and notes in the status bar.

    Parameters
    ----------
    opened
        The project as :func:`studio.document.persistence.open_project` returned it, or None
        for a new, empty project.
    parent
        Optional parent widget.
    """

    def __init__(self, opened: OpenedProject | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opened = opened
        self.project: Project = opened.project if opened else new_project("Untitled")
        self.media_status: dict[str, str] = dict(opened.media_status) if opened else {}
        self.setWindowTitle(f"{self.project.name} — Frameloom")
        self.resize(960, 540)

        self.outline = QTreeWidget()
        self.outline.setObjectName("outline")
        self.outline.setHeaderLabels(COLUMNS)
        self.outline.setRootIsDecorated(True)
        self.media_list = QListWidget()
        self.media_list.setObjectName("media")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.outline)
        splitter.addWidget(self.media_list)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)

        self.duration_label = QLabel()
        self.statusBar().addPermanentWidget(self.duration_label)
        self._fill()

    def _fill(self) -> None:
        project = self.project
        for track in project.timeline.tracks:
            top = QTreeWidgetItem([track.name or track.id, "track", "",
                                   f"{track.duration} frames", ""])
            for row in track_rows(project, track, self.media_status):
                top.addChild(QTreeWidgetItem([row.label, row.kind, row.start, row.duration,
                                              row.status]))
            self.outline.addTopLevelItem(top)
            top.setExpanded(True)
        for column in range(1, len(COLUMNS)):
            self.outline.resizeColumnToContents(column)
        self.outline.setColumnWidth(0, 400)

        for media_id, media in project.media.items():
            state = self.media_status.get(media_id, "online")
            text = f"{media.name or media.path} ({media.kind})"
            item = QListWidgetItem(text if state == "online" else f"{text} — {state}")
            item.setToolTip(media.path)
            item.setData(Qt.ItemDataRole.UserRole, media_id)
            self.media_list.addItem(item)

        self.duration_label.setText(
            f"{project.width}x{project.height}, {rate_text(project.rate)}, "
            f"{frames_text(project.timeline.duration, project.rate)}")
        note = "  ".join(notes(self.opened)) if self.opened else "New project."
        self.statusBar().showMessage(note)
