"""What probing a media file found: :class:`MediaInfo`, and its JSON form for ``MediaRef.probe``."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from studio.document.timebase import format_rate


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaInfo:
    """Measured facts about one still or clip.

    Attributes
    ----------
    kind
        ``"still"``, ``"clip"`` or ``"audio"`` (a sound file: no picture, no frames).
    width, height
        Coded size: the pixels as stored.
    display_width, display_height
        Size as shown: pixel aspect applied to the width, then ``rotation``.
    frames
        Exact number of frames for clips (counted from the packets); 1 for stills.
    rate
        Frame rate of a clip (the average one when ``vfr``); None for stills.
    vfr
        True when frame durations differ (phone clips): frame ``i`` is then found by its pts.
    sample_aspect
        Pixel aspect ratio (1 for square pixels).
    rotation
        Clockwise degrees (0, 90, 180, 270) to turn the coded picture to show it upright, from
        the display matrix, the ``rotate`` tag or EXIF orientation.
    duration
        Seconds, exact.
    """

    kind: Literal["still", "clip", "audio"]
    width: int
    height: int
    display_width: int
    display_height: int
    frames: int
    rate: Fraction | None
    vfr: bool = False
    sample_aspect: Fraction = Fraction(1)
    rotation: int = 0
    codec: str = ""
    pix_fmt: str = ""
    has_alpha: bool = False
    has_audio: bool = False
    audio_codec: str | None = None
    audio_rate: int | None = None
    duration: Fraction = Fraction(0)

    def to_probe(self) -> dict[str, Any]:
        """The JSON-safe dict stored as ``MediaRef.probe`` (rates and durations as strings)."""
        if self.kind == "audio":
            return {"has_audio": True, "audio_codec": self.audio_codec,
                    "audio_rate": self.audio_rate, "duration": format_rate(self.duration)}
        probe: dict[str, Any] = {
            "frames": self.frames, "width": self.width, "height": self.height,
            "display_width": self.display_width, "display_height": self.display_height,
            "rotation": self.rotation, "sample_aspect": format_rate(self.sample_aspect),
            "codec": self.codec, "pix_fmt": self.pix_fmt, "has_alpha": self.has_alpha,
            "has_audio": self.has_audio,
        }
        if self.kind == "clip":
            assert self.rate is not None
            probe.update(rate=format_rate(self.rate), vfr=self.vfr,
                         duration=format_rate(self.duration))
            if self.has_audio:
                probe.update(audio_codec=self.audio_codec, audio_rate=self.audio_rate)
        return probe


def display_size(width: int, height: int, sample_aspect: Fraction,
                 rotation: int) -> tuple[int, int]:
    """The shown size of a ``width`` x ``height`` picture: pixel aspect first, then rotation."""
    shown_w = width
    if sample_aspect > 0 and sample_aspect != 1:
        shown_w = max(2, round(width * sample_aspect / 2) * 2)  # even, as encoders want
    return (height, shown_w) if rotation in (90, 270) else (shown_w, height)
