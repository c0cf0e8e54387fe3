"""Exports carry the mixer's sound, interleaved with the picture: PCM in a ProRes MOV sample for
sample, AAC in an MP4 by correlation and level."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from render_helpers import media, write_still
from test_mixer import noise, pool, sound_project

from studio.document import edits
from studio.document.model import AudioItem, Gap, Project, Still, Track
from studio.document.timebase import FrameRange
from studio.render.export import export
from studio.render.mixer import mix
from support.sound import write_sound

SR = 48_000


def tones(seconds: float, *hz: float) -> np.ndarray:
    """Stereo sines (left and right a little apart), swelling and fading: sound AAC keeps."""
    t = np.arange(int(seconds * SR)) / SR
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * 1.3 * t)
    left = sum(np.sin(2 * np.pi * f * t) for f in hz) / len(hz)
    right = sum(np.sin(2 * np.pi * f * 1.01 * t + 0.5) for f in hz) / len(hz)
    return (0.4 * swell * np.stack([left, right])).astype(np.float32)


def decode_audio(path: Path) -> tuple[np.ndarray, int, int]:
    """``(samples (2, n) float32, rate, channels)`` of a file's first audio stream, however
    it is stored (24-bit integers become floats exactly)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        planar = av.AudioResampler(format="fltp", layout="stereo", rate=stream.rate)
        chunks = [f.to_ndarray() for frame in container.decode(stream)
                  for f in planar.resample(frame)]
        return np.concatenate(chunks, axis=1), stream.rate, stream.channels


def two_track_project(folder: Path, aac: bool = False) -> Project:
    """48 frames of a still over two audio tracks (noise, or tones for AAC), the second
    starting at frame 10, with a fade and a gain."""
    if aac:
        sounds = pool(folder, {"a": tones(3, 220, 330, 1250), "b": tones(3, 440, 95, 3000)})
    else:
        sounds = pool(folder, {"a": noise(3, 11), "b": noise(3, 12, level=0.3)})
    grey = media(folder, write_still(folder / "grey.png", (90, 90, 90)), "m-grey", "still")
    proj = sound_project({**sounds, "m-grey": grey},
                         [AudioItem(id="x", media_id="m-a", source=FrameRange(3, 40))],
                         [Gap(id="g", duration=10),
                          AudioItem(id="y", media_id="m-b", source=FrameRange(0, 38),
                                    gain_db=-2.0, fade_in=5, fade_out=7)])
    proj.width, proj.height = 64, 36
    proj.timeline.tracks.append(Track(id="v", name="V1", items=[
        Still(id="s", media_id="m-grey", duration=48)]))
    return proj


def packet_order(path: Path) -> list[tuple[str, float]]:
    with av.open(str(path)) as container:
        return [(p.stream.type, float(p.pts * p.time_base)) for p in container.demux()
                if p.pts is not None and p.time_base is not None]


def test_prores_mov_carries_the_mix_as_pcm_sample_for_sample(tmp_path: Path) -> None:
    proj = two_track_project(tmp_path)
    edits.set_track(proj, "a0", mute=True)
    expected = mix(proj, tmp_path, 0, 48)
    assert np.abs(expected).max() > 0.1  # the unmuted track is there
    out = export(proj, tmp_path, tmp_path / "x.mov", codec="prores")
    samples, rate, channels = decode_audio(out)
    assert (rate, channels) == (SR, 2)
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.name == "pcm_s24le"
    assert samples.shape == expected.shape == (2, 48 * 2000)
    assert np.abs(samples - expected).max() <= 2 ** -23  # 24-bit rounding, nothing else
    order = packet_order(out)
    kinds = [k for k, _t in order]
    assert kinds.index("audio") < len(kinds) - 1 - kinds[::-1].index("video")  # interleaved
    latest = 0.0
    for _kind, time in order:  # packets come in time order, give or take half a second
        assert time >= latest - 0.5
        latest = max(latest, time)


def test_h264_mp4_carries_the_mix_as_aac(tmp_path: Path) -> None:
    proj = two_track_project(tmp_path, aac=True)
    expected = mix(proj, tmp_path, 0, 48)
    out = export(proj, tmp_path, tmp_path / "x.mp4", preset="ultrafast")
    samples, rate, channels = decode_audio(out)
    assert (rate, channels) == (SR, 2)
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
    n = expected.shape[1]
    assert abs(samples.shape[1] - n) <= 2048  # AAC pads to whole 1024-sample frames
    lags = range(-1024, 1025)
    best = max(lags, key=lambda lag: float(np.dot(samples[0, 4096 + lag:n - 4096 + lag],
                                                  expected[0, 4096:n - 4096])))
    got, want = samples[:, 4096 + best:n - 4096 + best], expected[:, 4096:n - 4096]
    for channel in range(2):
        assert np.corrcoef(got[channel], want[channel])[0, 1] > 0.99
    level = 20 * np.log10(np.sqrt((got ** 2).mean()) / np.sqrt((want ** 2).mean()))
    assert abs(level) < 1.0, level
    assert abs(best) <= 64, best  # in step with the picture (AAC priming is trimmed)
    assert "audio" in [k for k, _t in packet_order(out)[:40]]  # interleaved, not at the end


def test_a_missing_sound_fails_the_export_in_one_sentence_and_writes_nothing(
        tmp_path: Path) -> None:
    from studio.errors import RenderError

    proj = two_track_project(tmp_path)
    (tmp_path / "b.wav").unlink()
    with pytest.raises(RenderError, match=r"b\.wav cannot be played: the file is missing"):
        export(proj, tmp_path, tmp_path / "x.mp4", preset="ultrafast")
    assert not (tmp_path / "x.mp4").exists()


def test_export_range_takes_the_mix_of_that_range(tmp_path: Path) -> None:
    proj = two_track_project(tmp_path)
    out = export(proj, tmp_path, tmp_path / "x.mov", codec="prores", frame_range=(12, 30))
    samples, _rate, _channels = decode_audio(out)
    assert np.abs(samples - mix(proj, tmp_path, 12, 30)).max() <= 2 ** -23


def test_write_sound_round_trips_float_pcm(tmp_path: Path) -> None:
    data = noise(0.1, 13)
    write_sound(tmp_path / "n.wav", data)
    back, _rate, _channels = decode_audio(tmp_path / "n.wav")
    assert np.array_equal(back, data)
