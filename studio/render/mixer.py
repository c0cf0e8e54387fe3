"""The one mixer: the timeline's audio tracks summed to stereo float32 at the project's rate.

Every audio item's sound is decoded and resampled to ``project.sample_rate``
(:class:`~studio.media.sound.SoundReader`), scaled by its gain and its fades, and summed on its
track; tracks are scaled by their gain and summed, leaving out muted tracks (and, when any track
is soloed, every track that is not), and the sum goes through a :class:`Limiter`.

Time: timeline frame ``f`` starts at sample ``f * sample_rate // rate``. An item's fades are
linear over its first and last frames: with ``n`` samples of fade-in, sample ``k`` of the item
is scaled by ``k / n``; with ``m`` samples of fade-out, the ``j``-th last sample (``j`` from 1)
by ``j / m``. A crossfade between two items of a track follows OpenTimelineIO, as the picture's
does (:mod:`studio.render.plan`): over the samples ``[x0, x1)`` of ``[cut - in, cut + out)`` the
outgoing item plays on past its out point scaled by ``1 - a`` and the incoming one starts early
scaled by ``a = (t - x0) / (x1 - x0)``. Sound before a source's first sample is silence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.document.model import AudioItem, Project, Track, Transition
from studio.document.persistence import resolve_media_path
from studio.errors import RenderError
from studio.media.sound import CHANNELS, SoundReader, has_audio

#: Where the limiter holds the peaks: -0.18 dBFS, below the clipping of an integer encoder.
CEILING = 0.98
#: Samples per limiter block: the gain changes linearly across a block, so it has no steps.
BLOCK = 64
_WINDOW = 4_800  # samples mixed at a time


def db_to_gain(db: float) -> float:
    """The linear factor of ``db`` decibels."""
    return float(10.0 ** (db / 20.0))


def audible_tracks(project: Project) -> list[Track]:
    """The audio tracks the mix hears: not muted, and soloed when any track is soloed."""
    tracks = project.timeline.audio_tracks
    soloed = any(t.solo for t in tracks)
    return [t for t in tracks if not t.mute and (t.solo or not soloed)]


@dataclass(frozen=True, slots=True)
class _Piece:
    """Where one audio item is heard, in timeline samples, and how it is shaped there."""

    item: AudioItem
    begin: int  # first sample heard (earlier than ``start`` under an incoming crossfade)
    end: int  # one past the last sample heard
    start: int  # the sample of the item's first frame
    stop: int  # the sample after its last frame
    source_start: int  # the source sample at ``start``
    fade_in: int  # samples
    fade_out: int
    cross_in: tuple[int, int] | None  # (x0, x1) of a crossfade into it
    cross_out: tuple[int, int] | None  # (x0, x1) of a crossfade out of it
    gain: float

    def envelope(self, a: int, b: int) -> np.ndarray:
        """Gain of every sample of ``[a, b)`` (float64, before the track's gain)."""
        t = np.arange(a, b, dtype=np.float64)
        env = np.full(b - a, self.gain, np.float64)
        if self.fade_in:
            env *= np.clip((t - self.start) / self.fade_in, 0.0, 1.0)
        if self.fade_out:
            env *= np.clip((self.stop - t) / self.fade_out, 0.0, 1.0)
        if self.cross_in is not None:
            x0, x1 = self.cross_in
            env *= np.clip((t - x0) / (x1 - x0), 0.0, 1.0)
        if self.cross_out is not None:
            x0, x1 = self.cross_out
            env *= np.clip(1.0 - (t - x0) / (x1 - x0), 0.0, 1.0)
        return env


class Limiter:
    """A peak limiter that keeps every sample within ``ceiling`` and leaves quieter sound
    exactly as it is.

    The gain of each ``block`` of samples (counted from the first) is ``ceiling`` over its
    peak, at most 1; at each block boundary the gain is the lower of the two blocks' gains,
    and it moves linearly from one boundary to the next, so a sample's gain never exceeds its
    own block's. It needs one block of look-ahead: :meth:`push` returns what it can and
    :meth:`flush` the rest; how the input is cut up changes the output by float32 rounding at
    most (the mixer always pushes the same windows, so its output is fixed).
    """

    def __init__(self, ceiling: float = CEILING, block: int = BLOCK) -> None:
        self.ceiling, self.block = ceiling, block
        self._pending = np.zeros((CHANNELS, 0), np.float32)
        self._previous: float | None = None  # gain of the last block given out

    def _gains(self, blocks: np.ndarray) -> np.ndarray:
        peaks = np.abs(blocks).max(axis=(0, 2))
        with np.errstate(divide="ignore"):
            gains: np.ndarray = np.minimum(1.0, self.ceiling / peaks)
        return gains

    def _emit(self, count: int, final: bool) -> np.ndarray:
        """Give out the first ``count`` whole blocks of the pending samples (and, when
        ``final``, everything)."""
        size = self.block
        take = self._pending.shape[1] if final else count * size
        data, self._pending = self._pending[:, :take], self._pending[:, take:]
        if take == 0:
            return data
        whole = -(-take // size)
        padded = np.zeros((CHANNELS, whole * size), np.float32)
        padded[:, :take] = data
        gains = self._gains(padded.reshape(CHANNELS, whole, size))
        if final:
            following = gains[-1]
        else:
            following = self._gains(self._pending[:, :size].reshape(CHANNELS, 1, size))[0]
        before = gains[0] if self._previous is None else self._previous
        starts = np.minimum(np.concatenate([[before], gains[:-1]]), gains)
        ends = np.minimum(gains, np.concatenate([gains[1:], [following]]))
        self._previous = float(gains[-1])
        if starts.min() >= 1.0 and ends.min() >= 1.0:
            return data  # nothing to limit: untouched, bit for bit
        ramp = np.arange(size) / size
        gain = (starts[:, None] + (ends - starts)[:, None] * ramp[None, :]).reshape(-1)
        limited: np.ndarray = (data * gain[:take]).astype(np.float32)
        return limited

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Take ``(2, n)`` samples; return the limited samples that are ready."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)], axis=1)
        ready = self._pending.shape[1] // self.block - 1  # keep one block to look ahead
        return self._emit(max(0, ready), final=False)

    def flush(self) -> np.ndarray:
        """The remaining samples."""
        return self._emit(0, final=True)


class Mixer:
    """The mix of ``project``'s audio tracks over timeline frames ``[start, stop)``, read in
    order with :meth:`read` (a context manager; :func:`mix` reads it all at once).

    Parameters
    ----------
    project, project_dir
        The document and the folder its media paths are relative to.
    start, stop
        The timeline frames to mix.

    Raises
    ------
    RenderError
        From :meth:`read`, in one sentence, when a sound's file is missing or cannot be decoded.
    """

    def __init__(self, project: Project, project_dir: str | os.PathLike[str], start: int,
                 stop: int) -> None:
        self.project, self.rate = project, project.sample_rate
        self._dir = Path(project_dir)
        self.first, self.last = self.sample(start), self.sample(stop)
        self.total = max(0, self.last - self.first)
        self._tracks = [(db_to_gain(t.gain_db), self._pieces(t)) for t in audible_tracks(project)]
        self._sounding: dict[str, bool] = {}
        self.present = any(self._sounds(p.item) for _g, pieces in self._tracks for p in pieces
                           if p.end > self.first and p.begin < self.last)
        self._readers: dict[str, tuple[SoundReader, int]] = {}
        self._limiter = Limiter()
        self._position = self.first  # next timeline sample to mix
        self._out = np.zeros((CHANNELS, 0), np.float32)

    def sample(self, frame: int) -> int:
        """The timeline sample at which frame ``frame`` starts."""
        return int(Fraction(frame) * self.rate / self.project.rate)

    def _pieces(self, track: Track) -> list[_Piece]:
        pieces: list[_Piece] = []
        entries = track.items
        for index, start, item in track.layout():
            if not isinstance(item, AudioItem):
                continue
            before = entries[index - 1] if index > 0 else None
            after = entries[index + 1] if index + 1 < len(entries) else None
            cross_in = cross_out = None
            begin, end = self.sample(start), self.sample(start + item.duration)
            if isinstance(before, Transition) and before.length:
                cross_in = (self.sample(start - before.in_offset),
                            self.sample(start + before.out_offset))
                begin = cross_in[0]
            if isinstance(after, Transition) and after.length:
                cut = start + item.duration
                cross_out = (self.sample(cut - after.in_offset),
                             self.sample(cut + after.out_offset))
                end = cross_out[1]
            first = self.sample(start)
            pieces.append(_Piece(
                item=item, begin=begin, end=end, start=first,
                stop=self.sample(start + item.duration),
                source_start=self.sample(item.source.start),
                fade_in=self.sample(start + item.fade_in) - first if item.fade_in else 0,
                fade_out=(self.sample(start + item.duration)
                          - self.sample(start + item.duration - item.fade_out)
                          if item.fade_out else 0),
                cross_in=cross_in, cross_out=cross_out, gain=db_to_gain(item.gain_db)))
        return pieces

    def _path(self, item: AudioItem) -> Path:
        media = self.project.media.get(item.media_id)
        if media is None:
            raise RenderError(f"The sound {item.name or item.id} uses media that is not in the "
                              f"project.")
        return resolve_media_path(self._dir, media)

    def _sounds(self, item: AudioItem) -> bool:
        """Whether the item's file has sound; a missing file is an error, not silence."""
        if item.media_id not in self._sounding:
            path = self._path(item)
            if not path.is_file():
                raise RenderError(f"The sound of {path.name} cannot be played: the file is "
                                  f"missing (relink it in the media pool).")
            self._sounding[item.media_id] = has_audio(path)
            if not self._sounding[item.media_id] and not _opens(path):
                raise RenderError(f"Cannot read the sound of {path.name}: it is not a media "
                                  f"file FFmpeg can open.")
        return self._sounding[item.media_id]

    def _segment(self, piece: _Piece, a: int, b: int) -> np.ndarray:
        """The item's own sound over timeline samples ``[a, b)``, before any gain."""
        out = np.zeros((CHANNELS, b - a), np.float32)
        if not self._sounds(piece.item):
            return out
        source = piece.source_start + (a - piece.start)  # source sample at ``a``
        skip = max(0, -source)  # before the source's first sample: silence
        if skip >= b - a:
            return out
        source += skip
        reader, position = self._readers.get(piece.item.id, (None, -1))
        if reader is None or position != source:
            if reader is not None:
                reader.close()
            reader = SoundReader(self._path(piece.item), Fraction(source, self.rate), self.rate)
        out[:, skip:] = reader.read(b - a - skip)
        self._readers[piece.item.id] = (reader, source + b - a - skip)
        return out

    def _mix_window(self, a: int, b: int) -> np.ndarray:
        total = np.zeros((CHANNELS, b - a), np.float64)
        for track_gain, pieces in self._tracks:
            track = np.zeros((CHANNELS, b - a), np.float64)
            for piece in pieces:
                lo, hi = max(a, piece.begin), min(b, piece.end)
                if lo >= hi:
                    continue
                track[:, lo - a:hi - a] += self._segment(piece, lo, hi) * piece.envelope(lo, hi)
            total += track * track_gain
        for item_id in [i for i, (_r, _p) in self._readers.items()
                        if all(p.end <= b for _g, ps in self._tracks for p in ps
                               if p.item.id == i)]:
            self._readers.pop(item_id)[0].close()
        return total.astype(np.float32)

    def read(self, count: int) -> np.ndarray:
        """The next ``count`` mixed samples ``(2, count)``; silence past ``stop``."""
        while self._out.shape[1] < count and self._position < self.last:
            b = min(self.last, self._position + _WINDOW)
            window = self._mix_window(self._position, b)
            self._position = b
            ready = self._limiter.push(window)
            if b == self.last:
                ready = np.concatenate([ready, self._limiter.flush()], axis=1)
            self._out = np.concatenate([self._out, ready], axis=1)
        out, self._out = self._out[:, :count], self._out[:, count:]
        if out.shape[1] < count:
            out = np.concatenate([out, np.zeros((CHANNELS, count - out.shape[1]), np.float32)],
                                 axis=1)
        return out

    def close(self) -> None:
        """Close every open file."""
        for reader, _position in self._readers.values():
            reader.close()
        self._readers.clear()

    def __enter__(self) -> Mixer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _opens(path: Path) -> bool:
    try:
        av.open(str(path)).close()
    except (av.FFmpegError, OSError):
        return False
    return True


def mix(project: Project, project_dir: str | os.PathLike[str], start: int = 0,
        stop: int | None = None) -> np.ndarray:
    """The whole mix of timeline frames ``[start, stop)`` (default: the whole timeline) as
    ``(2, n)`` float32 at ``project.sample_rate``."""
    end = stop if stop is not None else max(
        (t.duration for t in project.timeline.all_tracks()), default=0)
    with Mixer(project, project_dir, start, end) as mixer:
        return mixer.read(mixer.total)
