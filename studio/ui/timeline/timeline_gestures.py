"""What the pointer and keys do on a timeline view: select, scrub, and drag items into requests."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from studio.document.model import AudioItem, Gap, Track

from . import timeline_paint as paint
from .timeline_drag import Drag, MoveRequest, TrimRequest
from .timeline_fades import HANDLE_PX, fade_at, fade_handles, waveform_area
from .timeline_geometry import RULER_HEIGHT, Part, hit_test, snap_targets

if TYPE_CHECKING:
    from .timeline_view import QtTimelineView

#: How near, in pixels, the pointer must be to an item's edge to trim rather than move it.
EDGE_PX = 6.0
#: How near, in screen pixels (at any zoom), a dragged edge must come to another to snap.
SNAP_PX = 8.0
ALT = Qt.KeyboardModifier.AltModifier


class Gestures:
    """The pointer and keys on ``view``: clicks select (Ctrl adds), the ruler scrubs, a drag
    of an item's body or edge becomes the view's move or trim requests, Alt held during the
    drag swaps ripple and overwrite, and a right press selects what it hits for the context
    menu. A drag of a sound card's fade handle sets that fade. The view paints :attr:`drag`
    (its ghost and readout) at :attr:`pointer`."""

    def __init__(self, view: QtTimelineView) -> None:
        self.view = view
        self.drag: Drag | None = None
        self.drag_id = 0
        self.pointer = QPointF()
        self._drag_ids = itertools.count(1)
        self._scrubbing = False
        self._fading: tuple[str, str, int] | None = None  # item id, fade field, drag id

    def fade_handle(self, pos: QPointF) -> tuple[AudioItem, str] | None:
        """The sound and the fade (``"fade_in"`` or ``"fade_out"``) of the fade handle under
        ``pos``, if any."""
        hit = self.hit(pos)
        if hit is None:
            return None
        track, index, _part = hit
        layout = self.view.track_layout(track.id)
        item = layout.items[index]
        if not isinstance(item, AudioItem):
            return None
        rect = paint.item_rect(layout, index, self.view.viewport, self.view.row_rect(track.id))
        if rect.width() < paint.MIN_TEXT_PX:
            return None  # no handles drawn on a card this narrow
        area = waveform_area(rect, paint.sound_label_height(rect, self.view.fontMetrics()))
        for field, point in fade_handles(area, item, self.view.viewport.pixels_per_frame).items():
            if (abs(pos.x() - point.x()) <= HANDLE_PX + 1
                    and point.y() - 1 <= pos.y() <= point.y() + 2 * HANDLE_PX + 1):
                return item, field
        return None

    def hit(self, pos: QPointF) -> tuple[Track, int, Part] | None:
        """The track, item index and part under ``pos``."""
        view = self.view
        track = view.track_at(pos.y())
        hit = hit_test(view.track_layout(track.id), view.viewport, pos.x(), EDGE_PX) \
            if track is not None else None
        return (track, *hit) if track is not None and hit is not None else None

    def press(self, event: QMouseEvent) -> bool:
        """Handle a press; False for buttons left to the widget (a right press selects only)."""
        view, pos = self.view, event.position()
        if event.button() == Qt.MouseButton.RightButton:
            self._select_under(pos)  # as editors do: the context menu acts on what was hit
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        if pos.y() < RULER_HEIGHT:
            self._scrubbing = True
            view.set_playhead(self._ruler_frame(pos))
            return True
        handle = self.fade_handle(pos)
        if handle is not None:
            sound, field = handle
            view.set_selection([sound.id])
            self._fading = (sound.id, field, next(self._drag_ids))
            return True
        hit = self.hit(pos)
        additive = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if hit is None:
            if not additive:
                view.set_selection([])
            return True
        track, index, part = hit
        layout = view.track_layout(track.id)
        item = layout.items[index]
        selection = view.selection
        if additive:
            view.set_selection([i for i in selection if i != item.id]
                               if item.id in selection else selection + [item.id])
        elif item.id not in selection:
            view.set_selection([item.id])
        if isinstance(item, Gap):
            return True  # a gap is empty time: nothing to move or trim
        targets = snap_targets((view.track_layout(t.id) for t in view.project.timeline.tracks),
                               (view.playhead, *(m.frame for m in view.project.timeline.markers)),
                               exclude=item.id) if view.snapping else []
        self.drag = Drag(next(self._drag_ids), item.id, track.id, part, layout.starts[index],
                         item.duration, pos.x(), targets, SNAP_PX)
        self.drag_id = self.drag.drag_id
        return True

    def _select_under(self, pos: QPointF) -> None:
        hit = self.hit(pos)
        item_id = self.view.track_layout(hit[0].id).items[hit[1]].id if hit else None
        if item_id is not None and item_id not in self.view.selection:
            self.view.set_selection([item_id])

    def _ruler_frame(self, pos: QPointF) -> int:
        """The frame a press on the ruler at ``pos`` goes to: a marker's, on its flag (drawn
        right of its frame), else the nearest."""
        view = self.view
        for marker in view.project.timeline.markers:
            flag = paint.marker_flag(view.viewport.frame_to_x(marker.frame), RULER_HEIGHT)
            if flag.adjusted(-1, -1, 1, 3).contains(pos):  # a pixel of slack, down to the edge
                return marker.frame
        return view.viewport.nearest_frame(pos.x())

    def move(self, event: QMouseEvent) -> None:
        """Scrub, drag, or show the trim cursor over an item's edge."""
        view, pos = self.view, event.position()
        if self._scrubbing:
            view.set_playhead(view.viewport.nearest_frame(pos.x()))
        elif self._fading is not None:
            self._fade_to(pos)
        elif self.drag is not None:
            self._drag_to(pos, bool(event.modifiers() & ALT))
        elif self.fade_handle(pos) is not None:
            view.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            hit = self.hit(pos)
            edge = hit is not None and hit[2] != "body"
            view.setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)

    def _fade_to(self, pos: QPointF) -> None:
        """Ask for the fade whose handle the pointer has taken to ``pos``."""
        assert self._fading is not None
        item_id, field, drag_id = self._fading
        rect = self.view.item_rect(item_id)
        if rect is None:
            return  # the sound went away mid-drag (an undo from the keyboard)
        item = self.view.project.find(item_id)[2]
        if not isinstance(item, AudioItem):
            return
        area = waveform_area(rect, paint.sound_label_height(rect, self.view.fontMetrics()))
        frames = fade_at(area, item, field, pos.x(), self.view.viewport.pixels_per_frame)
        if frames != getattr(item, field):
            self.view.fade_requested.emit(item_id, field, frames, drag_id)

    def _drag_to(self, pos: QPointF, toggled: bool) -> None:
        assert self.drag is not None
        self.pointer = pos
        track = self.view.track_at(pos.y()) if self.drag.part == "body" else None
        request = self.drag.update(pos.x(), track.id if track else None, self.view.viewport,
                                   toggled)
        if request is not None:
            self._emit(request, self.drag, final=False)
        self.view.update()

    def key(self, event: QKeyEvent) -> None:
        """Alt pressed or let go mid-drag swaps ripple and overwrite without a pointer move."""
        if self.drag is not None and self.drag.active and event.key() == Qt.Key.Key_Alt:
            self._drag_to(self.pointer, bool(event.modifiers() & ALT))

    def release(self) -> None:
        """End a scrub or a drag; a drag sends its last request again as the final one."""
        drag, self.drag = self.drag, None
        self._scrubbing = False
        self._fading = None
        if drag is not None and drag.active and drag.last is not None:
            self._emit(drag.last, drag, final=True)
            self.view.update()

    def _emit(self, request: MoveRequest | TrimRequest, drag: Drag, *, final: bool) -> None:
        view = self.view
        if isinstance(request, MoveRequest):
            view.move_requested.emit(request.item_id, request.track_id, request.frame,
                                     drag.drag_id, final, request.ripple)
        else:
            view.trim_requested.emit(request.item_id, request.in_delta, request.out_delta,
                                     drag.drag_id, final, request.ripple)
