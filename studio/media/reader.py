"""Frame-accurate readers of stills and clips, returning upright RGB arrays, with a frame cache.

One reader per thread: a reader holds an open file and a decoder position.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from studio.errors import MediaError

from . import proxy
from .cache import CacheKey, FrameCache
from .decode import StreamDecoder
from .info import MediaInfo
from .probe import check_file, probe_clip
from .stills import load_still, probe_still

Size = tuple[int, int]


class FrameReader:
    """Reads frames of one still or clip by index.

    Use :func:`open_reader`; a reader is a context manager and must stay on one thread.

    Attributes
    ----------
    info : MediaInfo
        What probing the file found.
    key : str
        The media key its frames are cached under.
    """

    def __init__(self, path: Path, info: MediaInfo, key: str, cache: FrameCache | None) -> None:
        self.path = path
        self.info = info
        self.key = key
        self.cache = cache

    def frame(self, i: int, size: Size | None = None) -> np.ndarray:
        """Exactly frame ``i`` (0-based, presentation order) as upright ``(H, W, 3)`` RGB uint8.

        Parameters
        ----------
        i
            Frame index; a still has the same picture at every index.
        size
            ``(width, height)`` to scale to; None for the display size.

        Raises
        ------
        MediaError
            If ``i`` is out of range or the frame cannot be decoded.
        """
        try:
            i = operator.index(i)  # numpy integers are fine, floats are not
        except TypeError:
            raise MediaError(f"{self.path.name} has no frame {i!r}; frames are numbered "
                             "0, 1, 2...") from None
        if self.info.kind == "clip" and not 0 <= i < self.info.frames:
            raise MediaError(f"{self.path.name} has no frame {i}; it has {self.info.frames} "
                             "frames.")
        if size is not None and (len(size) != 2 or min(size) < 1):
            raise MediaError(f"Cannot show {self.path.name} at size {size}.")
        shape = (int(size[0]), int(size[1])) if size else None
        key: CacheKey = (self.key, 0 if self.info.kind == "still" else i, shape)
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return hit
        frame = self._read(i, shape)
        return self.cache.put(key, frame) if self.cache is not None else frame

    def frames(self, start: int = 0, stop: int | None = None,
               size: Size | None = None) -> Iterator[np.ndarray]:
        """Frames ``start`` to ``stop - 1`` in order, decoding forward without seeking."""
        stop = self.info.frames if stop is None else stop
        for i in range(start, stop):
            yield self.frame(i, size)

    def close(self) -> None:
        """Release the file."""

    def _read(self, i: int, size: Size | None) -> np.ndarray:
        raise NotImplementedError

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class StillReader(FrameReader):
    """A still: decoded once, scaled per request."""

    _image: np.ndarray | None = None

    def _read(self, i: int, size: Size | None) -> np.ndarray:
        if self._image is None:
            self._image = load_still(self.path)
        return scale(self._image, size)


class ClipReader(FrameReader):
    """A clip: exact frames through a :class:`.decode.StreamDecoder`, or its proxy when small.

    Attributes
    ----------
    proxy_reads : int
        Frames served from the low-resolution proxy.
    """

    def __init__(self, path: Path, info: MediaInfo, key: str, cache: FrameCache | None,
                 *, fast: bool = True, use_proxy: bool = True, threads: int = 0) -> None:
        super().__init__(path, info, key, cache)
        self._fast, self._threads = fast, threads
        self._stream: StreamDecoder | None = None  # opened on the first frame not from a proxy
        self._use_proxy = use_proxy
        self._proxy: ClipReader | None = None
        self.proxy_reads = 0

    @property
    def _decoder(self) -> StreamDecoder:
        if self._stream is None:
            self._stream = StreamDecoder(self.path, probe_clip(self.path)[1], fast=self._fast,
                                         threads=self._threads)
        return self._stream

    @property
    def seeks(self) -> int:
        """Seeks done so far (sequential reads do none)."""
        return self._stream.seeks if self._stream is not None else 0

    @property
    def decoded(self) -> int:
        """Frames the decoder produced so far."""
        return self._stream.decoded if self._stream is not None else 0

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._proxy is not None:
            self._proxy.close()

    def _read(self, i: int, size: Size | None) -> np.ndarray:
        small = self._proxy_reader(size)
        if small is not None:
            self.proxy_reads += 1
            return small.frame(i, size)
        frame = self._decoder.frame(i)
        w, h = size or (self.info.display_width, self.info.display_height)
        turned = self.info.rotation in (90, 270)
        rgb = frame.to_ndarray(format="rgb24", width=h if turned else w,
                               height=w if turned else h, interpolation="AREA")
        if self.info.rotation:
            rgb = np.rot90(rgb, k=-self.info.rotation // 90)
        return np.ascontiguousarray(rgb)

    def _proxy_reader(self, size: Size | None) -> ClipReader | None:
        if not self._use_proxy or size is None:
            return None
        if self._proxy is None:
            found = proxy.find_proxy(self.key)
            if found is None:
                return None
            try:
                info = probe_clip(found)[0]
            except MediaError:
                return None
            if info.frames != self.info.frames:
                return None  # a stale or half-built proxy must never shift frames
            proxy.touch(found)
            self._proxy = ClipReader(found, info, f"proxy:{self.key}", None, use_proxy=False)
        pinfo = self._proxy.info
        return self._proxy if size[0] <= pinfo.width and size[1] <= pinfo.height else None


def scale(image: np.ndarray, size: Size | None) -> np.ndarray:
    """``image`` resized to ``size`` = ``(width, height)`` (area filter when shrinking)."""
    if size is None or (image.shape[1], image.shape[0]) == tuple(size):
        return image
    shrink = size[0] < image.shape[1]
    return cv2.resize(image, tuple(size), interpolation=cv2.INTER_AREA if shrink
                      else cv2.INTER_LINEAR)


def media_key(path: Path, stat: os.stat_result) -> str:
    """A cache key for a file without a fingerprint: path, size and mtime."""
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def open_reader(path: str | os.PathLike[str], *, cache: FrameCache | None = None,
                key: str | None = None, fast: bool = True, use_proxy: bool = True,
                threads: int = 0) -> FrameReader:
    """Open a still or clip for frame-accurate reading.

    Parameters
    ----------
    path
        The media file.
    cache
        A shared :class:`FrameCache`; None caches nothing.
    key
        The media key to cache under, normally the fingerprint digest; default path+size+mtime.
    fast
        Decoder optimisations (threads, skipping unneeded non-reference frames).
    use_proxy
        Serve small sizes from a preview proxy when one was built (see :mod:`.proxy`).
    threads
        Decoder threads for clips; 0 lets FFmpeg choose from the CPU count.

    Raises
    ------
    MediaError
        If the file cannot be probed.
    """
    path = Path(path)
    stat = check_file(path)
    key = key or media_key(path, stat)
    still = probe_still(path)
    if still is not None:
        return StillReader(path, still, key, cache)
    info = probe_clip(path)[0]
    return ClipReader(path, info, key, cache, fast=fast, use_proxy=use_proxy, threads=threads)
