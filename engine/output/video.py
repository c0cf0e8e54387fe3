"""Write a generated shot as an MP4 under a temporary name, check it decodes, then rename it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from engine.output.audio import add_sound_stream, sound_of, write_sound
from engine.protocol.files import atomic_output

PARTIAL_SUFFIX = ".partial"  # engine.service.scheduler clears ".*.partial" leftovers (no av there)
SETTINGS_KEY = "comment"  # MP4 keeps free text in the ``comment`` tag (©cmt); ffprobe shows it


class OutputError(Exception):
    """An output that could not be written or does not decode; the message is one sentence."""


def write_video(frames: np.ndarray, fps: int, path: Path,
                settings: Mapping[str, Any] | None = None, *, lossless: bool = False) -> Path:
    """Encode ``frames`` (N, H, W, 3 uint8) as H.264 at ``path``; nothing appears there on failure.

    The settings are stored as JSON in the file's ``comment`` tag, so a take carries what
    reproduces it even when it leaves the project. ``lossless`` writes RGB H.264 at QP 0
    (libx264rgb): no chroma subsampling and no quantisation, so it decodes to exactly these
    frames (a retake's joined file, whose frames outside the range must stay the source's).

    Raises
    ------
    OutputError
        If the frames have the wrong shape, encoding fails, or the written file does not decode
        to the same number of frames.
    """
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8 or not len(frames):
        raise OutputError(f"The model returned frames shaped {frames.shape} ({frames.dtype}), "
                          "not a non-empty (frames, height, width, 3) uint8 array.")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_output(path, suffix=PARTIAL_SUFFIX) as temp:
            _encode(frames, fps, temp, settings or {}, lossless)
            decoded = count_frames(temp)  # inside the block: only a whole video is renamed
            if decoded != len(frames):
                raise OutputError(f"The written video decodes to {decoded} frames instead of "
                                  f"{len(frames)}.")
    except (OSError, av.FFmpegError) as exc:
        raise OutputError(f"The video {path.name} could not be written ({exc}).") from None
    return path


def _encode(frames: np.ndarray, fps: int, path: Path, settings: Mapping[str, Any],
            lossless: bool = False) -> None:
    _, height, width, _ = frames.shape
    # yuv420p needs even sizes; an odd edge is padded by repeating the last row or column.
    pad_h, pad_w = (0, 0) if lossless else (height % 2, width % 2)
    with av.open(str(path), "w", format="mp4") as container:
        container.metadata[SETTINGS_KEY] = json.dumps(dict(settings), sort_keys=True)
        stream = container.add_stream("libx264rgb" if lossless else "libx264", rate=Fraction(fps))
        stream.width, stream.height = width + pad_w, height + pad_h
        stream.pix_fmt = "rgb24" if lossless else "yuv420p"
        # No macroblock tree: on small frames (under 128 pixels a side) it made different
        # choices from run to run, so the same frames gave different files and `--from` was not
        # bit-identical. At CRF 16 it only saved bits, not quality.
        stream.options = ({"qp": "0", "preset": "veryfast"} if lossless
                          else {"crf": "16", "preset": "veryfast", "x264-params": "mbtree=0"})
        sound = sound_of(frames)  # frames from a model that makes sound carry it (LTX-2)
        sound_stream = add_sound_stream(container, sound) if sound is not None else None
        for n, image in enumerate(frames):
            if pad_h or pad_w:
                image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = n  # x264 is given each frame's time, not left to guess it
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None:
            write_sound(container, sound_stream, sound)


def count_frames(path: Path) -> int:
    """Decode every frame of the first video stream and count them (the check before "done")."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def read_settings(path: Path) -> dict[str, Any]:
    """The settings stored in an output's ``comment`` tag (empty if there are none)."""
    with av.open(str(path)) as container:
        text = container.metadata.get(SETTINGS_KEY)
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
