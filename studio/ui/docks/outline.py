"""QtOutline: the project's tracks, items and markers as a text tree, rebuilt when the document
changes."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from studio.document.model import Project
from studio.outline import marker_rows, track_rows
from studio.ui.subscriptions import Subscriptions

COLUMNS = ("Item", "Kind", "Start", "Duration", "Status")
ID_ROLE = Qt.ItemDataRole.UserRole
#: A marker row's frame (marker rows select nothing on the timeline).
FRAME_ROLE = Qt.ItemDataRole.UserRole + 1


class QtOutline(QTreeWidget):
    """One row per track and per item or transition, then the markers; selecting a row selects
    its entry, and a marker row, double-clicked (or Enter), asks for the playhead there.

    The Item column takes the width the others leave (a long prompt is elided, whole in its
    tooltip), so kind, start and duration show without scrolling sideways; a transition or gap
    is named by its kind there. The Status column shows only while some media is offline.

    Signals
    -------
    selection_changed(list)
        Ids of the selected entries (tracks and markers select nothing).
    marker_chosen(int)
        The frame of the marker row activated.
    """

    selection_changed = Signal(list)
    marker_chosen = Signal(int)

    def __init__(self, project: Project, media_status: Mapping[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.media_status = media_status
        self.setObjectName("outline")
        self.setHeaderLabels(COLUMNS)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._pending = False
        self.subscriptions = Subscriptions()
        events = project.events
        for signal in (events.track_spliced, events.media_changed, events.track_added,
                       events.track_removed, events.project_changed, events.markers_changed):
            self.subscriptions.connect(signal, self._schedule)
        self.itemSelectionChanged.connect(
            lambda: self.selection_changed.emit(self.selected_ids()))
        self.itemActivated.connect(self._activated)
        self.refill()

    def _schedule(self, *_args: object) -> None:
        # One edit fires several splices; rebuild once, after the edit.
        if not self._pending:
            self._pending = True
            QTimer.singleShot(0, self.refill)

    def refill(self) -> None:
        """Rebuild every row from the document, keeping the selection."""
        self._pending = False
        selected = set(self.selected_ids())
        self.blockSignals(True)
        self.clear()
        statuses = False
        for track in self.project.timeline.all_tracks():  # V1, V2..., then A1, A2...
            kind = "audio track" if track.kind == "audio" else "track"
            top = QTreeWidgetItem([track.name or track.id, kind, "",
                                   f"{track.duration} frames", ""])
            for entry, row in zip(track.items, track_rows(self.project, track,
                                                          self.media_status)):
                child = QTreeWidgetItem([row.label or row.kind.capitalize(), row.kind,
                                         row.start, row.duration, row.status])
                child.setToolTip(0, row.label)
                statuses = statuses or bool(row.status)
                child.setData(0, ID_ROLE, entry.id)
                top.addChild(child)
                child.setSelected(entry.id in selected)
            self.addTopLevelItem(top)
            top.setExpanded(True)
        markers = marker_rows(self.project)
        if markers:
            top = QTreeWidgetItem(["Markers", "markers", "", "", ""])
            for marker, row in zip(self.project.timeline.markers, markers):
                child = QTreeWidgetItem([row.label or "Marker", row.kind, row.start, "", ""])
                child.setData(0, FRAME_ROLE, marker.frame)
                top.addChild(child)
            self.addTopLevelItem(top)
            top.setExpanded(True)
        self.setColumnHidden(COLUMNS.index("Status"), not statuses)  # room for the names
        self.blockSignals(False)

    def _activated(self, row: QTreeWidgetItem, _column: int) -> None:
        frame = row.data(0, FRAME_ROLE)
        if frame is not None:
            self.marker_chosen.emit(int(frame))

    def selected_ids(self) -> list[str]:
        """Ids of the selected items and transitions."""
        return [i.data(0, ID_ROLE) for i in self.selectedItems() if i.data(0, ID_ROLE)]

    def select(self, entry_ids: list[str]) -> None:
        """Select the rows of ``entry_ids`` (without echoing ``selection_changed``)."""
        if self._pending:  # an edit just added rows: rebuild now so they can be selected
            self.refill()
        self.blockSignals(True)
        for row in self.findItems("", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive):
            if row.data(0, ID_ROLE):
                row.setSelected(row.data(0, ID_ROLE) in entry_ids)
        self.blockSignals(False)

    def detach(self) -> None:
        """Stop following the document."""
        self.subscriptions.clear()
