"""Preview proxies: an all-intra MJPEG copy of a clip at low resolution, in the cache dir.

Every proxy frame is a keyframe, so any frame of it is one seek and one small JPEG decode away;
the preview reads it for small sizes while full-resolution reads still use the original.
:class:`ProxyBuilder` makes them in the background (the studio asks for one per imported clip
that :func:`wants_proxy`); the folder is kept under :data:`PROXY_BUDGET` bytes by dropping the
proxies used longest ago.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av

from engine.protocol import atomic_output
from studio import paths
from studio.document.model import Fingerprint
from studio.errors import MediaError

from .decode import NEAR
from .index import VideoIndex
from .info import MediaInfo
from .probe import probe_clip

#: Longest side of a proxy, in pixels.
PROXY_SIZE = 640
#: Bytes all proxies together may take; the least recently used go first (about 6 hours of
#: 1080p footage at the proxy's 640x360).
PROXY_BUDGET = 20 * 1024 ** 3


def lower_priority() -> None:
    """Run the calling (background) thread at the lowest CPU priority where the OS allows it."""
    # On Linux nice() applies to the calling thread only, so the GUI thread keeps its priority.
    if sys.platform.startswith("linux"):
        try:
            os.nice(19)
        except OSError:
            pass


def wants_proxy(info: MediaInfo, index: VideoIndex, longest: int = PROXY_SIZE) -> bool:
    """Whether a proxy makes this clip quicker to show: it is bigger than a proxy, or it has
    keyframes so far apart that a random frame needs more than a few frames decoded."""
    if info.kind != "clip":
        return False
    if max(info.display_width, info.display_height) > longest:
        return True
    return any(i - key > NEAR for i, key in enumerate(index.key_before))


def proxy_path(key: str) -> Path:
    """Where the proxy of the media with cache key ``key`` lives (it may not exist)."""
    name = hashlib.sha256(f"proxy-v1|{key}".encode()).hexdigest()
    return paths.cache_dir() / "proxies" / f"{name}.mkv"


def find_proxy(key: str) -> Path | None:
    """The proxy of ``key`` if one was built."""
    found = proxy_path(key)
    return found if found.is_file() else None


def touch(proxy: Path) -> None:
    """Mark ``proxy`` as used now, so :func:`prune` keeps it over older ones.

    Only its access time changes: its modification time is part of the key probes are cached
    under, so the next reader of it probes nothing.
    """
    try:
        os.utime(proxy, ns=(time.time_ns(), proxy.stat().st_mtime_ns))
    except OSError:
        pass  # a read-only cache still works; it is only pruned in a worse order


def _last_used(stat: os.stat_result) -> int:
    return max(stat.st_atime_ns, stat.st_mtime_ns)


def prune(budget: int = PROXY_BUDGET, keep: Path | None = None) -> list[Path]:
    """Delete the least recently used proxies until the rest fit ``budget`` bytes; ``keep`` is
    never deleted. Returns what was deleted."""
    folder = paths.cache_dir() / "proxies"
    try:
        entries = [(p.stat(), p) for p in folder.glob("*.mkv")]
    except OSError:
        return []
    total = sum(stat.st_size for stat, _ in entries)
    deleted = []
    for stat, path in sorted(entries, key=lambda entry: _last_used(entry[0])):
        if total <= budget:
            break
        if keep is not None and path == keep:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= stat.st_size
        deleted.append(path)
    return deleted


def proxy_size(width: int, height: int, longest: int = PROXY_SIZE) -> tuple[int, int]:
    """An even-sided size within ``longest`` that keeps the aspect of ``width`` x ``height``."""
    scale = min(1.0, longest / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class _Stopped(Exception):
    """A proxy build was stopped; nothing is put in place."""


def build_proxy(path: str | os.PathLike[str], key: str | None = None,
                longest: int = PROXY_SIZE, *, stop: threading.Event | None = None,
                budget: int = PROXY_BUDGET) -> Path | None:
    """Build (or find) the proxy of a clip and return its path; None if ``stop`` was set first.

    Frames are decoded in order (one pass, no seeks), turned upright and scaled; the file is
    written under a temporary name and renamed, so a half-built proxy is never read. Setting
    ``stop`` ends the build within a frame and leaves nothing behind. Afterwards older proxies
    are pruned to ``budget`` bytes.

    Raises
    ------
    MediaError
        If the clip cannot be read or the proxy cannot be written.
    """
    from .reader import ClipReader, open_reader  # the reader imports this module

    with open_reader(path, key=key, use_proxy=False) as reader:
        if not isinstance(reader, ClipReader):
            raise MediaError(f"{Path(path).name} is a still; stills need no proxy.")
        target = proxy_path(reader.key)
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        info = reader.info
        size = proxy_size(info.display_width, info.display_height, longest)
        try:
            # A ".mkv" temp: prune() counts, and so in time deletes, one a crash left behind.
            with atomic_output(target, suffix=".mkv") as temp, \
                    av.open(str(temp), "w", format="matroska") as out:
                stream = out.add_stream("mjpeg", rate=Fraction(25))
                stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuvj420p"
                # qscale is PyAV's on/off flag for fixed-quality encoding (any truthy value sets
                # it), not a quality number.
                stream.codec_context.qscale = True
                for n, rgb in enumerate(reader.frames(size=size)):
                    if stop is not None and stop.is_set():
                        raise _Stopped  # an exception, so the temp file is removed, not renamed
                    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                    frame.pts = n  # frame n of the proxy is frame n of the clip, whatever its pts
                    out.mux(stream.encode(frame))
                out.mux(stream.encode(None))
        except _Stopped:
            return None
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"Cannot write the preview proxy of {Path(path).name}: "
                             f"{exc}.") from exc
    prune(budget, keep=target)
    return target


class ProxyBuilder:
    """Builds proxies one at a time on a background thread at the lowest CPU priority.

    Parameters
    ----------
    build
        The function that builds one (:func:`build_proxy`; tests pass a slower or failing one).
    """

    def __init__(self, build: Callable[..., Path | None] = build_proxy) -> None:
        self._build = build
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxies",
                                        initializer=lower_priority)
        self._stop = threading.Event()

    def request(self, media_path: str | os.PathLike[str],
                fingerprint: Fingerprint) -> Future[Path | None]:
        """The proxy of a clip: a future of its path, of None when the clip needs none (small
        and quick to seek) or the builder was shut down first, or failing with a MediaError.

        The future is already done when the proxy exists.
        """
        found = find_proxy(fingerprint.digest)
        if found is not None:
            done: Future[Path | None] = Future()
            done.set_result(found)
            return done
        return self._pool.submit(self._make, Path(media_path), fingerprint.digest)

    def _make(self, media_path: Path, digest: str) -> Path | None:
        if self._stop.is_set():
            return None
        info, index = probe_clip(media_path)
        if not wants_proxy(info, index):
            return None
        return self._build(media_path, digest, stop=self._stop)

    def shutdown(self, wait: bool = False) -> None:
        """Stop: the proxy being built is abandoned within a frame, queued ones are dropped."""
        self._stop.set()
        self._pool.shutdown(wait=wait, cancel_futures=True)
