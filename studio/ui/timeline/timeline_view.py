"""QtTimelineView: the painted timeline of a Project; it follows document events, requests edits."""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollBar, QWidget

from studio.document.model import Project, Timeline, Track, TrackEntry
from studio.ui.subscriptions import Subscriptions

from . import timeline_drops as drops
from . import timeline_paint as paint
from .timeline_geometry import RULER_HEIGHT, TRACK_HEIGHT, ZOOM_STEP, TrackLayout, Viewport
from .timeline_gestures import Gestures

#: Zoom to Fit leaves this many pixels after the timeline's last frame.
FIT_MARGIN_PX = 24


class QtTimelineView(QWidget):
    """The timeline of ``project``: ruler, playhead, one row per track, items and transitions.

    The view never edits the document. Drags and keys emit ``*_requested`` signals; whoever
    owns the undo stack applies them, and the view repaints from the document's events. During
    a drag every change of target emits a request with ``final=False`` and the release emits one
    with ``final=True``, all with the same ``drag_id``. Each request names the whole change
    since the press (a move its destination frame, a trim its deltas from the item as it was),
    so an owner applies each in place of the drag's previous one and the drag is one undo step
    (:func:`studio.ui.commands.push_gesture`). ``ripple`` says how: a trim ripples and a move
    overwrites unless Alt is held during the drag, which swaps them (``timeline_drag.ripples``).
    While dragging, the change shows as a signed timecode beside the pointer
    (:attr:`drag_readout`); the pointer and keys are read by :class:`Gestures`.

    In and Out marks (:meth:`set_marks`) are drawn on the ruler, the range between them shaded.

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
    move_requested(str item_id, str track_id, int frame, int drag_id, bool final, bool ripple)
    trim_requested(str item_id, int in_delta, int out_delta, int drag_id, bool final,
    bool ripple)
    split_requested(str item_id, int frame)
    delete_requested(str item_id)
    track_setting_requested(str track_id, str field, bool on)
        A click on an audio row's M (``"mute"``) or S (``"solo"``) button, or on any row's L
        (``"locked"``) button.
    fade_requested(str item_id, str field, int frames, int drag_id)
        A drag of a sound's fade handle: ``"fade_in"`` or ``"fade_out"`` to ``frames``.
    track_pointed(str track_id)
        A press on a track's row (any button; "" off the rows): :attr:`pointed_track`.
    """

    playhead_moved = Signal(int)
    selection_changed = Signal(list)
    move_requested = Signal(str, str, int, int, bool, bool)
    trim_requested = Signal(str, int, int, int, bool, bool)
    split_requested = Signal(str, int)
    delete_requested = Signal(str)
    track_setting_requested = Signal(str, str, bool)  # track id, "mute"/"solo"/"locked", on
    fade_requested = Signal(str, str, int, int)  # item id, field, frames, drag id
    media_dropped = Signal(list, str, int)  # media ids, track id, frame
    files_dropped = Signal(list, str, int)  # paths, track id, frame
    track_pointed = Signal(str)

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
        #: The peaks audio items draw as waveforms (see :func:`timeline_paint.paint_waveform`).
        self.waveform: paint.Waveform | None = None
        self.gestures = Gestures(self)
        self._marks: tuple[int | None, int | None] = (None, None)
        self._range_pending = False
        #: The id of the track whose row was last pressed (any button); None off the rows.
        self.pointed_track: str | None = None
        #: Whether dragged edges snap to item edges, the playhead and markers (View > Snapping).
        self.snapping = True
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(RULER_HEIGHT + TRACK_HEIGHT + 20)
        self.setAcceptDrops(True)
        self._scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self._scrollbar.valueChanged.connect(self._on_scrolled)
        events = project.events
        self.subscriptions = subscriptions = Subscriptions()
        for signal, slot in ((events.track_spliced, self._on_spliced),
                             (events.track_added, self._on_tracks),
                             (events.track_removed, self._on_tracks),
                             (events.project_changed, self._on_project),
                             (events.markers_changed, self._on_markers)):
            subscriptions.connect(signal, slot)
        # A view deleted by Qt must not be called by the document it outlived; the lambda
        # holds the subscriptions, not the view, so it still runs once the view is gone.
        self.destroyed.connect(lambda *_args: subscriptions.clear())
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

    def zoom_to_fit(self) -> None:
        """Show the whole timeline (and any marker past its end) across the view, from its first
        frame (Resolve's Shift+Z, Premiere's backslash)."""
        timeline = self.project.timeline
        frames = max(1, timeline.duration, *(m.frame + 1 for m in timeline.markers))
        self.set_pixels_per_frame(max(1.0, self.width() - FIT_MARGIN_PX) / frames, anchor_x=0.0)
        self.set_scroll(0)

    def set_scroll(self, pixels: int) -> None:
        """Scroll so ``pixels`` of the timeline lie left of the view."""
        self._scrollbar.setValue(int(pixels))

    @property
    def marks(self) -> tuple[int | None, int | None]:
        """The In and Out marks drawn on the ruler (None where unset)."""
        return self._marks

    def set_marks(self, mark_in: int | None, mark_out: int | None) -> None:
        """Draw In and Out marks on the ruler (and shade the range between them)."""
        self._marks = (mark_in, mark_out)
        self.update()

    @property
    def drag_readout(self) -> str:
        """The change a drag makes so far, as shown beside the pointer ("+00:00:01:04 ripple");
        "" when no drag is under way."""
        drag = self.gestures.drag
        return drag.readout(self.project.rate) if drag is not None else ""

    @property
    def drag_id(self) -> int:
        """Id of the drag in progress or of the last one (0 before any drag)."""
        return self.gestures.drag_id

    def track_layout(self, track_id: str) -> TrackLayout:
        """The cached layout of a track, rebuilt if the track changed since it was made."""
        layout = self._layouts.get(track_id)
        if layout is None:
            layout = self._layouts[track_id] = TrackLayout(self.project.track(track_id))
        return layout

    def track_rows(self) -> list[Track]:
        """Tracks from the top row down: the video tracks (the top track, like in every NLE,
        is the last one), then the audio tracks, A1 first."""
        timeline = self.project.timeline
        return [*reversed(timeline.tracks), *timeline.audio_tracks]

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
        self.subscriptions.clear()

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

    def _on_markers(self, _old: object, _new: object) -> None:
        self.update(0, 0, self.width(), RULER_HEIGHT)

    def _schedule_range(self) -> None:
        if not self._range_pending:
            self._range_pending = True
            QTimer.singleShot(0, self._refresh_range)

    def _refresh_range(self) -> None:
        self._range_pending = False
        # Once an edit is done, items it removed leave the selection (undo does not reselect).
        here = {entry.id for track in self.project.timeline.all_tracks() for entry in track.items}
        if any(item_id not in here for item_id in self._selection):
            self.set_selection([item_id for item_id in self._selection if item_id in here])
        duration = max((self.track_layout(t.id).duration
                        for t in self.project.timeline.all_tracks()), default=0)
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
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if drops.droppable(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if drops.droppable(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Media from the bin, or files from the file manager, land where they are dropped."""
        pos = event.position()
        track = self.track_at(pos.y()) or next(iter(self.project.timeline.tracks), None)
        if track is None:
            return
        frame = self.viewport.nearest_frame(pos.x())
        media, files = drops.dropped(event.mimeData())
        if media:
            self.media_dropped.emit(media, track.id, frame)
        elif files:
            self.files_dropped.emit(files, track.id, frame)
        event.acceptProposedAction()

    def paintEvent(self, event: QPaintEvent) -> None:
        clip = event.rect()
        painter = QPainter(self)
        metrics = painter.fontMetrics()
        painter.fillRect(clip, paint.BACKGROUND)
        if clip.top() < RULER_HEIGHT:
            paint.paint_ruler(painter, QRectF(0, 0, self.width(), RULER_HEIGHT), self.viewport,
                              self.project.rate, metrics)
            paint.paint_marks(painter, QRectF(0, 0, self.width(), RULER_HEIGHT), self.viewport,
                              self._marks)
            paint.paint_markers(painter, QRectF(0, 0, self.width(), RULER_HEIGHT),
                                self.viewport, self.project.timeline.markers, metrics)
        first = self.viewport.x_to_frame(clip.left())
        end = self.viewport.x_to_frame(clip.right() + 1) + 1
        for track in self.track_rows():
            row = self.row_rect(track.id)
            if row.intersects(QRectF(clip)):
                paint.paint_row(painter, self.track_layout(track.id), self.viewport, row,
                                (first, end), set(self._selection), metrics, self.thumbs,
                                self.project.width / max(1, self.project.height),
                                self.job_status, self.waveform, self.project.rate)
                paint.paint_track_tag(painter, row, track, metrics)
        self._paint_ghost(painter)
        paint.paint_playhead(painter, self.viewport.frame_to_x(self._playhead),
                             self._content_height())
        if self.drag_readout:
            paint.paint_readout(painter, self.gestures.pointer, self.drag_readout,
                                QRectF(self.rect()))
        painter.end()

    def _paint_ghost(self, painter: QPainter) -> None:
        drag = self.gestures.drag
        ghost = drag.ghost() if drag is not None else None
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
        track = self.track_at(event.position().y())
        self.pointed_track = track.id if track is not None else None
        self.track_pointed.emit(self.pointed_track or "")
        if event.button() == Qt.MouseButton.LeftButton and self._track_button(event):
            return
        if not self.gestures.press(event):
            super().mousePressEvent(event)

    def _track_button(self, event: QMouseEvent) -> bool:
        """Ask for the change of a row's button under the press (mute, solo, lock), if any."""
        pos = event.position()
        track = self.track_at(pos.y())
        if track is None:
            return False
        _tag, buttons = paint.track_tag_rects(self.row_rect(track.id), track, self.fontMetrics())
        for field, rect in buttons.items():
            if rect.contains(pos):
                self.track_setting_requested.emit(track.id, field, not getattr(track, field))
                return True
        return False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.gestures.move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.gestures.release()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        self.gestures.key(event)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        self.gestures.key(event)
        super().keyReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = ZOOM_STEP ** (delta / 120)
            self.set_pixels_per_frame(self.viewport.pixels_per_frame * factor,
                                      event.position().x())
        else:
            self.set_scroll(self._scrollbar.value() - delta)
        event.accept()

