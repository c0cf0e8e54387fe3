"""Probe media files: stills through Pillow, clips through PyAV with an exact frame count.

A clip's frame count and its pts index come from one scan of its packets (no decoding): the
count a container header claims is only used to notice a truncated file, since headers lie
(Matroska and WebM have none, and a cut MP4 keeps the count of the whole recording).
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import av

from studio.errors import MediaError

from .index import VideoIndex, build_index
from .info import MediaInfo, display_size
from .sound_probe import is_sound_file, probe_sound
from .stills import probe_still

#: Seconds an open, a header read or a packet scan may take before the file is refused.
OPEN_TIMEOUT = 10.0
SCAN_SECONDS = 60.0
#: Packets demuxed while looking for the first decodable frame.
FIRST_FRAME_PACKETS = 256

_lock = threading.Lock()
_clips: OrderedDict[tuple[str, int, int], tuple[MediaInfo, VideoIndex]] = OrderedDict()
_CLIPS_KEPT = 64


def check_file(path: Path) -> os.stat_result:
    """Stat ``path`` and refuse what cannot be media: missing, a folder, empty."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise MediaError(f"{path.name} does not exist (looked in {path.parent}).") from None
    except OSError as exc:
        raise MediaError(f"{path.name} cannot be read: {exc.strerror or exc}.") from exc
    if not path.is_file():
        raise MediaError(f"{path.name} is a folder, not a media file.")
    if info.st_size == 0:
        raise MediaError(f"{path.name} is empty (0 bytes).")
    return info


def open_container(path: Path) -> av.container.InputContainer:
    """Open ``path`` with PyAV, turning every failure into one readable MediaError."""
    try:
        return av.open(str(path), "r", timeout=(OPEN_TIMEOUT, OPEN_TIMEOUT))
    except FileNotFoundError:
        raise MediaError(f"{path.name} does not exist (looked in {path.parent}).") from None
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path.name} is not a video, image or audio file the studio can "
                         f"read, or it is damaged or truncated.") from exc


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Measure a still, clip or audio file.

    Parameters
    ----------
    path
        A PNG, JPEG, WebP or TIFF still, an MP4, MOV, MKV or WebM clip, or a WAV, FLAC, MP3,
        AAC or Opus file (:mod:`.sound_probe`).

    Returns
    -------
    MediaInfo
        Exact frame count, rate, sizes, rotation, codecs.

    Raises
    ------
    MediaError
        With a sentence naming the file when it is missing, empty, not media, truncated, has
        no video or sound, uses a codec that cannot be decoded, or is too large an image.
    """
    path = Path(path)
    check_file(path)
    still = probe_still(path)
    if still is not None:
        return still
    with open_container(path) as container:
        if is_sound_file(container):
            return probe_sound(path, container)
    return probe_clip(path)[0]


def probe_clip(path: Path) -> tuple[MediaInfo, VideoIndex]:
    """Probe a clip and build its pts index; both are kept per (path, size, mtime)."""
    stat = check_file(path)
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key in _clips:
            _clips.move_to_end(key)
            return _clips[key]
    found = _probe_clip(path, stat.st_size)
    with _lock:
        _clips[key] = found
        while len(_clips) > _CLIPS_KEPT:
            _clips.popitem(last=False)
    return found


def _probe_clip(path: Path, size: int) -> tuple[MediaInfo, VideoIndex]:
    with open_container(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path.name} has no video or sound stream.")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        codec = ctx.codec.canonical_name if ctx is not None and ctx.codec is not None else ""
        if not codec:
            raise MediaError(f"{path.name} uses a video codec the studio cannot decode.")
        first = _first_frame(path, container, stream, codec)
        audio = container.streams.audio[0] if container.streams.audio else None
        claimed = stream.frames
        container.seek(0, backward=True)
        index = build_index(path, container, stream, time.monotonic() + SCAN_SECONDS)
    if claimed > len(index.pts) and container.format.name.startswith("mov"):
        raise MediaError(f"{path.name} is truncated: it holds {len(index.pts)} of its "
                         f"{claimed} frames.")
    rotation = _rotation(first, stream)
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    sar = Fraction(sar) if sar else Fraction(1)
    shown = display_size(first.width, first.height, sar, rotation)
    rate = index.rate(stream.average_rate or stream.guessed_rate)
    fmt = first.format
    alpha = len(fmt.components) in (2, 4) and not fmt.has_palette
    info = MediaInfo(
        kind="clip", width=first.width, height=first.height, display_width=shown[0],
        display_height=shown[1], frames=len(index.pts), rate=rate, vfr=index.vfr,
        sample_aspect=sar, rotation=rotation, codec=codec, pix_fmt=fmt.name, has_alpha=alpha,
        has_audio=audio is not None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        audio_rate=audio.codec_context.sample_rate if audio is not None else None,
        duration=index.duration(rate))
    return info, index


def _first_frame(path: Path, container: av.container.InputContainer, stream: av.VideoStream,
                 codec: str) -> av.VideoFrame:
    """Decode the first frame: proves the codec works and carries the display matrix."""
    try:
        for n, packet in enumerate(container.demux(stream)):
            for frame in packet.decode():
                return frame
            if n > FIRST_FRAME_PACKETS:
                break
        for frame in stream.codec_context.decode(None):
            return frame
    except av.FFmpegError as exc:
        raise MediaError(f"{path.name} is damaged: its first frame cannot be decoded "
                         f"({codec}).") from exc
    raise MediaError(f"{path.name} has no frame the studio can decode ({codec}).")


def _rotation(frame: av.VideoFrame, stream: av.VideoStream) -> int:
    """Clockwise display rotation: the display matrix (counter-clockwise) or a ``rotate`` tag."""
    degrees = -float(frame.rotation or 0)
    if not degrees and "rotate" in stream.metadata:
        try:
            degrees = float(stream.metadata["rotate"])
        except ValueError:
            degrees = 0.0
    return round(degrees / 90.0) % 4 * 90
