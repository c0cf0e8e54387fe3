"""Decoding a media file's sound to stereo float32 at a chosen sample rate, read forward from a
start time (the mixer, :mod:`studio.render.mixer`, and the waveform peaks, :mod:`.peaks`, read
sound through it)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.errors import RenderError

CHANNELS = 2


def has_audio(path: Path) -> bool:
    """Whether the file has an audio stream; False if it cannot be opened."""
    try:
        with av.open(str(path)) as container:
            return bool(container.streams.audio)
    except (av.FFmpegError, OSError):
        return False


class SoundReader:
    """Decoded stereo samples of one file at ``rate`` Hz, read forward from ``start`` seconds.

    A mono file plays on both channels at its own level; more channels are mixed down to two
    by FFmpeg. Raises :class:`RenderError` in one sentence if the
    file cannot be opened or its sound cannot be decoded.
    """

    def __init__(self, path: Path, start: Fraction, rate: int) -> None:
        self._path = path
        try:
            self._container = av.open(str(path))
        except (av.FFmpegError, OSError) as exc:
            raise RenderError(f"Cannot read the sound of {path.name}: "
                              f"{getattr(exc, 'strerror', None) or exc}.") from None
        stream = self._container.streams.audio[0]
        self._stream = stream
        if start > 0:
            assert stream.time_base is not None  # PyAV types it optional; an opened stream has one
            try:
                self._container.seek(int(start / stream.time_base), stream=stream, backward=True)
            except av.FFmpegError as exc:
                self._container.close()
                raise RenderError(f"Cannot seek in the sound of {path.name}: {exc}.") from None
        self._rate = rate
        # A mono file is resampled as mono and put on both channels at full level (FFmpeg's
        # own upmix would put it 3 dB down on each).
        layout = "mono" if stream.codec_context.channels == 1 else "stereo"
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self._target = round(start * rate)  # first sample wanted, at ``rate``
        self._clock: int | None = None  # index (at ``rate``) of the next resampled sample
        self._pending = np.zeros((CHANNELS, 0), np.float32)
        self._frames = self._container.decode(stream)
        self._done = False
        self.delivered = 0  # samples of the file read so far

    def _pull(self) -> bool:
        try:
            frame = next(self._frames)
        except StopIteration:
            self._done = True
            return False
        except av.FFmpegError as exc:
            raise RenderError(f"Cannot decode the sound of {self._path.name}: {exc}.") from None
        if self._clock is None:  # the seek lands at or before the in point: start counting
            begin: Fraction | int = 0
            if frame.pts is not None:
                assert frame.time_base is not None  # typed optional; a decoded frame has one
                begin = frame.pts * frame.time_base
            self._clock = round(begin * self._rate)
        try:
            chunks = [f.to_ndarray() for f in self._resampler.resample(frame)]
        except av.FFmpegError as exc:
            raise RenderError(f"Cannot decode the sound of {self._path.name}: {exc}.") from None
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

    @property
    def finished(self) -> bool:
        """Whether every sample of the file has been read."""
        return self._done and self._pending.shape[1] == 0

    def read(self, count: int) -> np.ndarray:
        """The next ``count`` samples, padded with silence past the end of the file
        (:attr:`delivered` counts the file's own)."""
        while self._pending.shape[1] < count and not self._done and self._pull():
            pass
        out, self._pending = self._pending[:, :count], self._pending[:, count:]
        self.delivered += out.shape[1]
        if out.shape[1] < count:
            out = np.concatenate([out, np.zeros((CHANNELS, count - out.shape[1]), np.float32)], 1)
        return out

    def close(self) -> None:
        self._container.close()
