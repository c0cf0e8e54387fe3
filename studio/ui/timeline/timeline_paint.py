"""Painting helpers for the timeline view: the ruler, one item card, a transition, the playhead
(a sound card's fades: :mod:`.timeline_fades`)."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPen, QPixmap

from studio.document.model import (
    AudioItem,
    Clip,
    Gap,
    Generated,
    Item,
    Marker,
    Still,
    Track,
    Transition,
)
from studio.document.timebase import frames_to_timecode
from studio.media.peaks import PEAK_RATE

from .timeline_fades import paint_fades
from .timeline_geometry import TrackLayout, Viewport, tick_step

COLOURS = {
    Clip: QColor(58, 110, 165),
    Still: QColor(70, 140, 90),
    Generated: QColor(126, 87, 160),
    AudioItem: QColor(40, 120, 110),
}
WAVE = QColor(150, 230, 210)
TAG = QColor(20, 20, 22, 190)
BACKGROUND = QColor(32, 33, 36)
ROW = QColor(42, 44, 48)
RULER = QColor(52, 54, 58)
TEXT = QColor(230, 230, 230)
MUTED = QColor(170, 170, 170)
PLAYHEAD = QColor(230, 70, 60)
SELECTED = QColor(250, 210, 80)
TRANSITION = QColor(240, 240, 240, 140)
#: In and Out marks, and the range between them on the ruler.
MARK = QColor(80, 170, 250)
MARKED = QColor(80, 170, 250, 90)
READOUT = QColor(20, 20, 22, 220)
#: Marker flags by colour name (Resolve's palette, a little darker for white text).
MARKER_COLOURS = {"red": QColor(220, 60, 60), "orange": QColor(235, 130, 40),
                  "yellow": QColor(225, 200, 50), "green": QColor(70, 170, 80),
                  "cyan": QColor(60, 190, 200), "blue": QColor(70, 120, 230),
                  "purple": QColor(140, 90, 200), "magenta": QColor(210, 70, 180),
                  "pink": QColor(235, 140, 170), "white": QColor(235, 235, 235)}
#: A marker's flag: this many pixels wide and tall, in the ruler's lower half.
FLAG_PX = 9
#: Below this width an item is a plain bar: text would not fit and costs more than the bar.
MIN_TEXT_PX = 28.0
#: Below this width an item is a filled bar without an outline (fillRect is the cheap call).
MIN_OUTLINE_PX = 8.0
#: Thumbnails are drawn on cards at least this tall, in tiles this many pixels high.
MIN_THUMB_ROW_PX = 44.0
THUMB_HEIGHT = 36

#: ``thumbs(item, offset_frames, (width, height))``: what an item shows that many frames in.
Thumbs = Callable[[Item, int, tuple[int, int]], QPixmap | None]
#: ``waveform(item)``: the peaks (uint8, PEAK_RATE a second) of the file an audio item plays.
Waveform = Callable[[AudioItem], "np.ndarray | None"]
#: ``job_status(item_id)``: ``"queued"``/``"generating 40%"`` while the item has a live job.
JobStatus = Callable[[str], str | None]


def generated_status(item: Generated, live: str | None = None) -> str:
    """One line on a generated item's state: its live job (``live``), its active take's status,
    or why there is none."""
    generation = item.generation
    active = generation.active_take
    if active is not None:
        taken = f"take {active.status}"
    elif generation.takes:
        taken = f"{len(generation.takes)} takes, none active ({generation.takes[-1].status})"
    else:
        return live or "not generated"
    return f"{live}; {taken}" if live else taken


def item_label(item: Item) -> str:
    """The first line drawn on an item card."""
    if isinstance(item, Generated):
        return item.generation.spec.prompt or item.name or item.generation.spec.kind
    if isinstance(item, Gap):
        return ""
    if isinstance(item, AudioItem) and not item.name:
        return f"sound of {item.link}" if item.link else "sound"
    return item.name or item.id


def paint_ruler(painter: QPainter, rect: QRectF, viewport: Viewport, rate: Fraction,
                metrics: QFontMetrics) -> None:
    """Ticks and timecode labels for the frames ``rect`` shows."""
    painter.fillRect(rect, RULER)
    fps = -(-rate.numerator // rate.denominator)
    step = tick_step(viewport.pixels_per_frame, fps)
    minor = max(1, step // 5) if step * viewport.pixels_per_frame >= 40 else step
    first, end = viewport.frames_in(rect.width())
    frame = max(0, first - first % minor)
    painter.setPen(MUTED)
    baseline = rect.bottom() - 4
    while frame < end:
        x = viewport.frame_to_x(frame)
        major = frame % step == 0
        painter.drawLine(int(x), int(rect.bottom()), int(x),
                         int(rect.bottom() - (10 if major else 4)))
        if major:
            painter.drawText(int(x) + 3, int(baseline - 8),
                             frames_to_timecode(frame, rate))
        frame += minor


def paint_marks(painter: QPainter, rect: QRectF, viewport: Viewport,
                marks: tuple[int | None, int | None]) -> None:
    """In and Out on the ruler ``rect``: brackets at the marks (Out is the last frame it
    includes) and the range between them shaded."""
    mark_in, mark_out = marks
    x_in = viewport.frame_to_x(mark_in) if mark_in is not None else None
    x_out = viewport.frame_to_x(mark_out + 1) if mark_out is not None else None
    if x_in is not None and x_out is not None and x_in < x_out:
        painter.fillRect(QRectF(x_in, rect.top(), x_out - x_in, rect.height()), MARKED)
    painter.setPen(QPen(MARK, 2))
    top, bottom = int(rect.top()) + 1, int(rect.bottom()) - 1
    for x, tick in ((x_in, 6), (x_out, -6)):  # "[" at In, "]" after Out
        if x is not None:
            painter.drawLine(int(x), top, int(x), bottom)
            painter.drawLine(int(x), top, int(x) + tick, top)
            painter.drawLine(int(x), bottom, int(x) + tick, bottom)


def marker_flag(x: float, ruler_bottom: float) -> QRectF:
    """Where a marker at ``x`` draws its flag: right of its frame, above the ruler's bottom
    edge (under the timecodes)."""
    return QRectF(x, ruler_bottom - FLAG_PX - 3, FLAG_PX, FLAG_PX)


def paint_markers(painter: QPainter, rect: QRectF, viewport: Viewport,
                  markers: list[Marker], metrics: QFontMetrics) -> None:
    """The timeline's markers on the ruler ``rect``: a flag in the marker's colour at its frame
    in the ruler's lower half (under the timecodes, over the ticks), a line down the ruler, and
    its name beside the flag where it fits before the next marker (elided)."""
    first, end = viewport.frames_in(rect.width())
    shown = [m for m in markers if first - 1 <= m.frame <= end]
    for index, marker in enumerate(shown):
        x = viewport.frame_to_x(marker.frame)
        box = marker_flag(x, rect.bottom())
        top = box.top()
        colour = MARKER_COLOURS.get(marker.colour, MARK)
        painter.setPen(QPen(colour, 1))
        painter.drawLine(QLineF(x, rect.top(), x, rect.bottom()))
        flag = [box.topLeft(), box.topRight(), QPointF(box.right(), top + FLAG_PX * 0.6),
                box.bottomLeft()]
        painter.setBrush(colour)
        painter.drawPolygon(flag)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if not marker.name:
            continue
        right = (viewport.frame_to_x(shown[index + 1].frame) if index + 1 < len(shown)
                 else rect.right())
        room = int(right - x - FLAG_PX - 6)
        if room < 16:
            continue
        text = metrics.elidedText(marker.name, Qt.TextElideMode.ElideRight, room)
        box = QRectF(x + FLAG_PX + 2, top, metrics.horizontalAdvance(text) + 4, FLAG_PX + 3)
        painter.fillRect(box, READOUT)
        painter.setPen(colour)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


def paint_readout(painter: QPainter, at: QPointF, text: str, bounds: QRectF) -> None:
    """A drag's change (``+00:00:01:04 ripple``) in a small box beside the pointer ``at``."""
    metrics = painter.fontMetrics()
    box = QRectF(0, 0, metrics.horizontalAdvance(text) + 10, metrics.height() + 6)
    box.moveTopLeft(QPointF(at.x() + 14, at.y() + 14))
    if box.right() > bounds.right():
        box.moveRight(at.x() - 6)
    if box.bottom() > bounds.bottom():
        box.moveBottom(at.y() - 6)
    painter.fillRect(box, READOUT)
    painter.setPen(TEXT)
    painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


def paint_item(painter: QPainter, rect: QRectF, item: Item, selected: bool,
               metrics: QFontMetrics, live: str | None = None) -> None:
    """One item card: a coloured box by kind, its label, and for a generated item its status."""
    if isinstance(item, Gap):
        if selected:
            painter.setPen(QPen(SELECTED, 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        return
    colour = COLOURS[type(item)]
    if rect.width() < MIN_OUTLINE_PX:  # a bar; a 1-pixel gap on its right keeps cards apart
        painter.fillRect(rect.adjusted(0, 0, -1 if rect.width() >= 3 else 0, 0),
                         SELECTED if selected else colour)
        return
    painter.setPen(QPen(SELECTED if selected else colour.darker(160), 2 if selected else 1))
    painter.setBrush(colour)
    painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
    if rect.width() < MIN_TEXT_PX:
        return
    text_width = int(rect.width()) - 8
    x = int(rect.left()) + 4
    line = metrics.height()
    painter.setPen(TEXT)
    painter.drawText(x, int(rect.top()) + line, metrics.elidedText(
        item_label(item), Qt.TextElideMode.ElideRight, text_width))
    if isinstance(item, Generated) and rect.height() >= 2.5 * line:
        has_active = item.generation.active_take is not None
        painter.setPen(TEXT if has_active else MUTED)
        status = ("● " if has_active else "○ ") + generated_status(item, live)
        painter.drawText(x, int(rect.top()) + 2 * line + 2, metrics.elidedText(
            status, Qt.TextElideMode.ElideRight, text_width))


def paint_thumbnails(painter: QPainter, rect: QRectF, item: Item, thumbs: Thumbs,
                     pixels_per_frame: float, visible: tuple[float, float],
                     aspect: float, reserved: float = 20.0) -> None:
    """A filmstrip along the bottom of a clip or take card; a still's image, repeated.

    Only tiles inside ``visible`` (x from, x to) are drawn; each shows the frame at its left
    edge, so a zoomed-in card shows more distinct frames. ``reserved`` pixels at the top are
    left to the card's text.
    """
    if isinstance(item, Gap) or rect.height() < MIN_THUMB_ROW_PX:
        return
    height = min(THUMB_HEIGHT, int(rect.height() - reserved))
    if height < 12:
        return
    width = max(8, int(height * aspect))
    if rect.width() < width / 2:
        return  # a sliver of a tile tells nothing and costs a lookup
    top = int(rect.bottom() - height - 2)
    first = rect.left() + 1
    left = max(first, visible[0] - (visible[0] - first) % width)
    right = min(rect.right() - 1, visible[1])
    x = left
    while x < right:
        offset = int((x - rect.left()) / max(pixels_per_frame, 1e-9))
        pixmap = thumbs(item, offset, (width, height))
        if pixmap is None:
            break  # not made yet (or none): the card's colour shows, and a repaint follows
        shown = int(min(width, right - x))  # the last tile is cut at the card's edge
        painter.drawPixmap(int(x), top, pixmap, 0, 0, shown, height)
        x += width


def paint_waveform(painter: QPainter, rect: QRectF, item: AudioItem, peaks: np.ndarray,
                   pixels_per_frame: float, visible: tuple[float, float], rate: Fraction,
                   reserved: float) -> None:
    """The item's waveform below its label: one vertical line per pixel column showing the
    loudest peak of the sound under that column, scaled by the item's gain and fades."""
    area = rect.adjusted(1, reserved, -1, -2)
    left, right = max(area.left(), visible[0]), min(area.right(), visible[1])
    if right - left < 1 or area.height() < 6 or peaks.size == 0:
        return
    xs = np.arange(math.floor(left), math.ceil(right), dtype=np.float64)
    # Source frames under each column, then their 1/PEAK_RATE s peaks.
    frames = item.source.start + (np.append(xs, xs[-1] + 1) - rect.left()) / pixels_per_frame
    index = np.clip(frames * PEAK_RATE / float(rate), 0, peaks.size).astype(np.int64)
    starts = np.minimum(index[:-1], peaks.size - 1)
    stops = np.maximum(index[1:], starts + 1)  # each column shows at least one peak
    # The loudest peak in each column's [start, stop): reduceat over (start, stop) pairs.
    pairs = np.stack([starts, stops], axis=1).ravel()
    loud = np.maximum.reduceat(np.append(peaks, 0), pairs)[::2]
    # Gain and fades shape what is drawn, as they shape what is heard.
    offset = (xs + 0.5 - rect.left()) / pixels_per_frame
    envelope = np.full(len(xs), 10 ** (item.gain_db / 20))
    if item.fade_in:
        envelope *= np.clip(offset / item.fade_in, 0, 1)
    if item.fade_out:
        envelope *= np.clip((item.duration - offset) / item.fade_out, 0, 1)
    half = area.height() / 2
    middle = area.top() + half
    heights = np.clip(loud / 255 * envelope, 0, 1) * half
    painter.setPen(QPen(WAVE, 1))
    painter.drawLines([QLineF(x + 0.5, middle - h, x + 0.5, middle + max(h, 0.5))
                       for x, h in zip(xs.tolist(), heights.tolist(), strict=True)])


def track_tag_rects(row: QRectF, track: Track,
                    metrics: QFontMetrics) -> tuple[QRectF, dict[str, QRectF]]:
    """Where a row's tag is drawn: the tag, and its buttons by the track field each toggles:
    "mute" and "solo" on an audio track, then "locked" on every track (what
    :func:`paint_track_tag` draws and the view's clicks hit)."""
    height = metrics.height() + 2
    top = row.bottom() - height - 4
    name_width = metrics.horizontalAdvance(track.name or track.id) + 10
    buttons: dict[str, QRectF] = {}
    x = row.left() + 2 + name_width
    for field in ("mute", "solo", "locked") if track.kind == "audio" else ("locked",):
        buttons[field] = QRectF(x, top + 1, height, height - 2)
        x += height + 2
    name_width += len(buttons) * (height + 2)
    return QRectF(row.left() + 2, top, name_width, height), buttons


_LIT = {"mute": PLAYHEAD, "solo": SELECTED, "locked": MARK}


def paint_track_tag(painter: QPainter, row: QRectF, track: Track, metrics: QFontMetrics) -> None:
    """The track's name at the row's left end and its buttons, lit when on: M (mute) and S
    (solo) on an audio track, L (locked) on every track. A muted track's items are dimmed, a
    locked track's hatched."""
    if track.mute:
        painter.fillRect(row.adjusted(0, 1, 0, -1), QColor(BACKGROUND.red(), BACKGROUND.green(),
                                                           BACKGROUND.blue(), 130))
    if track.locked:
        painter.fillRect(row.adjusted(0, 1, 0, -1),
                         QBrush(QColor(TEXT.red(), TEXT.green(), TEXT.blue(), 45),
                                Qt.BrushStyle.BDiagPattern))
    tag, buttons = track_tag_rects(row, track, metrics)
    painter.fillRect(tag, TAG)
    painter.setPen(MUTED if track.mute else TEXT)
    painter.drawText(tag.adjusted(5, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter,
                     track.name or track.id)
    for field, rect in buttons.items():
        on = bool(getattr(track, field))
        painter.fillRect(rect, _LIT[field] if on else ROW)
        painter.setPen(BACKGROUND if on else TEXT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, field[0].upper())


def paint_transition(painter: QPainter, rect: QRectF, transition: Transition) -> None:
    """A transition as a bow tie across the cut, over the two items it joins."""
    painter.setPen(QPen(TRANSITION, 1))
    painter.setBrush(QColor(255, 255, 255, 50))
    painter.drawRect(rect)
    painter.drawLine(rect.topLeft(), rect.bottomRight())
    painter.drawLine(rect.bottomLeft(), rect.topRight())


def paint_playhead(painter: QPainter, x: float, height: float) -> None:
    """The playhead: a red line over everything with a small handle in the ruler."""
    painter.setPen(QPen(PLAYHEAD, 1))
    painter.drawLine(int(x), 0, int(x), int(height))
    painter.setBrush(PLAYHEAD)
    painter.drawRect(QRectF(x - 4, 0, 8, 6))


def item_rect(layout: TrackLayout, index: int, viewport: Viewport, row: QRectF) -> QRectF:
    """Where item ``index`` of ``layout`` is drawn in a track ``row``."""
    x0 = viewport.frame_to_x(layout.starts[index])
    x1 = viewport.frame_to_x(layout.ends[index])
    return QRectF(x0, row.top() + 3, x1 - x0, row.height() - 6)


def sound_label_height(rect: QRectF, metrics: QFontMetrics) -> float:
    """The pixels a sound card ``rect`` keeps for its label above the waveform (2 when it is
    too narrow for one)."""
    return metrics.height() + 4 if rect.width() >= MIN_TEXT_PX else 2


def paint_row(painter: QPainter, layout: TrackLayout, viewport: Viewport, row: QRectF,
              frames: tuple[int, int], selected: set[str], metrics: QFontMetrics,
              thumbs: Thumbs | None = None, aspect: float = 16 / 9,
              job_status: JobStatus | None = None, waveform: Waveform | None = None,
              rate: Fraction = Fraction(24)) -> None:
    """The items and transitions of one track that overlap ``frames`` = ``(first, end)``.

    Only the visible items are visited (binary search), and of several items that fall in the
    same pixel column only the first is drawn, so a zoomed-out 1000-item track costs at most
    one card per column.
    """
    first, end = frames
    painter.fillRect(row.adjusted(0, 1, 0, -1), ROW)
    covered = -math.inf
    for index in layout.visible(first, end):
        rect = item_rect(layout, index, viewport, row)
        right = math.ceil(rect.right())
        if right <= covered and index + 1 < len(layout):
            continue
        covered = right
        item = layout.items[index]
        live = job_status(item.id) if job_status is not None and isinstance(
            item, Generated) else None
        paint_item(painter, rect, item, item.id in selected, metrics, live)
        if isinstance(item, AudioItem):
            peaks = waveform(item) if waveform is not None else None
            reserved = sound_label_height(rect, metrics)
            if peaks is not None:
                paint_waveform(painter, rect, item, peaks, viewport.pixels_per_frame,
                               (viewport.frame_to_x(first), viewport.frame_to_x(end)), rate,
                               reserved)
            paint_fades(painter, rect, item, viewport.pixels_per_frame, reserved,
                        handles=rect.width() >= MIN_TEXT_PX)
        elif thumbs is not None and rect.width() >= MIN_TEXT_PX:
            lines = 2 if isinstance(item, Generated) else 1  # label, and a generated status
            paint_thumbnails(painter, rect, item, thumbs, viewport.pixels_per_frame,
                             (viewport.frame_to_x(first), viewport.frame_to_x(end)), aspect,
                             reserved=lines * metrics.height() + 6)
    spans = layout.transitions
    lo = bisect.bisect_left(spans, first, key=lambda s: s.end)
    for span in itertools.islice(spans, lo, None):
        if span.start >= end:
            break
        x0, x1 = viewport.frame_to_x(span.start), viewport.frame_to_x(span.end)
        paint_transition(painter, QRectF(x0, row.bottom() - 19, max(4.0, x1 - x0), 12),
                         span.transition)


def paint_ghost(painter: QPainter, rect: QRectF) -> None:
    """Where a dragged item would land."""
    painter.setPen(QPen(SELECTED, 2, Qt.PenStyle.DashLine))
    painter.setBrush(QColor(250, 210, 80, 40))
    painter.drawRect(rect)
