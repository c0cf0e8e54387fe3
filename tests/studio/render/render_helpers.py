"""Builders for render tests: coded clips at any rate and size, stills, and small projects."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from studio import sample
from studio.document import fingerprint, persistence
from studio.document.model import (
    AudioItem,
    Clip,
    Gap,
    MediaRef,
    Project,
    Timeline,
    Track,
    TrackEntry,
    Transition,
)

W, H = 320, 180


def write_clip(path: Path, frames: int, rate: Fraction | int = 24, size: tuple[int, int] = (W, H),
               index: int = 1) -> Path:
    """An H.264 clip whose frame ``n`` carries ``n`` in the sample's frame code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(rate))
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast", "g": "12", "threads": "1"}
        for n in range(frames):
            image = cv2.resize(sample.clip_frame(index, n, frames), size,
                               interpolation=cv2.INTER_AREA)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = n
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def write_still(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (W, H)) -> Path:
    """A flat-coloured PNG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.empty((size[1], size[0], 3), np.uint8)
    image[:] = rgb[::-1]  # OpenCV writes BGR
    assert cv2.imwrite(str(path), image)
    return path


def media(folder: Path, path: Path, media_id: str, kind: str) -> MediaRef:
    return MediaRef(id=media_id, path=persistence.relative_media_path(folder, path), kind=kind,
                    name=path.name, fingerprint=fingerprint.fingerprint_file(path))


def sound_under(items: list[TrackEntry]) -> list[TrackEntry]:
    """The audio track a video track's clips bring when placed (each clip's sound linked to
    it, crossfades kept, silence elsewhere), as dropping them in the studio makes."""
    out: list[TrackEntry] = []
    for entry in items:
        if isinstance(entry, Clip):
            out.append(AudioItem(id=f"{entry.id}-audio", media_id=entry.media_id,
                                 source=entry.source, link=entry.id))
        elif isinstance(entry, Transition):
            if entry.kind == "crossfade":
                out.append(Transition(id=f"{entry.id}-audio", kind="crossfade",
                                      in_offset=entry.in_offset, out_offset=entry.out_offset))
        else:
            out.append(Gap(id=f"{entry.id}-audio", duration=entry.duration))
    while out and isinstance(out[-1], (Gap, Transition)):
        out.pop()
    return out


def project(folder: Path, pool: list[MediaRef], *tracks: list[TrackEntry],
            rate: Fraction | int = 24, size: tuple[int, int] = (W, H),
            sound: bool = True) -> Project:
    """A project whose video tracks (bottom first) hold the given entries, each with an audio
    track carrying its clips' linked sound (unless ``sound`` is False)."""
    return Project(id="project-test", name="Test", rate=Fraction(rate), width=size[0],
                   height=size[1], media={m.id: m for m in pool},
                   timeline=Timeline(id="timeline-test", tracks=[
                       Track(id=f"track-{n}", name=f"V{n + 1}", items=list(items))
                       for n, items in enumerate(tracks)], audio_tracks=[
                       Track(id=f"track-a{n}", name=f"A{n + 1}", kind="audio",
                             items=sound_under(list(items)))
                       for n, items in enumerate(tracks) if sound]))


def decode(path: Path) -> tuple[list[np.ndarray], av.video.stream.VideoStream]:
    """Every frame of ``path`` as RGB, and its video stream (closed, for its attributes)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    return frames, stream


def mean_rgb(frame: np.ndarray, box: tuple[slice, slice] | None = None) -> np.ndarray:
    region = frame if box is None else frame[box]
    return region.reshape(-1, 3).mean(axis=0)


def write_clip_with_tone(path: Path, frames: int, rate: int = 24, hz: float = 440.0,
                         sample_rate: int = 44_100, hz_after_1s: float | None = None) -> Path:
    """A coded clip (as :func:`write_clip`) with a mono sine tone as long as the picture.

    With ``hz_after_1s`` the tone changes pitch one second in, so tests can tell where in the
    source the exported sound starts.
    """
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=rate)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        video.options = {"preset": "ultrafast", "threads": "1"}
        audio = container.add_stream("aac", rate=sample_rate, layout="mono")
        for n in range(frames):
            image = cv2.resize(sample.clip_frame(1, n, frames), (W, H))
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = n
            container.mux(video.encode(frame))
        total = frames * sample_rate // rate
        t = np.arange(total) / sample_rate
        pitch = np.where(t < 1.0, hz, hz_after_1s or hz)
        tone = (0.5 * np.sin(2 * np.pi * pitch * t)).astype(np.float32)[None, :]
        for at in range(0, total, 1024):
            chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, at:at + 1024]),
                                               format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = sample_rate, at
            container.mux(audio.encode(chunk))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return path


def decode_audio(path: Path) -> tuple[np.ndarray, int, int]:
    """``(samples (channels, n), sample rate, channels)`` of the file's first audio stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [f.to_ndarray() for f in container.decode(stream)]
        return np.concatenate(chunks, axis=1), stream.rate, stream.channels
