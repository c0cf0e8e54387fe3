"""Waveform peaks of a file's sound, made once by a low-priority background thread into a
content-addressed disk cache (as thumbnails are) and read back from there ever after.

A peak file holds, for every 1/100 s of the file's sound from its start, the largest absolute
sample of any channel, as uint8 (0-255 for 0.0-1.0, rounded up so a click never vanishes).
"""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np

from engine.protocol import atomic_output
from studio import paths
from studio.document.model import Fingerprint
from studio.errors import MediaError, RenderError

from .proxy import lower_priority
from .sound import SoundReader, has_audio

#: Peaks a second.
PEAK_RATE = 100
_SAMPLE_RATE = 48_000
_PER_PEAK = _SAMPLE_RATE // PEAK_RATE
_CHUNK = _SAMPLE_RATE * 10  # samples decoded at a time


def measure_peaks(media_path: Path) -> np.ndarray:
    """The peaks of ``media_path``'s sound (uint8, one per 1/100 s).

    Raises
    ------
    MediaError
        In one sentence, when the file has no sound or it cannot be decoded.
    """
    if not media_path.is_file():
        raise MediaError(f"{media_path.name} is missing, so its waveform cannot be drawn.")
    if not has_audio(media_path):
        raise MediaError(f"{media_path.name} has no sound to draw.")
    try:
        reader = SoundReader(media_path, Fraction(0), _SAMPLE_RATE)
    except RenderError as exc:
        raise MediaError(str(exc)) from None
    out: list[np.ndarray] = []
    try:
        while True:
            chunk = reader.read(_CHUNK)
            ended = reader.finished
            level = np.abs(chunk).max(axis=0)
            whole = -(-level.shape[0] // _PER_PEAK) * _PER_PEAK
            level = np.pad(level, (0, whole - level.shape[0]))
            out.append(level.reshape(-1, _PER_PEAK).max(axis=1))
            if ended:
                break
    except RenderError as exc:
        raise MediaError(str(exc)) from None
    finally:
        reader.close()
    peaks = np.concatenate(out) if out else np.zeros(0)
    # The last read was padded with silence past the end: trim it to the file's length.
    length = -(-reader.delivered // _PER_PEAK)
    scaled: np.ndarray = np.ceil(np.clip(peaks[:length], 0.0, 1.0) * 255).astype(np.uint8)
    return scaled


class PeakService:
    """Makes peak files off the calling thread, one at a time, at the lowest CPU priority.

    Parameters
    ----------
    folder
        Cache folder; default ``paths.cache_dir() / "peaks"``.

    Attributes
    ----------
    measured : int
        Files measured so far (a cached peak file measures none).
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.cache_dir() / "peaks"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peaks",
                                        initializer=lower_priority)
        self._lock = threading.Lock()
        self.measured = 0

    def path_for(self, fingerprint: Fingerprint) -> Path:
        """Where the peaks of the file with ``fingerprint`` are cached."""
        name = hashlib.sha256(f"{fingerprint.digest}|{fingerprint.size}|peaks1".encode())
        return self.folder / f"{name.hexdigest()}.npy"

    def request(self, media_path: str | os.PathLike[str],
                fingerprint: Fingerprint) -> Future[np.ndarray]:
        """The peaks of ``media_path``: a future, already done when the peak file exists.

        Its exception is a :class:`MediaError` when the file has no readable sound.
        """
        target = self.path_for(fingerprint)
        future: Future[np.ndarray] = Future()
        if target.is_file():
            try:
                future.set_result(np.load(target))
                return future
            except (OSError, ValueError):
                pass  # a damaged cache file: made again below
        return self._pool.submit(self._make, Path(media_path), target)

    def _make(self, media_path: Path, target: Path) -> np.ndarray:
        peaks = measure_peaks(media_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_output(target) as temp, open(temp, "wb") as handle:
            np.save(handle, peaks)
        with self._lock:
            self.measured += 1
        return peaks

    def shutdown(self, wait: bool = True) -> None:
        """Stop the thread; requests not started are cancelled."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
