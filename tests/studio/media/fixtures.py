"""Generators for media test fixtures: numbered clips in every codec, bad files and stills.

Nothing is downloaded. Every clip frame carries its frame number as the code strip that
:func:`studio.sample.read_frame_code` reads back, so tests can check a decoder returned exactly
the frame it was asked for.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from studio.sample import BITS, CELL_H
from studio.sample import HEIGHT as SAMPLE_HEIGHT

WIDTH, HEIGHT = 320, 180



def _mux_audio(container: Any, sound: Any, samples: np.ndarray) -> None:
    """Encode mono float samples (shape ``(1, n)``, 48 kHz) into ``sound`` in 1024-sample frames."""
    for start in range(0, samples.shape[1], 1024):
        chunk = av.AudioFrame.from_ndarray(samples[:, start:start + 1024], format="fltp",
                                           layout="mono")
        chunk.sample_rate, chunk.pts = 48000, start
        container.mux(sound.encode(chunk))
    container.mux(sound.encode(None))

def numbered_frame(number: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """An RGB frame whose bottom strip spells ``number`` in the sample's frame code.

    The picture above the strip moves with ``number`` so that inter frames are not all skips.
    """
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    image = np.empty((height, width, 3), np.uint8)
    image[..., 0] = (x + number * 7) % 256
    image[..., 1] = y
    image[..., 2] = (x + y + number * 3) % 256 // 2
    cell_w, cell_h = width // BITS, max(1, height * CELL_H // SAMPLE_HEIGHT)
    for bit in range(BITS):
        on = number >> (BITS - 1 - bit) & 1
        image[height - cell_h:, bit * cell_w:(bit + 1) * cell_w] = 255 if on else 0
    return image


def write_clip(path: Path, *, codec: str = "libx264", frames: int = 48, rate: int = 24,
               size: tuple[int, int] = (WIDTH, HEIGHT), pix_fmt: str = "yuv420p",
               options: dict[str, str] | None = None, durations: Sequence[int] | None = None,
               rotation: int | None = None, audio: bool = False, fmt: str | None = None,
               muxer: dict[str, str] | None = None) -> Path:
    """Encode a numbered clip.

    Parameters
    ----------
    durations
        Per-frame durations in ticks of 1/90000 s, cycled: makes a variable-frame-rate clip.
    rotation
        Counter-clockwise display rotation written as the stream's display matrix.
    audio
        Add a 440 Hz AAC track as long as the video.
    muxer
        Container options, such as ``{"movflags": "+faststart"}``.
    """
    width, height = size
    with av.open(str(path), "w", format=fmt, container_options=muxer or {}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = {"threads": "1", **(options or {})}
        if durations:
            stream.codec_context.time_base = Fraction(1, 90000)
            stream.time_base = Fraction(1, 90000)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        sound = container.add_stream("aac", rate=48000) if audio else None
        pts = 0
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(numbered_frame(n, width, height), format="rgb24")
            frame.pts = pts
            pts += durations[n % len(durations)] if durations else 1
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            samples = 48000 * frames // rate
            t = np.arange(samples, dtype=np.float32) / 48000
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            _mux_audio(container, sound, tone)
    return path


def write_truncated(source: Path, path: Path) -> Path:
    """A copy of ``source`` cut at half its size."""
    data = source.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def write_unknown_codec(vp9_mkv: Path, path: Path) -> Path:
    """A Matroska file whose codec id was renamed to one no decoder knows."""
    data = vp9_mkv.read_bytes()
    if b"V_VP9" not in data:
        raise ValueError(f"{vp9_mkv} has no V_VP9 codec id to rename.")
    path.write_bytes(data.replace(b"V_VP9", b"V_ZZ9", 1))
    return path


def write_huge_png_header(path: Path, width: int = 20000, height: int = 20000) -> Path:
    """A PNG claiming ``width`` x ``height`` that holds one row: cheap to write, huge to decode."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\0" * (1 + 3 * width))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row)
                     + chunk(b"IEND", b""))
    return path


def still_pattern(width: int = 64, height: int = 32) -> np.ndarray:
    """An RGB still whose corners differ: red top-left, green top-right, blue bottom-left."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:height // 2, :width // 2] = (255, 0, 0)
    image[:height // 2, width // 2:] = (0, 255, 0)
    image[height // 2:, :width // 2] = (0, 0, 255)
    return image


def write_still(path: Path, fmt: str, *, orientation: int | None = None,
                alpha: bool = False) -> Path:
    """Write :func:`still_pattern` as ``fmt`` (PNG, JPEG, WEBP, TIFF), with EXIF or alpha."""
    image = Image.fromarray(still_pattern())
    if alpha:
        rgba = np.dstack([still_pattern(), np.full((32, 64), 255, np.uint8)])
        rgba[:, :32, 3] = 0  # left half fully transparent
        image = Image.fromarray(rgba, "RGBA")
    kwargs: dict[str, object] = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        kwargs["exif"] = exif
    if fmt == "JPEG":
        kwargs["quality"] = 95
    image.save(path, fmt, **kwargs)
    return path


def write_audio_only(path: Path, seconds: float = 0.5) -> Path:
    """An AAC file with no video stream."""
    with av.open(str(path), "w", format="mp4") as container:
        sound = container.add_stream("aac", rate=48000)
        samples = int(48000 * seconds)
        silence = np.zeros((1, samples), np.float32)
        _mux_audio(container, sound, silence)
    return path


# The clips and stills the session's media fixture writes, by file name.
FAST = {"preset": "veryfast", "crf": "20"}
CLIPS = {
    # 96 frames, a keyframe every 12: seeks land mid-GOP and B-frames are reordered.
    "cfr.mp4": dict(frames=96, options={**FAST, "g": "12", "keyint_min": "12",
                                        "sc_threshold": "0"}),
    # Durations of 1, 2 and 3 thirtieths of a second, cycled.
    "vfr.mp4": dict(frames=60, durations=(3000, 6000, 9000), options={**FAST, "g": "12"}),
    # A phone held upright: stored landscape, shown turned 90 degrees clockwise.
    "rotated.mp4": dict(frames=24, rotation=-90, options=FAST),
    "one-frame.mp4": dict(frames=1, options=FAST),
    "hevc.mp4": dict(codec="libx265", frames=24, options={"x265-params": "log-level=none"}),
    "prores.mov": dict(codec="prores_ks", pix_fmt="yuv422p10le", frames=24),
    "vp9.webm": dict(codec="libvpx-vp9", frames=24,
                     options={"deadline": "realtime", "cpu-used": "8"}),
    "av1.mkv": dict(codec="libsvtav1", frames=24, options={"preset": "12"}),
    "audio.mp4": dict(frames=24, audio=True, options=FAST),
}
STILLS = {
    "still.png": dict(fmt="PNG"),
    "alpha.png": dict(fmt="PNG", alpha=True),
    "exif6.jpg": dict(fmt="JPEG", orientation=6),
    "still.webp": dict(fmt="WEBP"),
    "still.tiff": dict(fmt="TIFF"),
}
