"""The media bin's picture of an audio file: its waveform, drawn from its peaks."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainter, QPixmap

from studio.document.model import AudioItem
from studio.ui.timeline.timeline_paint import COLOURS, WAVE


def waveform_icon(peaks: np.ndarray, size: tuple[int, int]) -> QPixmap:
    """A ``size`` picture of a whole sound on the timeline's colour for sounds: one line per
    column, as tall as the loudest peak under it."""
    width, height = size
    pixmap = QPixmap(width, height)
    pixmap.fill(COLOURS[AudioItem])
    if peaks.size:
        edges = np.linspace(0, peaks.size, width + 1).astype(np.int64)
        painter = QPainter(pixmap)
        painter.setPen(WAVE)
        middle = height / 2
        for x in range(width):
            a = min(int(edges[x]), peaks.size - 1)
            top = int(peaks[a:max(int(edges[x + 1]), a + 1)].max())
            half = max(0.5, top / 255 * (middle - 2))
            painter.drawLine(QPointF(x + 0.5, middle - half), QPointF(x + 0.5, middle + half))
        painter.end()
    return pixmap
