"""The timeline's sound: source clips' audio carried through at 48 kHz stereo, silence elsewhere.

Audio follows the same intervals as the picture (:mod:`studio.render.plan`): a clip plays its
own sound in real time from its in point (a 24 fps clip in a 30 fps project keeps its pitch and
speed, as its picture does), crossfades mix the two sides with the same linear weights spread
over samples, and stills, cards, gaps and takes are silent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.document.model import Clip, Item, Project
from studio.document.persistence import resolve_media_path
from studio.errors import RenderError

from .plan import Mix, Play, timeline_intervals

SAMPLE_RATE = 48_000
CHANNELS = 2


def has_audio(path: Path) -> bool:
    """Whether the file has an audio stream; False if it cannot be opened."""
    try:
        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except (av.FFmpegError, OSError):
        return False


class _Source:
    """Decoded 48 kHz stereo samples of one file, read forward from a start time."""

    def __init__(self, path: Path, start: Fraction) -> None:
        self._path = path
        self._container = av.open(str(path))
        stream = self._container.streams.audio[0]
        self._stream = stream
        if start > 0:
            assert stream.time_base is not None  # PyAV types it optional; an opened stream has one
            self._container.seek(int(start / stream.time_base), stream=stream, backward=True)
        self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=SAMPLE_RATE)
        self._target = round(start * SAMPLE_RATE)  # first sample wanted, at 48 kHz
        self._clock: int | None = None  # 48 kHz sample index of the next resampled sample
        self._pending = np.zeros((CHANNELS, 0), np.float32)
        self._frames = self._container.decode(stream)
        self._done = False

    def _pull(self) -> bool:
        try:
            frame = next(self._frames)
        except StopIteration:
            self._done = True
            return False
        except av.FFmpegError as exc:
            raise RenderError(f"Cannot decode the sound of {self._path}: {exc}.") from None
        if self._clock is None:  # the seek lands at or before the in point: start counting
            begin: Fraction | int = 0
            if frame.pts is not None:
                assert frame.time_base is not None  # typed optional; a decoded frame has one
                begin = frame.pts * frame.time_base
            self._clock = round(begin * SAMPLE_RATE)
        chunks = [f.to_ndarray() for f in self._resampler.resample(frame)]
        if not chunks:
            return True
        data = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
        if data.shape[0] == 1:
            data = np.repeat(data, CHANNELS, axis=0)
        # A running sample clock (not each frame's pts) so the resampler's buffering and
        # several frames before the in point are both dropped exactly.
        drop = min(data.shape[1], max(0, self._target - self._clock))
        self._clock += data.shape[1]
        data = data[:, drop:]
        self._pending = np.concatenate([self._pending, data], axis=1)
        return True

    def read(self, count: int) -> np.ndarray:
        """The next ``count`` samples, padded with silence past the end of the file."""
        while self._pending.shape[1] < count and not self._done and self._pull():
            pass
        out, self._pending = self._pending[:, :count], self._pending[:, count:]
        if out.shape[1] < count:
            out = np.concatenate([out, np.zeros((CHANNELS, count - out.shape[1]), np.float32)], 1)
        return out

    def close(self) -> None:
        self._container.close()


class TimelineAudio:
    """Audio of ``project``'s timeline over timeline frames ``[start, stop)``.

    Parameters
    ----------
    project, project_dir
        The document and the folder its media paths are relative to.
    start, stop
        The timeline frames whose sound to produce.
    """

    def __init__(self, project: Project, project_dir: str | os.PathLike[str], start: int,
                 stop: int) -> None:
        self.project, self.start, self.stop = project, start, stop
        self._dir = Path(project_dir)
        self._audible: dict[str, bool] = {}
        self.intervals = timeline_intervals(project, start, stop)
        self.present = any(self._audible_clip(i) for iv in self.intervals
                           for i in _items(iv))

    def _path(self, item: Clip) -> Path:
        return resolve_media_path(self._dir, self.project.media[item.media_id])

    def _audible_clip(self, item: Item) -> bool:
        if not isinstance(item, Clip) or item.media_id not in self.project.media:
            return False
        if item.media_id not in self._audible:
            self._audible[item.media_id] = has_audio(self._path(item))
        return self._audible[item.media_id]

    def _sample(self, frame: int) -> int:
        return int(frame * SAMPLE_RATE / self.project.rate)

    def _source(self, item: Item, item_start: int, at: int) -> _Source | None:
        """A reader of ``item``'s sound positioned at timeline frame ``at``, or None if silent."""
        if not isinstance(item, Clip) or not self._audible_clip(item):
            return None
        # Source ranges count project-rate frames, so the in point is project time too.
        seconds = Fraction(item.source.start + at - item_start) / self.project.rate
        return _Source(self._path(item), max(Fraction(0), seconds))

    def chunks(self) -> Iterator[np.ndarray]:
        """``(2, n)`` float32 blocks at 48 kHz covering ``[start, stop)`` exactly, in order."""
        for interval in self.intervals:
            count = self._sample(interval.end) - self._sample(interval.start)
            if count <= 0:
                continue
            if isinstance(interval, Play):
                src = self._source(interval.item, interval.item_start, interval.start)
                yield _read(src, count)
            elif isinstance(interval, Mix):
                a = _read(self._source(interval.outgoing, interval.outgoing_start,
                                       interval.start), count)
                b = _read(self._source(interval.incoming, interval.incoming_start,
                                       interval.start), count)
                first = (interval.start - interval.fade_start) / interval.length
                last = (interval.end - interval.fade_start) / interval.length
                alpha = np.linspace(first, last, count, endpoint=False, dtype=np.float32)
                yield a * (1 - alpha) + b * alpha
            else:
                yield np.zeros((CHANNELS, count), np.float32)


def _read(source: _Source | None, count: int) -> np.ndarray:
    if source is None:
        return np.zeros((CHANNELS, count), np.float32)
    try:
        return source.read(count)
    finally:
        source.close()


def _items(interval: object) -> tuple[Item, ...]:
    if isinstance(interval, Play):
        return (interval.item,)
    if isinstance(interval, Mix):
        return (interval.outgoing, interval.incoming)
    return ()
