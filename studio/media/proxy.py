"""Preview proxies: an all-intra MJPEG copy of a clip at low resolution, in the cache dir.

Every proxy frame is a keyframe, so any frame of it is one seek and one small JPEG decode away;
the preview reads it for small sizes while full-resolution reads still use the original.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from fractions import Fraction
from pathlib import Path

import av

from studio import paths
from studio.errors import MediaError

#: Longest side of a proxy, in pixels.
PROXY_SIZE = 640


def proxy_path(key: str) -> Path:
    """Where the proxy of the media with cache key ``key`` lives (it may not exist)."""
    name = hashlib.sha256(f"proxy-v1|{key}".encode()).hexdigest()
    return paths.cache_dir() / "proxies" / f"{name}.mkv"


def find_proxy(key: str) -> Path | None:
    """The proxy of ``key`` if one was built."""
    found = proxy_path(key)
    return found if found.is_file() else None


def proxy_size(width: int, height: int, longest: int = PROXY_SIZE) -> tuple[int, int]:
    """An even-sided size within ``longest`` that keeps the aspect of ``width`` x ``height``."""
    scale = min(1.0, longest / max(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def build_proxy(path: str | os.PathLike[str], key: str | None = None,
                longest: int = PROXY_SIZE) -> Path:
    """Build (or find) the proxy of a clip and return its path.

    Frames are decoded in order (one pass, no seeks), turned upright and scaled; the file is
    written under a temporary name and renamed, so a half-built proxy is never read.

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
        handle, temp = tempfile.mkstemp(suffix=".mkv", dir=target.parent)
        os.close(handle)
        try:
            with av.open(temp, "w", format="matroska") as out:
                stream = out.add_stream("mjpeg", rate=Fraction(25))
                stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuvj420p"
                stream.codec_context.qscale = 4
                for n, rgb in enumerate(reader.frames(size=size)):
                    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                    frame.pts = n  # frame n of the proxy is frame n of the clip, whatever its pts
                    out.mux(stream.encode(frame))
                out.mux(stream.encode(None))
            os.replace(temp, target)
        except (av.FFmpegError, OSError) as exc:
            raise MediaError(f"Cannot write the preview proxy of {Path(path).name}: "
                             f"{exc}.") from exc
        finally:
            if os.path.exists(temp):
                os.remove(temp)
    return target
