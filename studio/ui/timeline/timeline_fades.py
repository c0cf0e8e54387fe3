"""Fades on the timeline's sound cards: a ramp drawn over the waveform at each faded edge."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from studio.document.model import AudioItem

#: The ramp's line, and the shade over what the fade takes away (above the ramp).
RAMP = QColor(245, 245, 245)
FADED = QColor(0, 0, 0, 110)


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
                reserved: float) -> None:
    """Shade what each fade of ``item`` takes away and draw its ramp, on the card ``rect``
    below ``reserved`` pixels of label (the waveform's area)."""
    area = rect.adjusted(1, reserved, -1, -2)
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
    painter.restore()
