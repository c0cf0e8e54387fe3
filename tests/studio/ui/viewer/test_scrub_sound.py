"""Scrubbing plays short snippets of the mix at the playhead: exactly the mixer's samples with
faded ends, throttled so a fast drag plays where it ends, never while playback plays, and the
output is let go when playback starts or scrubbing stops."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from studio.render.mixer import mix
from studio.ui.viewer import scrub_sound
from studio.ui.viewer.scrub_sound import FADE, snippet
from studio.ui.viewer.sound import SoundPlayer
from studio.ui.viewer.viewer import Playback
from studio.ui.window.main_window import MainWindow
from support.sound import FakeSink, tone_project

SR = 48_000


class _Playhead(QObject):
    moved = Signal(int)


def test_a_snippet_is_the_mix_at_the_frame_with_faded_ends(tmp_path: Path) -> None:
    project = tone_project(tmp_path, seconds=2.0)
    samples = snippet(project, tmp_path, 30)
    assert samples is not None and samples.shape == (2, SR * 80 // 1000)
    expected = mix(project, tmp_path, 30, 34)[:, :samples.shape[1]].copy()
    ramp = np.linspace(0.0, 1.0, FADE, dtype=np.float32)
    expected[:, :FADE] *= ramp
    expected[:, -FADE:] *= ramp[::-1]
    np.testing.assert_array_equal(samples, expected)
    assert snippet(project, tmp_path, 48) is None  # past the sounds: nothing to play


def test_scrubbing_plays_throttled_snippets_and_stops_for_playback(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scrub_sound, "IDLE_MS", 300)
    project = tone_project(tmp_path, seconds=2.0)
    sinks: list[FakeSink] = []

    def open_sink(_rate: int) -> FakeSink:
        sinks.append(FakeSink())
        return sinks[-1]

    playback, playhead = Playback(), _Playhead()
    player = SoundPlayer(playback, print, open_sink=open_sink)
    player.set_project(project, tmp_path, playhead.moved)
    playhead.moved.emit(12)
    qtbot.waitUntil(lambda: player.scrub.played == [12], timeout=5000)
    first = snippet(project, tmp_path, 12)
    assert first is not None
    np.testing.assert_array_equal(sinks[0].fed[0], first)
    for frame in range(13, 41):  # a fast drag: one snippet now and then, ending where it ends
        playhead.moved.emit(frame)
    qtbot.waitUntil(lambda: player.scrub.played[-1:] == [40], timeout=5000)
    assert len(player.scrub.played) <= 4 and len(sinks) == 1
    qtbot.waitUntil(lambda: player.scrub.sink is None, timeout=5000)  # idle: output let go
    playhead.moved.emit(20)
    qtbot.waitUntil(lambda: player.scrub.played[-1:] == [20], timeout=5000)
    assert len(sinks) == 2 and player.scrub.sink is sinks[1]
    playback.start(0, project.rate, 48)  # playback takes the output over at once
    assert player.scrub.sink is None and player.playing
    played = len(player.scrub.played)
    playhead.moved.emit(5)  # moves while playing are playback's own, not scrubs
    qtbot.wait(200)
    assert len(player.scrub.played) == played
    playback.stop()
    player.shutdown()


def test_shuttle_above_2x_is_silent(qtbot: QtBot, tmp_path: Path) -> None:
    project = tone_project(tmp_path, seconds=2.0)
    sinks: list[FakeSink] = []
    playback = Playback()
    player = SoundPlayer(playback, print, open_sink=lambda _r: sinks.append(FakeSink())
                         or sinks[-1])
    player.set_project(project, tmp_path)
    for speed, heard in ((2.0, True), (-2.0, True), (4.0, False), (-8.0, False)):
        playback.start(24, project.rate, 48, speed=speed)
        assert player.playing is heard, speed
        playback.stop()
    player.shutdown()


def test_the_window_plays_a_snippet_where_the_playhead_is_moved(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from support.sound import write_encoded

    sinks: list[FakeSink] = []
    window.sound.open_sink = lambda _rate: sinks.append(FakeSink()) or sinks[-1]
    assert window.import_media([write_encoded(tmp_path / "tone.wav")])
    window.media_list.itemDoubleClicked.emit(window.media_list.item(
        window.media_list.count() - 1))  # the tone on A1 from frame 0
    window.timeline.set_playhead(10)
    qtbot.waitUntil(lambda: bool(sinks) and bool(sinks[0].fed), timeout=5000)
    expected = snippet(window.project, window.session.folder, 10)
    assert expected is not None and np.abs(expected).max() > 0.2
    np.testing.assert_array_equal(sinks[0].fed[0], expected)


def test_with_no_output_scrubbing_asks_for_one_once(qtbot: QtBot, tmp_path: Path) -> None:
    project = tone_project(tmp_path, seconds=2.0)
    asked: list[int] = []
    said: list[str] = []

    def no_sink(rate: int) -> str:
        asked.append(rate)
        return "No audio output device was found; playback is silent."

    playback, playhead = Playback(), _Playhead()
    player = SoundPlayer(playback, said.append, open_sink=no_sink)
    player.set_project(project, tmp_path, playhead.moved)
    for frame in (3, 20, 40):
        playhead.moved.emit(frame)
        qtbot.wait(150)  # each move is its own snippet, mixed and then not played
    assert asked == [SR] and said == ["No audio output device was found; playback is silent."]
    assert player.scrub.played == []
    player.shutdown()


def test_a_snippet_cancelled_by_a_shutdown_is_dropped_quietly(qtbot: QtBot,
                                                              tmp_path: Path) -> None:
    sinks: list[FakeSink] = []
    player = SoundPlayer(Playback(), print, open_sink=lambda _rate: sinks.append(FakeSink())
                         or sinks[-1])
    playhead = _Playhead()
    player.set_project(tone_project(tmp_path, seconds=2.0), tmp_path, playhead.moved)
    cancelled: Future[np.ndarray | None] = Future()
    cancelled.cancel()
    player.scrub._busy = True
    player.scrub._mixed(12, cancelled)  # the shutdown's cancelled future: no CancelledError
    assert not player.scrub._busy and player.scrub.played == [] and sinks == []
    player.shutdown()
