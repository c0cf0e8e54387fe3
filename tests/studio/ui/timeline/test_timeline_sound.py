"""The timeline's audio rows: under the video rows, waveforms from peak files made off the GUI
thread (drawn once they arrive), gain shaping them, and muted tracks tagged."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from studio.document import edits
from studio.document.fingerprint import fingerprint_file
from studio.document.model import AudioItem, Gap, MediaRef, Project, Timeline, Track
from studio.document.timebase import FrameRange
from studio.media.peaks import PeakService
from studio.ui.timeline import timeline_paint
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.workers.waveforms import QtWaveforms
from support.sound import write_sound

PPF = 10.0


def loud_at_one_second(folder: Path) -> Path:
    """2 s of near silence with a full-scale burst from 1.0 to 1.1 s."""
    sound = np.full((2, 96_000), 0.01, np.float32)
    sound[:, 48_000:52_800] = 0.95
    return write_sound(folder / "burst.wav", sound)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    path = loud_at_one_second(tmp_path)
    media = MediaRef(id="m", path=path.name, kind="clip", fingerprint=fingerprint_file(path),
                     probe={"frames": 48, "rate": "24", "has_audio": True})
    sound = AudioItem(id="snd", media_id="m", source=FrameRange(0, 48))
    return Project(id="p", name="p", rate=Fraction(24), media={"m": media},
                   timeline=Timeline(id="t", tracks=[Track(id="v", name="V1")], audio_tracks=[
                       Track(id="a1", name="A1", kind="audio", items=[sound]),
                       Track(id="a2", name="A2", kind="audio",
                             items=[Gap(id="g", duration=4),
                                    AudioItem(id="snd2", media_id="m",
                                              source=FrameRange(0, 20))])]))


def test_audio_rows_draw_waveforms_once_their_peaks_arrive(qtbot: QtBot, project: Project,
                                                          tmp_path: Path) -> None:
    service = PeakService(tmp_path / "cache")
    waveforms = QtWaveforms(project, tmp_path, service)
    view = QtTimelineView(project)
    qtbot.addWidget(view)
    view.waveform = waveforms.peaks
    waveforms.changed.connect(view.update)
    view.resize(800, 300)
    view.set_pixels_per_frame(PPF)
    view.show()
    qtbot.waitExposed(view)
    assert [t.id for t in view.track_rows()] == ["v", "a1", "a2"]
    rows = [view.row_rect(t) for t in ("v", "a1", "a2")]
    assert rows[0].bottom() <= rows[1].top() and rows[1].bottom() <= rows[2].top()
    rect = view.item_rect("snd")
    assert rect is not None and rows[1].contains(rect)
    with qtbot.waitSignal(waveforms.changed, timeout=20_000):
        view.repaint()  # asks for the peaks: made on the service's thread, not here
    assert service.measured == 1
    image = view.grab().toImage()
    burst = QColor(image.pixel(int(rect.left() + 24.5 * PPF), int(rect.top() + 22)))
    quiet = QColor(image.pixel(int(rect.left() + 10 * PPF), int(rect.top() + 22)))
    assert burst == timeline_paint.WAVE  # the burst at 1.0-1.1 s is drawn near full height
    assert quiet == timeline_paint.COLOURS[AudioItem]  # the quiet part stays near the middle
    second = view.item_rect("snd2")
    assert second is not None
    spot = (int(second.left() + 5 * PPF), int(second.top() + 22))
    before = QColor(image.pixel(*spot))
    # Turning the gain down draws the burst smaller; muting dims the track.
    edits.set_sound(project, "snd", gain_db=-24.0)
    view.repaint()
    image = view.grab().toImage()
    assert QColor(image.pixel(int(rect.left() + 24.5 * PPF), int(rect.top() + 22))) == \
        timeline_paint.COLOURS[AudioItem]
    edits.set_track(project, "a2", mute=True)
    view.repaint()
    dimmed = QColor(view.grab().toImage().pixel(*spot))
    assert dimmed.lightness() < before.lightness() - 10
    waveforms.shutdown()
    assert service.measured == 1  # both items play the same file: one peak file
