"""Fades on the timeline's sound cards: each faded edge is shaded above a straight ramp from
silence to full, as long as the fade, and the cards follow fade edits."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from studio.document import edits
from studio.document.model import AudioItem, Fingerprint, MediaRef, Project, Timeline, Track
from studio.document.timebase import FrameRange
from studio.ui.timeline import timeline_paint
from studio.ui.timeline.timeline_view import QtTimelineView
from support.timeline_views import shown_timeline

PPF = 10.0
CARD = timeline_paint.COLOURS[AudioItem]


@pytest.fixture
def view(qtbot: QtBot) -> QtTimelineView:
    """A 48-frame sound fading in over 12 frames and out over 6 on A1, a plain one on A2 (no
    waveforms: the fades show before the peaks come)."""
    media = MediaRef(id="m", path="s.wav", kind="clip", fingerprint=Fingerprint(
        size=1, digest="sha256:0"), probe={"frames": 48, "rate": "24", "has_audio": True})
    faded = AudioItem(id="faded", media_id="m", source=FrameRange(0, 48), fade_in=12,
                      fade_out=6)
    plain = AudioItem(id="plain", media_id="m", source=FrameRange(0, 48))
    project = Project(id="p", name="p", rate=Fraction(24), media={"m": media},
                      timeline=Timeline(id="t", tracks=[Track(id="v", name="V1")], audio_tracks=[
                          Track(id="a1", name="A1", kind="audio", items=[faded]),
                          Track(id="a2", name="A2", kind="audio", items=[plain])]))
    return shown_timeline(qtbot, project, (700, 300), PPF)


def _area(view: QtTimelineView, item_id: str) -> QRectF:
    """Where the card of ``item_id`` draws its waveform (and its fades)."""
    rect = view.item_rect(item_id)
    assert rect is not None
    return rect.adjusted(1, view.fontMetrics().height() + 4, -1, -2)


def _at(image: QImage, x: float, y: float) -> QColor:
    return QColor(image.pixel(int(x), int(y)))


def _shaded(colour: QColor) -> bool:
    """Darker than the card by the fade's shade (to under 3/4 of each channel)."""
    return all(mine < card * 0.75 for mine, card in zip(
        colour.getRgb()[:3], CARD.getRgb()[:3], strict=True))


def test_fades_are_shaded_above_their_ramps(view: QtTimelineView) -> None:
    image = view.grab().toImage()
    area = _area(view, "faded")
    top, bottom, left, right = area.top(), area.bottom(), area.left(), area.right()
    fade_in, fade_out = 12 * PPF, 6 * PPF
    assert _shaded(_at(image, left + 3, top + 12))  # the silent start: above the ramp
    assert _at(image, left + fade_in - 3, bottom - 3) == CARD  # under the ramp: heard
    assert _at(image, left + fade_in + 5, top + 12) == CARD  # after the fade: full
    assert _at(image, left + 24 * PPF, top + 12) == CARD
    assert _shaded(_at(image, right - 3, top + 12))  # the fade out's silent end
    assert _at(image, right - fade_out - 5, top + 12) == CARD  # before it
    # The ramp: a light line from the bottom at the start to the top 12 frames in.
    middle = (top + bottom) / 2
    column = [_at(image, left + fade_in / 2, y).lightness()
              for y in range(int(middle) - 2, int(middle) + 3)]
    assert max(column) > 200 > CARD.lightness()
    plain = _area(view, "plain")
    assert _at(image, plain.left() + 3, plain.top() + 12) == CARD  # no fades: nothing drawn
    assert _at(image, plain.right() - 3, plain.top() + 12) == CARD
    # Under the fade handles' squares (their top 8 pixels, left alone above): each fade's
    # handle hangs from its ramp's top end, a plain card's from its top corners.
    for x, y in ((left + fade_in, top + 4), (right - fade_out, top + 4),
                 (plain.left() + 1, plain.top() + 4), (plain.right() - 1, plain.top() + 4)):
        assert _at(image, x, y).lightness() > 200, (x, y)


def test_cards_follow_fade_edits(view: QtTimelineView) -> None:
    area = _area(view, "faded")
    edits.set_sound(view.project, "faded", fade_in=0, fade_out=24)
    image = view.grab().toImage()
    assert _at(image, area.left() + 3, area.top() + 12) == CARD  # no fade in now
    assert _shaded(_at(image, area.right() - 20 * PPF, area.top() + 3))  # a longer fade out
    assert _at(image, area.right() - 30 * PPF, area.top() + 12) == CARD
