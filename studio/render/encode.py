"""Video encoder settings and a small PyAV writer for H.264/H.265 MP4 and ProRes 422 HQ MOV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

import av
import cv2
import numpy as np
from av.video.stream import VideoStream

from studio.errors import RenderError

if TYPE_CHECKING:
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class Codec:
    """How one export codec is encoded: the FFmpeg encoder, pixel format and fixed options."""

    encoder: str
    pix_fmt: str
    containers: tuple[str, ...]  # output suffixes it may go in; the first is the default
    options: dict[str, str] = field(default_factory=dict)
    tag: str | None = None
    uses_crf: bool = True


CODECS: dict[str, Codec] = {
    "h264": Codec("libx264", "yuv420p", (".mp4", ".mov", ".mkv")),
    # hvc1, not hev1: the tag QuickTime and Apple players require to play HEVC in MP4.
    "h265": Codec("libx265", "yuv420p", (".mp4", ".mov", ".mkv"),
                  {"x265-params": "log-level=error"}, tag="hvc1"),
    # prores_ks profile 3 is ProRes 422 HQ; it has no CRF or preset.
    "prores": Codec("prores_ks", "yuv422p10le", (".mov",), {"profile": "3"}, uses_crf=False),
}
FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
           "veryslow")


def check_settings(codec: str, out_path: Path, crf: int, preset: str) -> Codec:
    """The :class:`Codec` for ``codec``; raises RenderError on a bad combination."""
    spec = CODECS.get(codec)
    if spec is None:
        raise RenderError(f"Unknown codec {codec!r}; choose one of {', '.join(CODECS)}.")
    suffix = out_path.suffix.lower()
    if suffix not in spec.containers:
        raise RenderError(f"A {codec} export must be written to a "
                          f"{' or '.join(spec.containers)} file, not {out_path.name!r}.")
    if spec.uses_crf and not 0 <= crf <= 51:
        raise RenderError(f"CRF {crf} is outside 0-51 (lower is better quality).")
    if spec.uses_crf and preset not in PRESETS:
        raise RenderError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESETS)}.")
    return spec


class VideoWriter:
    """Encode RGB frames into a container at a constant rate (a context manager).

    Parameters
    ----------
    path
        File to write; its container format is ``container_format``, not its suffix, so a
        hidden temporary name works.
    container_format
        FFmpeg muxer name: ``"mp4"``, ``"mov"`` or ``"matroska"``.
    codec
        The :class:`Codec` to use.
    width, height, rate
        Frame size and constant frame rate.
    crf, preset
        Quality and speed for x264/x265; ignored for ProRes.
    threads
        Encoder threads; 0 lets the encoder choose (all cores).
    metadata
        Container tags, such as ``comment`` (which holds an export's settings as JSON).
    chapters
        ``(start, end, title)`` of each chapter, in seconds from the file's start (a PyAV
        without chapter writing leaves them out).
    """

    def __init__(self, path: Path, container_format: str, codec: Codec, width: int, height: int,
                 rate: Fraction, *, crf: int = 18, preset: str = "medium",
                 threads: int = 0, metadata: dict[str, str] | None = None,
                 chapters: Sequence[tuple[Fraction, Fraction, str]] = ()) -> None:
        options = {"movflags": "+faststart"} if container_format in ("mp4", "mov") else {}
        self._container = av.open(str(path), "w", format=container_format, options=options)
        try:
            for key, value in (metadata or {}).items():
                self._container.metadata[key] = value
            if chapters and hasattr(self._container, "set_chapters"):  # PyAV 14 and later
                self._container.set_chapters([
                    {"id": number, "start": round(start * 1000), "end": round(end * 1000),
                     "time_base": Fraction(1, 1000), "metadata": {"title": title}}
                    for number, (start, end, title) in enumerate(chapters, 1)])
            stream = self._container.add_stream(codec.encoder, rate=rate)
            # An encoder named by a string types as any stream kind; every CODECS entry is video.
            if not isinstance(stream, VideoStream):
                raise RenderError(f"{codec.encoder} is not a video encoder.")
            stream.width, stream.height, stream.pix_fmt = width, height, codec.pix_fmt
            opts: dict[str, object] = dict(codec.options)
            if codec.uses_crf:
                opts.update(crf=str(crf), preset=preset)
            opts["threads"] = str(threads)
            stream.options = opts
            if codec.tag:
                stream.codec_context.codec_tag = codec.tag
        except Exception:
            self._container.close()
            raise
        self._stream = stream
        self._time_base = 1 / Fraction(rate)
        self._pts = 0
        self._audio: av.audio.stream.AudioStream | None = None
        self._samples = 0

    def add_audio(self, sample_rate: int, *, pcm: bool = False) -> None:
        """Add a stereo sound track, AAC (or 24-bit PCM with ``pcm``, as ProRes MOVs carry);
        call before the first :meth:`write`."""
        if pcm:
            self._audio = self._container.add_stream("pcm_s24le", rate=sample_rate,
                                                     layout="stereo")
        else:
            self._audio = self._container.add_stream("aac", rate=sample_rate, layout="stereo")
            self._audio.bit_rate = 192_000

    def write_audio(self, samples: np.ndarray) -> None:
        """Encode ``(2, n)`` float32 samples in [-1, 1] that follow the previous ones; the
        muxer interleaves them with the picture by time."""
        assert self._audio is not None
        if samples.shape[1] == 0:
            return
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, np.float32),
                                           format="fltp", layout="stereo")
        frame.sample_rate = self._audio.rate
        frame.pts = self._samples
        frame.time_base = Fraction(1, self._audio.rate)
        self._samples += samples.shape[1]
        self._container.mux(self._audio.encode(frame))

    def prepare(self, rgb: np.ndarray | av.VideoFrame) -> av.VideoFrame:
        """An encoder-ready frame from ``(H, W, 3)`` uint8 RGB; safe to call on another thread.

        A decoded ``av.VideoFrame`` of the output size passes through (converted only if its
        pixel format differs from the encoder's).

        For 4:2:0 codecs OpenCV does the RGB to I420 conversion: about five times faster than
        libswscale's unaccelerated rgb24 path, with the same BT.601 limited-range result.
        """
        if isinstance(rgb, av.VideoFrame):
            if rgb.format.name == self._stream.pix_fmt:
                return rgb
            return rgb.reformat(format=self._stream.pix_fmt)
        if self._stream.pix_fmt == "yuv420p":
            # cv2's stubs type any result as integer-or-float; uint8 RGB in gives uint8 out.
            yuv = cast("NDArray[np.uint8]", cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420))
            return av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        return av.VideoFrame.from_ndarray(rgb, format="rgb24")

    def write(self, frame: np.ndarray | av.VideoFrame) -> None:
        """Encode one frame: ``(H, W, 3)`` uint8 RGB or the result of :meth:`prepare`."""
        if isinstance(frame, np.ndarray):
            frame = self.prepare(frame)
        frame.pts = self._pts
        # A passed-through decoded frame carries its source's time base; PyAV would rescale
        # our frame count from it, so give it the output's.
        frame.time_base = self._time_base
        self._pts += 1
        self._container.mux(self._stream.encode(frame))

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        try:
            self._container.mux(self._stream.encode(None))
            if self._audio is not None:
                self._container.mux(self._audio.encode(None))
        finally:
            self._container.close()

    def abort(self) -> None:
        """Close the file without flushing (it is about to be deleted)."""
        try:
            self._container.close()
        except Exception:
            pass

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
