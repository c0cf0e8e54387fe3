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



def _amplitude(samples: np.ndarray, hertz: float) -> float:
    """The amplitude of the ``hertz`` component of the first channel, at 48 kHz."""
    t = np.arange(samples.shape[1]) / SR
    return float(2 * np.abs((samples[0] * np.exp(-2j * np.pi * hertz * t)).mean()))


@pytest.mark.parametrize("speed", [2, -2])
def test_at_2x_a_low_tone_plays_an_octave_up_and_a_high_one_is_filtered_out(
        tmp_path: Path, speed: int) -> None:
    # 1 kHz plays as 2 kHz at full level. 19 kHz would play at 38 kHz, above the device's
    # 24 kHz: taking every other sample alone folds it back to 10 kHz at full level.
    sides: dict[float, np.ndarray] = {}
    for hertz in (1_000.0, 19_000.0):
        (tmp_path / str(hertz)).mkdir()
        project = tone_project(tmp_path / str(hertz), tracks=1, hertz=hertz)
        origin = 10 if speed > 0 else 60
        sides[hertz] = read_all(SoundFeed(project, tmp_path / str(hertz), origin, speed), 24_000)
        mixed = mix(project, tmp_path / str(hertz))
        assert _amplitude(mixed[:, :48_000], hertz) == pytest.approx(0.2, rel=0.01)
    low, high = sides[1_000.0][:, 100:], sides[19_000.0][:, 100:]  # past the filter's start
    assert _amplitude(low, 2_000.0) == pytest.approx(0.2, rel=0.01)
    assert _amplitude(high, 10_000.0) < 0.2 * 10 ** (-60 / 20)
    assert np.abs(high).max() < 0.002


@pytest.mark.parametrize("speed", [2, -2])
def test_at_2x_each_output_sample_is_centred_on_its_own_input_sample(tmp_path: Path,
                                                                     speed: int) -> None:
    project = tone_project(tmp_path, hertz=700.0)
    want = mix(project, tmp_path, 10) if speed > 0 else mix(project, tmp_path, 0, 61)[:, ::-1]
    origin = 10 if speed > 0 else 60
    double = read_all(SoundFeed(project, tmp_path, origin, speed), 30_000)
    # A tone well inside the pass band comes through as it is: output p is input 2p, in
    # every piece read, with no sample skipped or repeated where pieces or spans meet.
    np.testing.assert_allclose(double[:, 40:], want[:, 80:60_000:2], atol=0.002)


def test_backward_the_feed_is_the_mix_reversed(tmp_path: Path) -> None:
    project = tone_project(tmp_path)
    want = mix(project, tmp_path, 0, 41)[:, ::-1]  # from frame 40's last sample
    got = read_all(SoundFeed(project, tmp_path, 40, -1), want.shape[1] + 100)
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
