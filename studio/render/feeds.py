"""Frame feeds: what one timeline item shows at each of its local frames, read sequentially.

A feed answers ``frame(local)`` for a non-decreasing run of local offsets (0 = the item's
first timeline frame; negative offsets and offsets past its duration serve transitions). Video
feeds keep one reader open and pull frames from ``FrameReader.frames()`` in order, so a whole
export never seeks per frame: it seeks once when an item starts and again only if the renderer
jumps backwards or far ahead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from studio.errors import MediaError, RenderError

from . import raster

if TYPE_CHECKING:
    import av

#: Forward jumps up to this many source frames are decoded through rather than re-seeked:
#: decoding a few frames is cheaper than a seek to the previous keyframe.
SKIP_LIMIT = 48


class Feed:
    """Base feed: a constant frame (black, a still or a placeholder card)."""

    def __init__(self, frame: np.ndarray) -> None:
        self._frame = frame

    def frame(self, local: int) -> np.ndarray:
        """The frame at ``local``; the returned array must not be written to."""
        return self._frame

    def close(self) -> None:
        """Release whatever the feed holds open."""


def _open_error(path: Path, what: str, exc: MediaError) -> RenderError:
    reason = str(exc).rstrip(".")
    return RenderError(f"Cannot render {what} from {path}: {reason[:1].lower()}{reason[1:]}; "
                       f"relink or replace the file and try again.")


def still_feed(path: Path, width: int, height: int, what: str) -> Feed:
    """A still image fitted and letterboxed to ``width x height``, held for any duration."""
    from studio.media.reader import open_reader

    try:
        with open_reader(path, use_proxy=False) as reader:
            info = reader.info
            size = raster.fit_size(info.display_width, info.display_height, width, height)
            image = raster.letterbox(reader.frame(0, size=size), width, height)
    except MediaError as exc:
        raise _open_error(path, what, exc) from None
    image.flags.writeable = False
    return Feed(image)


class VideoFeed(Feed):
    """A video file played from ``in_point``, resampled from its own rate to ``rate``.

    With ``use_proxy`` it reads the preview proxy of media key ``key`` (a fingerprint digest)
    whenever one exists and the fitted size is within it (see :mod:`studio.media.proxy`).

    Like the document, ``in_point`` counts frames at the project ``rate`` (see
    ``MediaRef.length_at``): local frame ``t`` shows the file's own frame
    ``floor((in_point + t) * source_rate / rate)``, clamped
    to the file: before its first frame the first is held, past its last the last is held.
    """

    def __init__(self, path: Path, in_point: int, rate: Fraction, width: int, height: int,
                 what: str, *, key: str | None = None, use_proxy: bool = False) -> None:
        from studio.media.reader import open_reader

        self._path, self._what = path, what
        self._stack = contextlib.ExitStack()
        try:
            self._reader = self._stack.enter_context(open_reader(path, key=key,
                                                                 use_proxy=use_proxy))
        except MediaError as exc:
            raise _open_error(path, what, exc) from None
        info = self._reader.info
        self._size = raster.fit_size(info.display_width, info.display_height, width, height)
        self._out = (width, height)
        source_rate = info.rate if info.rate else rate
        self._ratio = Fraction(source_rate) / Fraction(rate)
        self._in = in_point
        self._last_index = max(0, (info.frames or 1) - 1)
        self._frames: Iterator[np.ndarray] | None = None
        self._index = -1  # source index of self._current
        self._current: np.ndarray | None = None

    def _source_index(self, local: int) -> int:
        index = ((self._in + local) * self._ratio.numerator) // self._ratio.denominator
        return min(max(index, 0), self._last_index)

    def _restart(self, index: int) -> None:
        self._frames = iter(self._reader.frames(start=index, size=self._size))
        self._index = index - 1

    def _advance(self) -> bool:
        assert self._frames is not None
        try:
            image = next(self._frames)
        except StopIteration:  # the file holds fewer frames than it claimed: hold the last
            self._last_index = max(0, self._index)
            return False
        self._current = raster.letterbox(image, *self._out)
        self._index += 1
        return True

    def frame(self, local: int) -> np.ndarray:
        index = self._source_index(local)
        try:
            if self._frames is None or index < self._index or index > self._index + SKIP_LIMIT:
                self._restart(index)
            while self._index < index and self._advance():
                pass
            if self._current is None:  # nothing decoded at all: the file has no frames
                self._current = self._reader.frame(0, size=self._size)
                self._current = raster.letterbox(self._current, *self._out)
        except MediaError as exc:
            raise _open_error(self._path, self._what, exc) from None
        return self._current

    def close(self) -> None:
        self._frames = None
        self._stack.close()


class NativeVideoFeed(Feed):
    """A clip already at the output size, upright and square-pixelled, kept in its own format.

    :meth:`native` returns decoded ``av.VideoFrame`` objects untouched, so an export of such
    a clip skips the YUV -> RGB -> YUV round trip (the biggest cost after x264 itself);
    :meth:`frame` gives RGB for crossfades. Index mapping and holding match :class:`VideoFeed`.
    """

    def __init__(self, path: Path, in_point: int, rate: Fraction, what: str) -> None:
        from studio.media.decode import StreamDecoder
        from studio.media.probe import probe_clip

        self._path, self._what = path, what
        try:
            info, index = probe_clip(path)
            self._decoder = StreamDecoder(path, index)
        except MediaError as exc:
            raise _open_error(path, what, exc) from None
        self._ratio = Fraction(info.rate or rate) / Fraction(rate)
        self._in = in_point
        self._last_index = max(0, info.frames - 1)
        self._index = -1
        self._current: av.VideoFrame | None = None
        self._rgb: np.ndarray | None = None

    @staticmethod
    def fits(info: object, width: int, height: int) -> bool:
        """Whether a clip with this MediaInfo can be passed through at ``width x height``."""
        return (getattr(info, "kind", None) == "clip" and getattr(info, "rotation", 0) == 0
                and getattr(info, "sample_aspect", 1) == 1
                and (getattr(info, "width", 0), getattr(info, "height", 0)) == (width, height))

    def native(self, local: int) -> av.VideoFrame:
        """The decoded ``av.VideoFrame`` at ``local`` (shared when a frame is held)."""
        index = ((self._in + local) * self._ratio.numerator) // self._ratio.denominator
        index = min(max(index, 0), self._last_index)
        if index != self._index:
            try:
                self._current = self._decoder.frame(index)
            except MediaError as exc:
                raise _open_error(self._path, self._what, exc) from None
            self._index, self._rgb = index, None
        assert self._current is not None  # the first call decodes: self._index starts at -1
        return self._current

    def frame(self, local: int) -> np.ndarray:
        frame = self.native(local)
        if self._rgb is None:
            self._rgb = frame.to_ndarray(format="rgb24")
            self._rgb.flags.writeable = False
        return self._rgb

    def close(self) -> None:
        self._decoder.close()
