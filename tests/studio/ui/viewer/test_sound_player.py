"""Playback feeds the output the mixer's samples, remixes when a track is muted mid-play, runs
the picture on the output's clock, and without an output plays the picture and says so once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from studio.document import audio_edits
from studio.render.mixer import mix
from studio.ui.viewer import sound
from studio.ui.viewer.sound import SoundPlayer
from studio.ui.viewer.viewer import Playback
from studio.ui.window.main_window import MainWindow
from support.sound import FakeSink, tone_project

SR = 48_000


def test_play_feeds_the_mix_and_a_mute_mid_play_changes_it(qtbot: QtBot, tmp_path: Path) -> None:
    project = tone_project(tmp_path)
    before = mix(project, tmp_path)
    sinks: list[FakeSink] = []
    playback = Playback()

    def open_sink(_rate: int) -> FakeSink:
        sinks.append(FakeSink())
        return sinks[-1]

    player = SoundPlayer(playback, print, open_sink=open_sink)
    player.set_project(project, tmp_path)
    playback.start(0, project.rate, 72)  # 3 s
    qtbot.waitUntil(lambda: sinks[0].written > SR // 2, timeout=10000)
    audio_edits.set_track(project, "a1", mute=True)  # as the M button's command does
    qtbot.waitUntil(lambda: sinks[0].written > SR, timeout=10000)
    sink = sinks[0]
    sink.held = sink.played()
    qtbot.wait(60)  # a few ticks on the held clock
    assert playback.position() == sink.held * 24 // SR == playback.sound_clock()  # type: ignore[misc]
    playback.stop()
    assert not player.playing
    fed = np.concatenate(sink.fed, axis=1)
    [at] = player.remixed
    assert SR // 2 <= at < fed.shape[1]
    after = mix(project, tmp_path)
    np.testing.assert_array_equal(fed[:, :at], before[:, :at])
    np.testing.assert_array_equal(fed[:, at:], after[:, at:fed.shape[1]])
    assert not np.array_equal(before[:, at:fed.shape[1]], after[:, at:fed.shape[1]])
    playback.start(0, project.rate, 72, speed=4.0)  # shuttle: silent
    assert len(sinks) == 1 and not player.playing and playback.sound_clock is None
    playback.stop()
    player.shutdown()


def test_with_no_output_the_picture_plays_and_the_studio_says_so_once(
        qtbot: QtBot, window: MainWindow) -> None:
    said: list[str] = []
    window.status_bar.messageChanged.connect(said.append)
    window.sound.open_sink = lambda _rate: "No audio output device was found; playback is silent."
    for start in (10, 40):
        window.timeline.set_playhead(start)
        window.action_set["play_pause"].trigger()
        qtbot.waitUntil(lambda s=start: window.timeline.playhead >= s + 6, timeout=10000)
        window.action_set["play_pause"].trigger()
    assert said.count("No audio output device was found; playback is silent.") == 1
    assert not window.sound.playing


def test_an_output_that_never_plays_is_given_up_and_the_picture_goes_on(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sound, "STALL_MS", 300)
    project = tone_project(tmp_path, seconds=1.0)
    stuck = FakeSink()
    stuck.held = 0
    said: list[str] = []
    playback = Playback()
    player = SoundPlayer(playback, said.append, open_sink=lambda _rate: stuck)
    player.set_project(project, tmp_path)
    frames: list[int] = []
    playback.seek.connect(frames.append)
    playback.start(0, project.rate, 24)
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said == ["The audio output stopped playing; playback goes on without sound."]
    assert set(frames) == {0} and not player.playing  # held by the output's clock until then
    qtbot.waitUntil(lambda: not playback.playing, timeout=5000)  # then on the wall clock
    assert frames[-1] == 23
    player.shutdown()


def test_the_default_output_opens_or_says_why_not(qtbot: QtBot) -> None:
    """CI has no audio device (and a machine without libpulse cannot load QtMultimedia): one
    sentence, not an exception; on a desktop, a sink that takes samples."""
    sink = sound.open_default_sink(48_000)
    if isinstance(sink, str):
        assert sink.endswith("playback is silent.")
    else:
        sink.write(np.zeros((2, min(sink.free(), 480)), np.float32))
        sink.close()


def test_a_sound_that_cannot_be_read_is_said_and_played_as_silence(
        qtbot: QtBot, tmp_path: Path) -> None:
    project = tone_project(tmp_path, seconds=1.0, tracks=1)
    (tmp_path / "s0.wav").unlink()
    said: list[str] = []
    sinks: list[FakeSink] = []

    def open_sink(_rate: int) -> FakeSink:
        sinks.append(FakeSink())
        return sinks[-1]

    playback = Playback()
    player = SoundPlayer(playback, said.append, open_sink=open_sink)
    player.set_project(project, tmp_path)
    playback.start(0, project.rate, 24)
    qtbot.waitUntil(lambda: bool(said) and sinks[0].written > SR // 4, timeout=5000)
    assert said == ["The sound of s0.wav cannot be played: the file is missing (relink it in "
                    "the media pool)."]
    assert player.playing and not np.concatenate(sinks[0].fed, axis=1).any()
    playback.stop()
    player.shutdown()
