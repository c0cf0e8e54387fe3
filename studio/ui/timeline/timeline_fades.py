"""Fades on the timeline's sound cards: a ramp drawn over the waveform at each faded edge, and
a handle at each ramp's top end that a drag moves (as Premiere's and Resolve's fade handles)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from studio.document.model import AudioItem

#: The ramp's line, and the shade over what the fade takes away (above the ramp).
RAMP = QColor(245, 245, 245)
FADED = QColor(0, 0, 0, 110)
#: Half the side of a fade handle's square, in pixels; a press this near (plus one) takes it.
HANDLE_PX = 4.0


def waveform_area(rect: QRectF, reserved: float) -> QRectF:
    """The part of a sound card ``rect`` under ``reserved`` pixels of label."""
    return rect.adjusted(1, reserved, -1, -2)


def fade_handles(area: QRectF, item: AudioItem, pixels_per_frame: float) -> dict[str, QPointF]:
    """Where the handles of ``item``'s fades are on its waveform ``area``: ``"fade_in"`` and
    ``"fade_out"``, each at its ramp's top end (at the card's top corner for no fade)."""
    width = area.width()
    return {"fade_in": QPointF(area.left() + min(item.fade_in * pixels_per_frame, width),
                               area.top()),
            "fade_out": QPointF(area.right() - min(item.fade_out * pixels_per_frame, width),
                                area.top())}


def fade_at(area: QRectF, item: AudioItem, field: str, x: float,
            pixels_per_frame: float) -> int:
    """The fade ``field`` in frames whose handle lies at ``x``: whole frames from the card's
    edge, at least 0 and at most what the other fade leaves of the sound."""
    edge = x - area.left() if field == "fade_in" else area.right() - x
    other = item.fade_out if field == "fade_in" else item.fade_in
    return max(0, min(round(edge / pixels_per_frame), item.duration - other))


def fade_ramps(area: QRectF, item: AudioItem,
               pixels_per_frame: float) -> list[tuple[QPointF, QPointF, QPointF]]:
    """The triangles the fades take from ``area`` (the card's waveform area): for each faded
    edge, the ramp's silent end, its full end and the corner between them at the top.

    The ramps are straight, as the mixer's linear fades are, and reach the top where the
    sound is at its gain: a waveform drawn in ``area`` fits under them. A fade longer than
    the card is shown (the card can be narrower than a pixel a frame) only up to its edge.
    """
    ramps = []
    top, bottom = area.top(), area.bottom()
    if item.fade_in:
        width = min(item.fade_in * pixels_per_frame, area.width())
        ramps.append((QPointF(area.left(), bottom), QPointF(area.left() + width, top),
                      QPointF(area.left(), top)))
    if item.fade_out:
        width = min(item.fade_out * pixels_per_frame, area.width())
        ramps.append((QPointF(area.right(), bottom), QPointF(area.right() - width, top),
                      QPointF(area.right(), top)))
    return ramps


def paint_fades(painter: QPainter, rect: QRectF, item: AudioItem, pixels_per_frame: float,
                reserved: float, handles: bool = False) -> None:
    """Shade what each fade of ``item`` takes away and draw its ramp, on the card ``rect``
    below ``reserved`` pixels of label (the waveform's area); with ``handles``, the fade
    handles too (a square hanging from each, :func:`fade_handles`)."""
    area = waveform_area(rect, reserved)
    if area.height() < 6 or area.width() < 2:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for silent, full, corner in fade_ramps(area, item, pixels_per_frame):
        if abs(full.x() - silent.x()) < 1:
            continue  # under a pixel: nothing to see
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(FADED)
        painter.drawPolygon(QPolygonF([silent, full, corner]))
        painter.setPen(QPen(RAMP, 1.5))
        painter.drawLine(silent, full)
    if handles:
        painter.setPen(QPen(QColor(0, 0, 0, 160), 1))
        painter.setBrush(RAMP)
        for point in fade_handles(area, item, pixels_per_frame).values():
            painter.drawRect(QRectF(point.x() - HANDLE_PX, point.y(), 2 * HANDLE_PX,
                                    2 * HANDLE_PX))
    painter.restore()
