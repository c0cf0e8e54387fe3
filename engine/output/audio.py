"""A take's sound: carried beside its frames from the backend, written as AAC into the MP4."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import av
import numpy as np


@dataclass(frozen=True)
class Soundtrack:
    """Sound made with a take.

    Parameters
    ----------
    samples
        float32 in [-1, 1], shaped ``(channels, samples)``.
    rate
        Samples per second.
    """

    samples: np.ndarray
    rate: int


class FramesWithSound(np.ndarray):
    """uint8 frames ``(N, H, W, 3)`` that carry the :class:`Soundtrack` made with them.

    A backend returns frames as a plain array, as every backend does; one whose model makes
    sound returns this view of them instead, so the sound reaches the take writer on the path
    the frames already take. Any array derived from it (a slice, a copy, a join of windows) is a
    different stretch of time, so it carries no sound.
    """

    soundtrack: Soundtrack | None

    def __array_finalize__(self, obj: Any) -> None:
        self.soundtrack = None


def with_sound(frames: np.ndarray, soundtrack: Soundtrack) -> np.ndarray:
    """``frames`` carrying ``soundtrack`` (see :class:`FramesWithSound`)."""
    carrier = frames.view(FramesWithSound)
    carrier.soundtrack = soundtrack
    return carrier


def sound_of(frames: np.ndarray) -> Soundtrack | None:
    """The soundtrack ``frames`` carry, or None for silent frames."""
    return getattr(frames, "soundtrack", None)


def sound_between(soundtrack: Soundtrack, start: int, stop: int, fps: int) -> Soundtrack:
    """The stretch of ``soundtrack`` under frames ``[start, stop)`` of video at ``fps``: the
    sound of the frames an operation keeps of its window."""
    first, last = (round(frame * soundtrack.rate / fps) for frame in (start, stop))
    return Soundtrack(soundtrack.samples[:, first:last], soundtrack.rate)


def add_sound_stream(container: Any, soundtrack: Soundtrack) -> Any:
    """Add an AAC stream for ``soundtrack`` to an output container opened for writing."""
    channels = soundtrack.samples.shape[0]
    stream = container.add_stream("aac", rate=soundtrack.rate)
    stream.layout = "stereo" if channels == 2 else "mono"
    return stream


def write_sound(container: Any, stream: Any, soundtrack: Soundtrack) -> None:
    """Encode the whole soundtrack into ``stream`` (from :func:`add_sound_stream`) and flush it."""
    samples = np.ascontiguousarray(np.clip(soundtrack.samples, -1.0, 1.0), dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=stream.layout.name)
    frame.sample_rate = soundtrack.rate
    frame.pts = 0
    container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
