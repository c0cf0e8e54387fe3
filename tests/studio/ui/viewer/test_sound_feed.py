"""The sound fed during playback is the mixer's, at 1x, 2x and backward, and the picture's frame
from the audio clock stays on the sound heard over a minute (Qt-free)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from studio.document.model import Project, Timeline
from studio.render.mixer import mix
from studio.ui.viewer.sound_feed import SoundFeed, audible
from support.sound import tone_project

SR = 48_000


def read_all(feed: SoundFeed, total: int) -> np.ndarray:
    sizes = [1, 1023, 4800, 333, 2048]  # uneven, as an output asks for them
    parts, got, n = [], 0, 0
    while got < total:
        count = min(sizes[n % len(sizes)], total - got)
        parts.append(feed.read(count))
        got, n = got + count, n + 1
    return np.concatenate(parts, axis=1)


def test_forward_the_feed_is_the_mixers_output(tmp_path: Path) -> None:
    project = tone_project(tmp_path)
    want = mix(project, tmp_path, 10)
    feed = SoundFeed(project, tmp_path, 10, 1)
    got = read_all(feed, want.shape[1] + 500)
    np.testing.assert_array_equal(got[:, :want.shape[1]], want)
    assert not got[:, want.shape[1]:].any()  # past the end: silence
    double = read_all(SoundFeed(project, tmp_path, 10, 2), want.shape[1] // 2)
    np.testing.assert_array_equal(double, want[:, ::2])


@pytest.mark.parametrize("speed", [-1, -2])
def test_backward_the_feed_is_the_mix_reversed(tmp_path: Path, speed: int) -> None:
    project = tone_project(tmp_path)
    want = mix(project, tmp_path, 0, 41)[:, ::-1][:, ::-speed]  # from frame 40's last sample
    got = read_all(SoundFeed(project, tmp_path, 40, speed), want.shape[1] + 100)
    np.testing.assert_array_equal(got[:, :want.shape[1]], want)
    assert not got[:, want.shape[1]:].any()  # before frame 0: silence


def test_restart_mixes_the_edited_document_from_where_it_is(tmp_path: Path) -> None:
    project = tone_project(tmp_path)
    feed = SoundFeed(project, tmp_path, 0, 1)
    first = feed.read(5_000)
    tracks = project.timeline.audio_tracks
    muted = replace(project, timeline=replace(
        project.timeline, audio_tracks=[tracks[0], replace(tracks[1], mute=True)]))
    feed.restart(muted)
    second = feed.read(5_000)
    np.testing.assert_array_equal(first, mix(project, tmp_path)[:, :5_000])
    np.testing.assert_array_equal(second, mix(muted, tmp_path)[:, 5_000:10_000])


def test_shuttle_above_2x_is_silent() -> None:
    assert [audible(s) for s in (1, 2, -1, -2, 4, -8, 0, 1.5)] == [True] * 4 + [False] * 4


@pytest.mark.parametrize(("rate", "speed"), [(Fraction(24), 1), (Fraction(30000, 1001), 1),
                                             (Fraction(25), -2), (Fraction(24), 2)])
def test_a_minute_of_playback_keeps_the_picture_on_the_sound(rate: Fraction, speed: int) -> None:
    """An output that plays in uneven bursts, its crystal 0.5% fast against the wall clock, for
    60 s: the frame shown is always the frame of the sample being heard (drift 0 frames), where
    the wall clock would have drifted 0.3 s (7 or more frames)."""
    project = Project(id="p", name="Sync", rate=rate, timeline=Timeline(id="t"))
    origin = 4_000 if speed < 0 else 0  # 160 s in
    feed = SoundFeed(project, Path("."), origin, speed)
    rng = np.random.default_rng(3)
    played, worst, wall = 0, 0, 0.0
    while played < 60 * SR:
        played += int(rng.integers(64, 2_048))  # one device period
        wall = played / (SR * 1.005)  # seconds by the wall clock
        heard = feed.timeline_sample(played - 1)
        shown = feed.frame(played)
        assert feed.sample(shown) <= heard < feed.sample(shown + 1)
        worst = max(worst, abs(shown - feed.frame_of(heard)))
    by_wall = origin + int(wall * float(rate) * speed)
    assert worst == 0
    assert abs(by_wall - feed.frame(played)) >= 7
