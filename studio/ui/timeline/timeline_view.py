"""QtTimelineView: the painted timeline of a Project; it follows document events, requests edits."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollBar, QWidget

from studio.document.model import Gap, Project, Timeline, Track, TrackEntry
from studio.document.signals import Signal as DocumentSignal
from studio.ui.docks.media_bin import MEDIA_MIME

from . import timeline_paint as paint
from .timeline_drag import Drag, MoveRequest, TrimRequest
from .timeline_geometry import ZOOM_STEP, TrackLayout, Viewport, hit_test, snap_targets

RULER_HEIGHT = 26
TRACK_HEIGHT = 76  # room for a label, a status line and a filmstrip
EDGE_PX = 6.0
SNAP_PX = 8.0


class QtTimelineView(QWidget):
    """The timeline of ``project``: ruler, playhead, one row per track, items and transitions.

    The view never edits the document. Drags and keys emit ``*_requested`` signals; whoever
    owns the undo stack applies them, and the view repaints from the document's events. During
    a drag every change of target emits a request with ``final=False`` and the release emits one
    with ``final=True``, all with the same ``drag_id``, so an owner applies each as it comes and
    merges a drag's commands into one undo step (``commands.MoveCommand``/``TrimCommand`` with
    ``gesture=drag_id``). A move names the absolute destination frame; a trim's deltas are what
    to add to the previous request of the drag (they sum to the whole trim; a final trim carries
    what is left, often ``0, 0``).

    Parameters
    ----------
    project
        The document to show.
    parent
        Optional parent widget.

    Signals
    -------
    playhead_moved(int)
        The playhead's new frame.
    selection_changed(list)
        The selected item ids.
    move_requested(str item_id, str track_id, int frame, int drag_id, bool final)
    trim_requested(str item_id, int in_delta, int out_delta, int drag_id, bool final)
    split_requested(str item_id, int frame)
    delete_requested(str item_id)
    """

    playhead_moved = Signal(int)
    selection_changed = Signal(list)
    move_requested = Signal(str, str, int, int, bool)
    trim_requested = Signal(str, int, int, int, bool)
    split_requested = Signal(str, int)
    delete_requested = Signal(str)
    media_dropped = Signal(list, str, int)  # media ids, track id, frame
    files_dropped = Signal(list, str, int)  # paths, track id, frame

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.viewport = Viewport()
        self._layouts: dict[str, TrackLayout] = {}
        self._playhead = 0
        self._selection: list[str] = []
        #: What items show along their cards (see :func:`timeline_paint.paint_thumbnails`).
        self.thumbs: paint.Thumbs | None = None
        #: What generated items wait on (their live jobs), drawn on their status line.
        self.job_status: paint.JobStatus | None = None
        self._drag: Drag | None = None
        self._drag_ids = itertools.count(1)
        self._drag_id = 0
        self._scrubbing = False
        self._range_pending = False
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(RULER_HEIGHT + TRACK_HEIGHT + 20)
        self.setAcceptDrops(True)
        self._scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self._scrollbar.valueChanged.connect(self._on_scrolled)
        events = project.events
        self._subscriptions: list[tuple[DocumentSignal, Callable[..., None]]] = [
            (events.track_spliced, self._on_spliced), (events.track_added, self._on_tracks),
            (events.track_removed, self._on_tracks), (events.project_changed, self._on_project)]
        for signal, slot in self._subscriptions:
            signal.connect(slot)
        # A view deleted by Qt must not be called by the document it outlived; the partial
        # holds the list, not the view, so it still runs once the view is gone.
        subscriptions = self._subscriptions
        self.destroyed.connect(functools.partial(_disconnect, subscriptions))
        self._refresh_range()

    # ------------------------------------------------------------------------ public API
    @property
    def playhead(self) -> int:
        """The playhead's frame."""
        return self._playhead

    @playhead.setter
    def playhead(self, frame: int) -> None:
        self.set_playhead(frame)

    def set_playhead(self, frame: int) -> None:
        """Move the playhead to ``frame`` (at least 0) and emit ``playhead_moved`` if it moved."""
        frame = max(0, int(frame))
        if frame == self._playhead:
            return
        for old in (self._playhead, frame):  # only the two thin strips change
            x = int(self.viewport.frame_to_x(old))
            self.update(QRect(x - 5, 0, 11, self._content_height()))
        self._playhead = frame
        self.playhead_moved.emit(frame)

    @property
    def selection(self) -> list[str]:
        """Ids of the selected items, in the order they were selected."""
        return list(self._selection)

    def set_selection(self, item_ids: list[str]) -> None:
        """Select exactly ``item_ids`` and emit ``selection_changed`` if that differs."""
        if list(item_ids) != self._selection:
            self._selection = list(item_ids)
            self.update()
            self.selection_changed.emit(self.selection)

    @property
    def pixels_per_frame(self) -> float:
        """The zoom of this view."""
        return self.viewport.pixels_per_frame

    def set_pixels_per_frame(self, value: float, anchor_x: float | None = None) -> None:
        """Zoom to ``value`` keeping the frame under ``anchor_x`` (default: the playhead) put."""
        if anchor_x is None:
            anchor_x = min(max(0.0, self.viewport.frame_to_x(self._playhead)), self.width())
        self.viewport.zoom_to(value, anchor_x)
        self._refresh_range()
        self.update()

    def zoom_in(self) -> None:
        """Show fewer frames, larger."""
        self.set_pixels_per_frame(self.viewport.pixels_per_frame * ZOOM_STEP)

    def zoom_out(self) -> None:
        """Show more frames, smaller."""
        self.set_pixels_per_frame(self.viewport.pixels_per_frame / ZOOM_STEP)

    def set_scroll(self, pixels: int) -> None:
        """Scroll so ``pixels`` of the timeline lie left of the view."""
        self._scrollbar.setValue(int(pixels))

    @property
    def drag_id(self) -> int:
        """Id of the drag in progress or of the last one (0 before any drag)."""
        return self._drag_id

    def track_layout(self, track_id: str) -> TrackLayout:
        """The cached layout of a track, rebuilt if the track changed since it was made."""
        layout = self._layouts.get(track_id)
        if layout is None:
            layout = self._layouts[track_id] = TrackLayout(self.project.track(track_id))
        return layout

    def track_rows(self) -> list[Track]:
        """Tracks from the top row down (the top track, like in every NLE, is the last one)."""
        return list(reversed(self.project.timeline.tracks))

    def row_rect(self, track_id: str) -> QRectF:
        """The rectangle of a track's row."""
        row = next(i for i, t in enumerate(self.track_rows()) if t.id == track_id)
        return QRectF(0, RULER_HEIGHT + row * TRACK_HEIGHT, self.width(), TRACK_HEIGHT)

    def item_rect(self, item_id: str) -> QRectF | None:
        """Where the item with ``item_id`` is painted (None if it is on no track)."""
        for track in self.track_rows():
            layout = self.track_layout(track.id)
            index = layout.index_of(item_id)
            if index is not None:
                return paint.item_rect(layout, index, self.viewport, self.row_rect(track.id))
        return None

    def track_at(self, y: float) -> Track | None:
        """The track whose row holds ``y``."""
        row = math.floor((y - RULER_HEIGHT) / TRACK_HEIGHT)
        rows = self.track_rows()
        return rows[row] if y >= RULER_HEIGHT and row < len(rows) else None

    def request_split_at_playhead(self) -> None:
        """Ask to split each selected item that the playhead lies inside."""
        for item_id in self._selection:
            rect = self.item_rect(item_id)
            x = self.viewport.frame_to_x(self._playhead)
            if rect is not None and rect.left() < x < rect.right():
                self.split_requested.emit(item_id, self._playhead)

    def request_delete_selection(self) -> None:
        """Ask to delete each selected item still on the timeline."""
        for item_id in self._selection:
            if self.item_rect(item_id) is not None:
                self.delete_requested.emit(item_id)

    def detach(self) -> None:
        """Stop following the document (call before dropping the view on a live project)."""
        _disconnect(self._subscriptions)

    # ------------------------------------------------------------------- document events
    def _on_spliced(self, track: Track, index: int, _removed: tuple[TrackEntry, ...],
                    _inserted: tuple[TrackEntry, ...]) -> None:
        self._layouts.pop(track.id, None)  # rebuilt on next use, once per burst of splices
        try:
            rect = self.row_rect(track.id)
        except StopIteration:
            return
        x = max(0, int(self.viewport.frame_to_x(track.start_of(index))) - 2)
        self.update(QRect(x, int(rect.top()), self.width() - x, int(rect.height())))
        self._schedule_range()

    def _on_tracks(self, _timeline: Timeline, _index: int, _track: Track) -> None:
        self._layouts.clear()
        self._schedule_range()
        self.update()

    def _on_project(self, _field: str, _old: object, _new: object) -> None:
        self.update()

    def _schedule_range(self) -> None:
        if not self._range_pending:
            self._range_pending = True
            QTimer.singleShot(0, self._refresh_range)

    def _refresh_range(self) -> None:
        self._range_pending = False
        duration = max((self.track_layout(t.id).duration for t in self.project.timeline.tracks),
                       default=0)
        content = duration * self.viewport.pixels_per_frame + self.width() / 2
        self._scrollbar.setRange(0, max(0, int(content - self.width())))
        self._scrollbar.setPageStep(max(1, self.width()))
        self._scrollbar.setValue(int(self.viewport.scroll))

    def _on_scrolled(self, value: int) -> None:
        if value != int(self.viewport.scroll):
            self.viewport.scroll = float(value)
            self.update()

    # ------------------------------------------------------------------------ painting
    def _content_height(self) -> int:
        return self.height() - self._scrollbar.height()

    # ------------------------------------------------------------------------ drops
    def _droppable(self, event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        data = event.mimeData()
        return data.hasFormat(MEDIA_MIME) or data.hasUrls()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._droppable(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._droppable(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Media from the bin, or files from the file manager, land where they are dropped."""
        pos = event.position()
        track = self.track_at(pos.y()) or (self.project.timeline.tracks[0]
                                           if self.project.timeline.tracks else None)
        if track is None:
            return
        frame = self.viewport.nearest_frame(pos.x())
        data = event.mimeData()
        if data.hasFormat(MEDIA_MIME):
            ids = bytes(data.data(MEDIA_MIME).data()).decode().split()
            self.media_dropped.emit(ids, track.id, frame)
        elif data.hasUrls():
            paths = [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]
            if paths:
                self.files_dropped.emit(paths, track.id, frame)
        event.acceptProposedAction()

    def paintEvent(self, event: QPaintEvent) -> None:
        clip = event.rect()
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        painter.fillRect(clip, paint.BACKGROUND)
        if clip.top() < RULER_HEIGHT:
            paint.paint_ruler(painter, QRectF(0, 0, self.width(), RULER_HEIGHT), self.viewport,
                              self.project.rate, metrics)
        first = self.viewport.x_to_frame(clip.left())
        end = self.viewport.x_to_frame(clip.right() + 1) + 1
        for track in self.track_rows():
            row = self.row_rect(track.id)
            if row.intersects(QRectF(clip)):
                paint.paint_row(painter, self.track_layout(track.id), self.viewport, row,
                                (first, end), set(self._selection), metrics, self.thumbs,
                                self.project.width / max(1, self.project.height),
                                self.job_status)
        self._paint_ghost(painter)
        paint.paint_playhead(painter, self.viewport.frame_to_x(self._playhead),
                             self._content_height())
        painter.end()

    def _paint_ghost(self, painter: QPainter) -> None:
        ghost = self._drag.ghost() if self._drag is not None else None
        if ghost is not None:
            track_id, begin, stop = ghost
            row = self.row_rect(track_id)
            x0, x1 = self.viewport.frame_to_x(begin), self.viewport.frame_to_x(stop)
            paint.paint_ghost(painter, QRectF(x0, row.top() + 2, x1 - x0, row.height() - 4))

    def resizeEvent(self, event: QResizeEvent) -> None:
        height = self._scrollbar.sizeHint().height()
        self._scrollbar.setGeometry(0, self.height() - height, self.width(), height)
        self._refresh_range()
        super().resizeEvent(event)

    # --------------------------------------------------------------------- interaction
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        if pos.y() < RULER_HEIGHT:
            self._scrubbing = True
            self.set_playhead(self.viewport.nearest_frame(pos.x()))
            return None
        track = self.track_at(pos.y())
        hit = hit_test(self.track_layout(track.id), self.viewport, pos.x(), EDGE_PX) \
            if track is not None else None
        additive = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if hit is None or track is None:
            if not additive:
                self.set_selection([])
            return None
        layout = self.track_layout(track.id)
        index, part = hit
        item = layout.items[index]
        if additive:
            self.set_selection([i for i in self._selection if i != item.id]
                               if item.id in self._selection else self._selection + [item.id])
        elif item.id not in self._selection:
            self.set_selection([item.id])
        if isinstance(item, Gap):
            return None  # a gap is empty time: nothing to move or trim
        targets = snap_targets((self.track_layout(t.id) for t in self.project.timeline.tracks),
                               (self._playhead,), exclude=item.id)
        self._drag = Drag(next(self._drag_ids), item.id, track.id, part, layout.starts[index],
                          item.duration, pos.x(), targets, SNAP_PX)
        self._drag_id = self._drag.drag_id
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._scrubbing:
            self.set_playhead(self.viewport.nearest_frame(pos.x()))
        elif self._drag is not None:
            track = self.track_at(pos.y()) if self._drag.part == "body" else None
            request = self._drag.update(pos.x(), track.id if track else None, self.viewport)
            if request is not None:
                self._emit(request, self._drag, final=False)
                self.update()
        else:
            self._hover(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        self._scrubbing = False
        if drag is not None and drag.active and drag.last is not None:
            self._emit(drag.last, drag, final=True)
            self.update()

    def _emit(self, request: MoveRequest | TrimRequest, drag: Drag, *, final: bool) -> None:
        drag_id = drag.drag_id
        if isinstance(request, MoveRequest):
            self.move_requested.emit(request.item_id, request.track_id, request.frame, drag_id,
                                     final)
        else:
            step = drag.step(request)
            self.trim_requested.emit(step.item_id, step.in_delta, step.out_delta, drag_id, final)

    def _hover(self, pos: QPointF) -> None:
        track = self.track_at(pos.y())
        hit = hit_test(self.track_layout(track.id), self.viewport, pos.x(), EDGE_PX) \
            if track is not None else None
        edge = hit is not None and hit[1] != "body"
        self.setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = ZOOM_STEP ** (delta / 120)
            self.set_pixels_per_frame(self.viewport.pixels_per_frame * factor,
                                      event.position().x())
        else:
            self.set_scroll(self._scrollbar.value() - delta)
        event.accept()


def _disconnect(subscriptions: list[tuple[DocumentSignal, Callable[..., Any]]],
                *_args: object) -> None:
    for signal, slot in subscriptions:
        signal.disconnect(slot)
    subscriptions.clear()
