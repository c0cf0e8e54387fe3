"""Sound files for tests: float PCM in WAV, which decodes back bit for bit."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from studio.document.model import AudioItem, Fingerprint, MediaRef, Project, Timeline, Track
from studio.document.timebase import FrameRange
from studio.tools.audio_demo import encode_sound


def write_sound(path: Path, samples: np.ndarray, rate: int = 48_000) -> Path:
    """A WAV file of float32 ``samples`` ``(channels, n)`` (1 or 2 channels)."""
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_f32le", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.T.reshape(1, -1), np.float32), format="flt",
            layout=layout)
        frame.sample_rate, frame.pts = rate, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def decoded_stereo(path: Path, rate: int | None = None) -> np.ndarray:
    """The first sound stream of ``path`` decoded as float32 ``(2, n)``, resampled by PyAV to
    ``rate`` (its own rate by default)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        planar = av.AudioResampler(format="fltp", layout="stereo", rate=rate or stream.rate)
        return np.concatenate([f.to_ndarray() for frame in container.decode(stream)
                               for f in planar.resample(frame)], axis=1)


def exported_sound(qtbot: Any, window: Any, out: Path) -> np.ndarray:
    """Export ``window``'s timeline to ``out`` through its Export action, as ProRes with PCM
    sound (which decodes to the mixer's samples to 24-bit rounding); its sound decoded."""
    from studio.ui.export.export_dialog import ExportOptions  # Qt only for the tests using it

    window.prompts.export_options = lambda *_args: ExportOptions(path=out, codec="prores")
    done: list[tuple[bool, str]] = []
    window.exports.runner.finished.connect(lambda ok, sentence: done.append((ok, sentence)))
    window.action_set["export"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=120_000)
    assert done[0][0], done
    return decoded_stereo(out)


#: Audio formats an import must take: file name -> (container format, encoder, sample rate).
ENCODED = {"tone.wav": ("wav", "pcm_s16le", 44_100), "tone.flac": ("flac", "flac", 48_000),
           "tone.mp3": ("mp3", "libmp3lame", 44_100), "tone.m4a": ("ipod", "aac", 48_000),
           "tone.aac": ("adts", "aac", 48_000), "tone.opus": ("ogg", "libopus", 48_000)}


def write_encoded(path: Path, seconds: float = 1.5, name: str | None = None) -> Path:
    """A 440 Hz stereo tone of ``seconds`` in the format :data:`ENCODED` gives ``name`` (by
    default ``path``'s own name)."""
    fmt, codec, rate = ENCODED[name or path.name]
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return encode_sound(path, fmt, codec, np.stack([0.3 * np.sin(2 * np.pi * 440 * t)] * 2),
                        rate)


def tone_project(folder: Path, seconds: float = 3.0, rate: Fraction = Fraction(24),
                 tracks: int = 2, hertz: float | None = None) -> Project:
    """``tracks`` audio tracks, each one quiet noise file (below the limiter) over the whole
    timeline; with ``hertz``, a sine of that frequency at amplitude 0.2 instead of noise."""
    rng = np.random.default_rng(7)
    media, audio = {}, []
    frames = int(seconds * rate)
    for n in range(tracks):
        samples = rng.uniform(-0.2, 0.2, (2, int(seconds * 48_000))).astype(np.float32)
        if hertz is not None:
            t = np.arange(samples.shape[1]) / 48_000
            samples = np.stack([0.2 * np.sin(2 * np.pi * hertz * t)] * 2).astype(np.float32)
        path = write_sound(folder / f"s{n}.wav", samples)
        media[f"m{n}"] = MediaRef(id=f"m{n}", path=path.name, kind="clip",
                                  fingerprint=Fingerprint(size=1, digest="sha256:0"),
                                  probe={"frames": frames, "rate": str(rate), "has_audio": True})
        item = AudioItem(id=f"i{n}", media_id=f"m{n}", source=FrameRange(0, frames))
        audio.append(Track(id=f"a{n}", name=f"A{n + 1}", kind="audio", items=[item]))
    return Project(id="p", name="Sound", rate=rate, media=media,
                   timeline=Timeline(id="t", audio_tracks=audio))


class FakeSink:
    """An output with no device: holds 0.1 s, and plays by the wall clock until held."""

    def __init__(self) -> None:
        self.fed: list[np.ndarray] = []
        self.written = 0
        self.started = time.monotonic()
        self.held: int | None = None

    def played(self) -> int:
        if self.held is not None:
            return self.held
        return min(self.written, int((time.monotonic() - self.started) * 48_000))

    def free(self) -> int:
        return 4_800 - (self.written - self.played())

    def write(self, samples: np.ndarray) -> None:
        self.fed.append(samples.copy())
        self.written += samples.shape[1]

    def close(self) -> None:
        pass
