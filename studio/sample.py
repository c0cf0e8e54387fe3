"""A small procedural sample project (two stills, two clips, a generated shot) made offline."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from studio.document import fingerprint, persistence
from studio.document.model import (
    Clip,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    MediaKind,
    MediaRef,
    Pin,
    Project,
    Still,
    Timeline,
    Track,
    Transition,
)
from studio.document.timebase import FrameRange, format_rate

WIDTH, HEIGHT, RATE = 512, 288, Fraction(24)
NAME = "Sample"
PROMPT = "a red circle moves right on a blue background"
SHOT_ID = "shot-1"

#: The frame code: BITS black/white cells along the bottom edge spell the frame number in binary
#: (most significant bit first), big enough to survive H.264 at any sane quality.
BITS = 8
CELL_W, CELL_H = WIDTH // BITS, 24


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    """A vertical BGR gradient of the sample size."""
    t = np.linspace(0.0, 1.0, HEIGHT, dtype=np.float32)[:, None, None]
    column = (1 - t) * np.array(top, np.float32) + t * np.array(bottom, np.float32)
    image = np.broadcast_to(column, (HEIGHT, WIDTH, 3))
    return np.ascontiguousarray(image.round().astype(np.uint8))


def _label(image: np.ndarray, text: str, scale: float, y: int) -> None:
    """Draw ``text`` centred at baseline ``y``: white with a black outline, readable on anything."""
    font = cv2.FONT_HERSHEY_DUPLEX
    (w, _h), _ = cv2.getTextSize(text, font, scale, 6)
    org = ((WIDTH - w) // 2, y)
    cv2.putText(image, text, org, font, scale, (0, 0, 0), 14, cv2.LINE_AA)
    cv2.putText(image, text, org, font, scale, (255, 255, 255), 6, cv2.LINE_AA)


def _draw_code(image: np.ndarray, number: int) -> None:
    for bit in range(BITS):
        on = number >> (BITS - 1 - bit) & 1
        image[HEIGHT - CELL_H:, bit * CELL_W:(bit + 1) * CELL_W] = 255 if on else 0


def read_frame_code(rgb: np.ndarray) -> int:
    """The frame number a sample clip frame carries in its bottom cells (RGB or BGR, HxWx3).

    Lets tests check that a decoder returned exactly the frame it was asked for.
    """
    h, w = rgb.shape[:2]
    cw, ch = w // BITS, max(1, h * CELL_H // HEIGHT)
    number = 0
    for bit in range(BITS):
        # Sample the cell's middle only: chroma subsampling and scaling blur its edges.
        cell = rgb[h - ch * 3 // 4:h - ch // 4, bit * cw + cw // 4:(bit + 1) * cw - cw // 4]
        number = number << 1 | int(cell.mean() > 127)
    return number


def still_image(index: int) -> np.ndarray:
    """Sample still ``index`` (1 or 2) as a BGR array: gradient, shape and a big label."""
    if index == 1:
        image = _gradient((160, 60, 20), (60, 20, 0))  # blue sky, BGR
        cv2.circle(image, (140, 140), 60, (40, 40, 220), -1, cv2.LINE_AA)
    else:
        image = _gradient((40, 160, 230), (20, 60, 120))  # warm orange
        cv2.rectangle(image, (330, 70), (450, 190), (120, 200, 40), -1, cv2.LINE_AA)
    _label(image, f"STILL {index}", 2.4, 250)
    return image


def clip_frame(index: int, frame: int, frames: int) -> np.ndarray:
    """Frame ``frame`` of sample clip ``index`` (1 or 2) as an RGB array."""
    if index == 1:
        image = _gradient((30, 40, 150), (10, 10, 50))  # RGB: blue
        x = 40 + (WIDTH - 80) * frame // max(1, frames - 1)
        cv2.circle(image, (x, 90), 36, (220, 40, 40), -1, cv2.LINE_AA)
    else:
        image = _gradient((30, 130, 60), (10, 40, 20))  # RGB: green
        y = 30 + (HEIGHT - CELL_H - 100) * frame // max(1, frames - 1)
        cv2.rectangle(image, (400, y), (470, y + 70), (250, 210, 40), -1, cv2.LINE_AA)
    _label(image, str(frame), 3.5, 190)
    _draw_code(image, frame)
    return image


def _write_clip(path: Path, index: int, frames: int) -> None:
    with av.open(str(path), "w", format="mp4",
                 # bitexact: no encoder version strings, so the file's bytes do not change
                 # from one library build to the next more than they must.
                 options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        # A keyframe every second: later seeking tests need frames that are not keyframes.
        stream.options = {"crf": "20", "preset": "veryfast", "g": "24", "threads": "1"}
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(clip_frame(index, n, frames), format="rgb24")
            frame.pts = n
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _media(project_dir: Path, path: Path, media_id: str, kind: MediaKind,
           probe: dict[str, Any]) -> MediaRef:
    return MediaRef(id=media_id, path=persistence.relative_media_path(project_dir, path),
                    kind=kind, name=path.name, fingerprint=fingerprint.fingerprint_file(path),
                    probe=probe)


def make_sample_project(folder: Path) -> Path:
    """Write the sample project into ``folder`` and return its ``.frameloom`` file.

    ``folder/media/`` gets ``still-1.png``, ``still-2.png`` (512x288) and ``clip-1.mp4`` (48
    frames), ``clip-2.mp4`` (72 frames), H.264 at 24 fps, each frame showing its number as text
    and as a code :func:`read_frame_code` reads back. The timeline is: clip 1, a crossfade,
    still 1, a generated shot pinned to still 1, a gap, clip 2.
    """
    folder = Path(folder)
    media_dir = folder / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    pool: dict[str, MediaRef] = {}
    for n in (1, 2):
        path = media_dir / f"still-{n}.png"
        if not cv2.imwrite(str(path), still_image(n)):
            raise OSError(f"Could not write the sample still {path}.")
        pool[f"media-still-{n}"] = _media(folder, path, f"media-still-{n}", "still",
                                          {"width": WIDTH, "height": HEIGHT})
    for n, frames in ((1, 48), (2, 72)):
        path = media_dir / f"clip-{n}.mp4"
        _write_clip(path, n, frames)
        pool[f"media-clip-{n}"] = _media(folder, path, f"media-clip-{n}", "clip", {
            "frames": frames, "width": WIDTH, "height": HEIGHT, "rate": format_rate(RATE)})

    spec = GeneratedSpec(kind="shot", prompt=PROMPT, duration=48, pins=(
        Pin(id="pin-1", media_id="media-still-1", source=FrameRange(0, 1), at=0),))
    track = Track(id="track-v1", name="V1", items=[
        Clip(id="clip-1", media_id="media-clip-1", source=FrameRange(0, 48), name="Clip 1"),
        Transition(id="transition-1", kind="crossfade", in_offset=6, out_offset=6),
        Still(id="still-1", media_id="media-still-1", duration=36, name="Still 1"),
        Generated(id=SHOT_ID, generation=Generation(spec=spec), source=FrameRange(0, 48),
                  name="Shot 1"),
        Gap(id="gap-1", duration=12),
        Clip(id="clip-2", media_id="media-clip-2", source=FrameRange(0, 72), name="Clip 2"),
    ])
    project = Project(id="project-sample", name=NAME, rate=RATE, width=WIDTH, height=HEIGHT,
                      media=pool, timeline=Timeline(id="timeline-1", tracks=[track]))
    return persistence.save_project(project, folder)


def add_sample_take(project_file: Path, take: Path) -> str:
    """Give the sample's generated shot ``take`` (an MP4) as its active take, and save.

    The file is copied into the project's ``takes/`` folder under its content hash, as a take
    from the engine is, so the first window shows a generated take, not a card.

    Returns
    -------
    str
        The take's path as the project records it (``takes/<hash>.mp4``).

    Raises
    ------
    studio.engine_link.takes.GenerationSetupError
        If the file cannot be read or copied.
    """
    from studio.document import edits
    from studio.engine_link.takes import GenerationSetupError, store_take, take_for

    if not take.is_file():
        raise GenerationSetupError(f"There is no take at {take}.")
    opened = persistence.open_project(project_file)
    folder = opened.path.parent
    stored = store_take(take, folder / "takes")
    made = take_for(opened.project, SHOT_ID, f"sample-{Path(stored).stem}", stored)
    if made is not None:
        edits.add_take(opened.project, SHOT_ID, made)
        persistence.save_project(opened.project, folder)
    return stored
