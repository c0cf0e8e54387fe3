"""What a playing viewer hands its audio output, and the picture's frame by the audio clock.

Qt-free, so the timing is tested without a device. Playing from frame ``origin`` at ``speed``
(1 or 2 forward, -1 or -2 backward; faster shuttle is silent, :func:`audible`), device sample
``p`` (counted from 0 at the start) is timeline sample ``sample(origin) + speed * p`` forward and
``sample(origin + 1) - 1 + speed * p`` backward, where ``sample(f)`` is the mixer's first sample
of frame ``f``; the picture shows the frame holding the sample being heard
(:meth:`SoundFeed.frame`), so it follows the audio clock and cannot drift from it. At 2x
every other sample is played after a low-pass at half the band (:class:`HalfBand`), so what
lay above a quarter of the sample rate, which would play above the device's Nyquist
frequency, is taken out rather than folded back as a whistle.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Protocol

import numpy as np

from studio.document.model import Project
from studio.media.sound import CHANNELS
from studio.render.mixer import Mixer

#: Shuttle faster than this (either way) plays the picture without sound, as editors do.
MAX_SOUND_SPEED = 2
#: Frames mixed at a time when playing backward (each span is mixed forward, then reversed).
BACK_FRAMES = 12


class HalfBand:
    """Low-pass at a quarter of the sample rate, then every other sample: a stream at half its
    rate, read in pieces of any even length.

    A windowed-sinc FIR of :data:`TAPS` taps (Blackman window: flat to within 0.1 dB up to
    0.21 of the sample rate, half power at 0.24, at least 60 dB down from 0.291), centred on
    the sample it keeps: output ``p`` is centred on input ``2 p``. The samples before the
    first are taken as silence, so the first piece fed must be :data:`LEAD` samples longer
    than twice its output.
    """

    TAPS = 63
    LEAD = TAPS // 2

    def __init__(self) -> None:
        n = np.arange(self.TAPS) - self.LEAD
        taps = 0.5 * np.sinc(0.5 * n) * np.blackman(self.TAPS)
        self.taps = (taps / taps.sum()).astype(np.float64)
        self._held = np.zeros((CHANNELS, self.LEAD), np.float64)  # the silence before

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Filter ``(2, n)`` samples (after what was fed before) and keep every other one:
        ``(2, m)`` float32, one for each even input sample whose window is now complete."""
        joined = np.concatenate([self._held, samples.astype(np.float64)], axis=1)
        done = (joined.shape[1] - self.TAPS + 1) // 2 * 2  # whole pairs of centred samples
        if done <= 0:
            self._held = joined
            return np.zeros((CHANNELS, 0), np.float32)
        out = np.stack([np.convolve(channel, self.taps, mode="valid")[:done:2]
                        for channel in joined])
        self._held = joined[:, done:]
        return out.astype(np.float32)


def audible(speed: float) -> bool:
    """Whether playback at ``speed`` plays sound."""
    return speed != 0 and abs(speed) <= MAX_SOUND_SPEED and float(speed).is_integer()


class AudioSink(Protocol):
    """An audio output fed stereo float32 samples at one rate (a device, or a test's fake)."""

    def free(self) -> int:
        """How many samples it takes now without blocking."""
        ...

    def write(self, samples: np.ndarray) -> None:
        """Queue ``(2, n)`` float32 samples to be played after those written before."""
        ...

    def played(self) -> int:
        """How many samples it has played since it was opened."""
        ...

    def close(self) -> None:
        """Stop at once and let go of the device."""
        ...


class SoundFeed:
    """The mix of ``project`` from frame ``origin`` at ``speed``, read as device samples.

    Parameters
    ----------
    project, folder
        A snapshot of the document (the feed reads it from another thread) and the folder its
        media paths are relative to.
    origin
        The frame playback starts from.
    speed
        1, 2, -1 or -2.

    Raises
    ------
    RenderError
        From :meth:`read`, as :class:`~studio.render.mixer.Mixer` does.
    """

    def __init__(self, project: Project, folder: Path, origin: int, speed: int) -> None:
        if not audible(speed):
            raise ValueError(f"Playback at {speed}x is silent.")
        self.project, self.folder, self.speed = project, folder, int(speed)
        self.rate, self.sample_rate = project.rate, project.sample_rate
        self.start = self.sample(origin) if speed > 0 else self.sample(origin + 1) - 1
        self.position = 0  # next device sample to read
        self._mixer: Mixer | None = None
        self._back = np.zeros((CHANNELS, 0), np.float32)  # reversed samples not yet read
        self._half = HalfBand() if abs(self.speed) == 2 else None
        self._primed = False  # whether the low-pass has been fed its lead since (re)opening
        self._end = max((t.duration for t in project.timeline.all_tracks()), default=0)

    def sample(self, frame: int) -> int:
        """The first timeline sample of ``frame`` (as the mixer counts)."""
        return int(Fraction(frame) * self.sample_rate / self.rate)

    def frame_of(self, sample: int) -> int:
        """The frame that holds timeline sample ``sample``."""
        frame = int(Fraction(sample) * self.rate / self.sample_rate)
        return frame + 1 if self.sample(frame + 1) <= sample else frame

    def timeline_sample(self, device_sample: int) -> int:
        """The timeline sample that device sample ``device_sample`` plays."""
        return self.start + self.speed * device_sample

    def frame(self, played: int) -> int:
        """The frame the picture shows when ``played`` samples have been heard: the frame of
        the sample being heard (the first one before any is)."""
        return self.frame_of(self.timeline_sample(max(0, played - 1)))

    def restart(self, project: Project) -> None:
        """Mix ``project`` (the document after an edit) from the next sample on."""
        self.close()
        self.project = project
        self._end = max((t.duration for t in project.timeline.all_tracks()), default=0)

    def read(self, count: int) -> np.ndarray:
        """The next ``count`` device samples ``(2, count)`` float32."""
        t = self.timeline_sample(self.position)
        out = self._forward(t, count) if self.speed > 0 else self._backward(t, count)
        self.position += count
        return out

    def _forward(self, t: int, count: int) -> np.ndarray:
        if self._mixer is None:
            frame = self.frame_of(t)
            self._mixer = Mixer(self.project, self.folder, frame, max(frame, self._end))
            self._mixer.read(t - self.sample(frame))  # from the frame's start to ``t``
        if self._half is None:
            return self._mixer.read(count)
        lead = 0 if self._primed else HalfBand.LEAD
        self._primed = True
        return self._half.feed(self._mixer.read(2 * count + lead))

    def _backward(self, t: int, count: int) -> np.ndarray:
        step = -self.speed
        # Once the low-pass has its lead, the reversed stream is read that far past ``t``.
        lead = HalfBand.LEAD if self._half is not None else 0
        ahead, need = (lead, count * step) if self._primed else (0, count * step + lead)
        self._primed = True
        while self._back.shape[1] < need:
            top = t - ahead - self._back.shape[1]  # the next timeline sample to put in _back
            if top < 0:
                silence = np.zeros((CHANNELS, need - self._back.shape[1]), np.float32)
                self._back = np.concatenate([self._back, silence], axis=1)
                break
            stop = self.frame_of(top) + 1
            first = max(0, stop - BACK_FRAMES)
            with Mixer(self.project, self.folder, first, stop) as mixer:
                span = mixer.read(mixer.total)
            span = span[:, :top - self.sample(first) + 1]  # up to and with ``top``
            self._back = np.concatenate([self._back, span[:, ::-1]], axis=1)
        samples, self._back = self._back[:, :need], self._back[:, need:]
        return samples if self._half is None else self._half.feed(samples)

    def close(self) -> None:
        """Close the mixer's files (a later :meth:`read` opens them again where it is)."""
        if self._mixer is not None:
            self._mixer.close()
            self._mixer = None
        self._back = np.zeros((CHANNELS, 0), np.float32)
        if self._half is not None:  # read again from the next sample: the filter starts over
            self._half, self._primed = HalfBand(), False
