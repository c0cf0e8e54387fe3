"""The mixer against plain numpy: placement, gain, fades, crossfades, sums across tracks with
mute and solo, resampling, the limiter, and one-sentence errors for missing or broken sound."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from studio.document.model import (
    AudioItem,
    Fingerprint,
    Gap,
    MediaRef,
    Project,
    Timeline,
    Track,
    TrackEntry,
    Transition,
)
from studio.document.timebase import FrameRange
from studio.errors import RenderError
from studio.render.mixer import CEILING, Limiter, Mixer, mix
from support.sound import write_sound

SR = 48_000
PER_FRAME = SR // 24  # samples per frame at 24 fps


def noise(seconds: float, seed: int, level: float = 0.2, channels: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-level, level, (channels, int(seconds * SR)))).astype(np.float32)


def pool(folder: Path, sounds: dict[str, np.ndarray], rate: int = SR) -> dict[str, MediaRef]:
    out = {}
    for name, samples in sounds.items():
        path = write_sound(folder / f"{name}.wav", samples, rate)
        frames = samples.shape[1] * 24 // rate
        out[f"m-{name}"] = MediaRef(id=f"m-{name}", path=path.name, kind="clip",
                                    fingerprint=Fingerprint(size=1, digest="sha256:0"),
                                    probe={"frames": frames, "rate": "24", "has_audio": True})
    return out


def sound_project(media: dict[str, MediaRef], *tracks: list[TrackEntry],
                  settings: list[dict[str, object]] | None = None) -> Project:
    audio = [Track(id=f"a{n}", name=f"A{n + 1}", kind="audio", items=list(items),
                   **(settings[n] if settings else {}))  # type: ignore[arg-type]
             for n, items in enumerate(tracks)]
    return Project(id="p", name="Mix", rate=Fraction(24), media=media,
                   timeline=Timeline(id="t", audio_tracks=audio))


def sound(item_id: str, name: str, start: int, frames: int, **kw: object) -> AudioItem:
    return AudioItem(id=item_id, media_id=f"m-{name}", source=FrameRange(start, frames),
                     **kw)  # type: ignore[arg-type]


def s(frames: int) -> int:
    return frames * PER_FRAME


def test_an_item_plays_its_source_samples_exactly_where_it_lies(tmp_path: Path) -> None:
    src = noise(2, 1)
    proj = sound_project(pool(tmp_path, {"a": src}),
                         [Gap(id="g", duration=10), sound("x", "a", 5, 20)])
    out = mix(proj, tmp_path)
    expected = np.zeros((2, s(30)), np.float32)
    expected[:, s(10):] = src[:, s(5):s(25)]
    assert out.shape == expected.shape
    assert np.array_equal(out, expected)
    assert np.array_equal(mix(proj, tmp_path, 12, 17), expected[:, s(12):s(17)])  # a range


def test_gain_and_fades_are_exact(tmp_path: Path) -> None:
    src = noise(2, 2)
    item = sound("x", "a", 0, 12, gain_db=-6.0, fade_in=3, fade_out=2)
    out = mix(sound_project(pool(tmp_path, {"a": src}), [item]), tmp_path)
    k = np.arange(s(12), dtype=np.float64)
    env = 10 ** (-6 / 20) * np.clip(k / s(3), 0, 1) * np.clip((s(12) - k) / s(2), 0, 1)
    expected = (src[:, :s(12)] * env).astype(np.float32)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-7)
    assert out[0, 0] == 0 and abs(out[0, s(12) - 1]) <= abs(src[0, s(12) - 1]) / s(2) + 1e-7


def test_tracks_sum_with_their_gain_and_mute_and_solo_choose_what_is_heard(
        tmp_path: Path) -> None:
    a, b, c = noise(1, 3), noise(1, 4), noise(1, 5)
    media = pool(tmp_path, {"a": a, "b": b, "c": c})
    tracks = ([sound("x", "a", 0, 20)], [sound("y", "b", 0, 20)], [sound("z", "c", 0, 20)])
    n = s(20)
    g = 10 ** (3 / 20)
    cases = [
        ([{}, {"gain_db": 3.0}, {}], a[:, :n] + b[:, :n] * g + c[:, :n]),
        ([{}, {"mute": True}, {}], a[:, :n] + c[:, :n]),
        ([{"solo": True}, {}, {"solo": True}], a[:, :n] + c[:, :n]),
        ([{"solo": True, "mute": True}, {}, {"solo": True}], c[:, :n]),
        ([{"mute": True}, {"mute": True}, {"mute": True}], np.zeros((2, n))),
    ]
    for settings, expected in cases:
        out = mix(sound_project(media, *tracks, settings=settings), tmp_path)
        np.testing.assert_allclose(out, expected.astype(np.float32), rtol=0, atol=1e-6,
                                   err_msg=str(settings))


def test_a_crossfade_mixes_both_sides_linearly_over_its_samples(tmp_path: Path) -> None:
    a, b = noise(2, 6), noise(2, 7)
    items: list[TrackEntry] = [sound("x", "a", 0, 20),
                               Transition(id="t", kind="crossfade", in_offset=4, out_offset=6),
                               sound("y", "b", 10, 20)]
    out = mix(sound_project(pool(tmp_path, {"a": a, "b": b}), items), tmp_path)
    x0, x1 = s(16), s(26)
    expected = np.zeros((2, s(40)), np.float64)
    expected[:, :x0] = a[:, :x0]
    alpha = (np.arange(x0, x1) - x0) / (x1 - x0)
    # A plays on past its out point (source frame 20 on); B starts 4 frames before its in point.
    expected[:, x0:x1] = a[:, x0:x1] * (1 - alpha) + b[:, s(6):s(16)] * alpha
    expected[:, x1:] = b[:, s(16):s(30)]
    np.testing.assert_allclose(out, expected.astype(np.float32), rtol=0, atol=1e-7)


def test_sound_is_resampled_to_the_project_rate(tmp_path: Path) -> None:
    rate = 44_100
    t = np.arange(2 * rate) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]  # mono
    out = mix(sound_project(pool(tmp_path, {"a": tone}, rate=rate), [sound("x", "a", 12, 24)]),
              tmp_path)
    assert out.shape == (2, s(24))
    assert np.array_equal(out[0], out[1])  # mono on both channels
    # Frame 12 of the source is 0.5 s in: the tone continues from there at 48 kHz.
    expected = 0.5 * np.sin(2 * np.pi * 440 * (0.5 + np.arange(s(24)) / SR))
    middle = slice(500, s(24) - 500)  # away from the resampler's edges
    assert np.abs(out[0, middle] - expected[middle]).max() < 2e-3


def test_the_limiter_holds_peaks_and_leaves_quiet_sound_bit_exact() -> None:
    rng = np.random.default_rng(8)
    quiet = rng.uniform(-0.9, 0.9, (2, 10_000)).astype(np.float32)
    loud = quiet.copy()
    loud[:, 4_000:4_100] *= 2.5  # a burst over the ceiling
    for data in (quiet, loud):
        whole = Limiter()
        one = np.concatenate([whole.push(data), whole.flush()], axis=1)
        parts, limiter = [], Limiter()
        for lo, hi in ((0, 77), (77, 3_001), (3_001, 3_002), (3_002, 10_000)):
            parts.append(limiter.push(data[:, lo:hi]))
        parts.append(limiter.flush())
        # however it is cut up (to float32 rounding)
        np.testing.assert_allclose(np.concatenate(parts, axis=1), one, rtol=0, atol=1e-7)
        assert one.shape == data.shape and np.abs(one).max() <= CEILING + 1e-6
    assert np.array_equal(one[:, :3_900], loud[:, :3_900])  # far from the burst: untouched
    assert np.array_equal(np.concatenate([Limiter().flush()], axis=1), np.zeros((2, 0)))
    first = Limiter()
    assert np.array_equal(np.concatenate([first.push(quiet), first.flush()], 1), quiet)


def test_loud_tracks_are_limited_in_the_mix(tmp_path: Path) -> None:
    a = np.full((2, SR), 0.7, np.float32)
    media = pool(tmp_path, {"a": a, "b": a})
    out = mix(sound_project(media, [sound("x", "a", 0, 12)], [sound("y", "b", 0, 12)]),
              tmp_path)
    assert np.abs(out).max() <= CEILING + 1e-6 and out.min() > 0.9


def test_a_missing_or_broken_sound_is_one_sentence(tmp_path: Path) -> None:
    media = pool(tmp_path, {"a": noise(1, 9)})
    proj = sound_project(media, [sound("x", "a", 0, 10)])
    (tmp_path / "a.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" + b"\x01" * 200)
    with pytest.raises(RenderError, match=r"^Cannot read the sound of a\.wav") as broken:
        mix(proj, tmp_path)
    assert "\n" not in str(broken.value)
    (tmp_path / "a.wav").unlink()
    with pytest.raises(RenderError, match=r"a\.wav cannot be played: the file is missing"):
        Mixer(proj, tmp_path, 0, 10)
