"""A small thread-safe LRU of decoded frames, bounded by bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

#: (media key, frame index, size or None)
CacheKey = tuple[str, int, tuple[int, int] | None]


class FrameCache:
    """Decoded frames keyed by ``(media key, index, size)``, least recently used dropped first.

    The media key is a fingerprint digest or ``path:mtime:size``, so an edited file never
    serves stale frames. Stored arrays are made read-only: callers share them.

    Parameters
    ----------
    max_bytes
        Upper bound on the bytes of all frames held (default 256 MiB: about 40 1080p frames).
    """

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._frames: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> np.ndarray | None:
        """The frame stored under ``key``, or None."""
        with self._lock:
            frame = self._frames.get(key)
            if frame is None:
                self.misses += 1
                return None
            self._frames.move_to_end(key)
            self.hits += 1
            return frame

    def put(self, key: CacheKey, frame: np.ndarray) -> np.ndarray:
        """Store ``frame`` (made read-only) under ``key`` and return it."""
        frame.flags.writeable = False
        if frame.nbytes > self.max_bytes:
            return frame
        with self._lock:
            old = self._frames.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._frames[key] = frame
            self._bytes += frame.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._frames.popitem(last=False)
                self._bytes -= dropped.nbytes
        return frame

    def clear(self) -> None:
        """Drop every frame."""
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes of frames held now."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)
