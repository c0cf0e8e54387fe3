"""Thumbnails and filmstrips, made by one low-priority background thread into a disk cache.

Files are content-addressed (fingerprint digest, frame index, size), so a moved or renamed clip
keeps its thumbnails, an edited one gets new ones, and the cache can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from engine.protocol import atomic_output
from studio import paths
from studio.document.model import Fingerprint
from studio.errors import MediaError

from .proxy import lower_priority
from .reader import open_reader

Size = tuple[int, int]


class ThumbnailService:
    """Makes thumbnails off the calling thread, one at a time, at the lowest CPU priority.

    Parameters
    ----------
    folder
        Cache folder; default ``paths.cache_dir() / "thumbnails"``.

    Attributes
    ----------
    decoded : int
        Frames decoded so far (cache hits decode none).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.cache_dir() / "thumbnails"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbnails",
                                        initializer=lower_priority)
        self._lock = threading.Lock()
        self.decoded = 0

    def path_for(self, fingerprint: Fingerprint, index: int, size: Size) -> Path:
        """Where the thumbnail of frame ``index`` at ``size`` is cached."""
        name = hashlib.sha256(f"{fingerprint.digest}|{index}|{size[0]}x{size[1]}".encode())
        return self.folder / f"{name.hexdigest()}.png"

    def request(self, media_path: str | os.PathLike[str], fingerprint: Fingerprint,
                indices: Sequence[int], size: Size) -> Future[list[Path]]:
        """Thumbnails of frames ``indices`` at ``size`` = ``(width, height)``.

        Returns a future of their paths in the order asked; it is already done when every one
        is cached. Its exception is a MediaError when the media cannot be read.
        """
        wanted = [self.path_for(fingerprint, i, size) for i in indices]
        if all(p.is_file() for p in wanted):
            done: Future[list[Path]] = Future()
            done.set_result(wanted)
            return done
        return self._pool.submit(self._make, Path(media_path), fingerprint, list(indices), size,
                                 wanted)

    def filmstrip(self, media_path: str | os.PathLike[str], fingerprint: Fingerprint,
                  frames: int, count: int, size: Size) -> Future[list[Path]]:
        """``count`` thumbnails spread evenly over a clip of ``frames`` frames."""
        count = max(1, min(count, frames))
        indices = [round(n * (frames - 1) / max(1, count - 1)) for n in range(count)]
        return self.request(media_path, fingerprint, indices, size)

    def shutdown(self, wait: bool = True) -> None:
        """Stop the worker; queued requests are cancelled."""
        self._pool.shutdown(wait=wait, cancel_futures=True)

    def _make(self, media_path: Path, fingerprint: Fingerprint, indices: list[int], size: Size,
              wanted: list[Path]) -> list[Path]:
        missing = sorted({i for i, p in zip(indices, wanted) if not p.is_file()})
        if missing:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Sorted indices let the reader decode forward instead of seeking for each one.
            with open_reader(media_path, key=fingerprint.digest) as reader:
                for i in missing:
                    rgb = reader.frame(min(i, reader.info.frames - 1), size)
                    with self._lock:
                        self.decoded += 1
                    self._write(rgb, self.path_for(fingerprint, i, size))
        return wanted

    def _write(self, rgb: object, target: Path) -> None:
        try:
            with atomic_output(target) as temp:  # a reader never sees half a thumbnail
                Image.fromarray(rgb).save(temp, "PNG", compress_level=1)  # type: ignore[arg-type]
        except OSError as exc:
            raise MediaError(f"Cannot write a thumbnail to {self.folder}: {exc}.") from exc
