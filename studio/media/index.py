"""The pts index of a video stream: every frame's pts in presentation order, from its packets."""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from studio.errors import MediaError


@dataclass(frozen=True, slots=True)
class VideoIndex:
    """Frame ``i`` of the stream has pts ``pts[i]``; ``key_before[i]`` is the index of the
    keyframe a decoder must start from to reach it."""

    pts: tuple[int, ...]
    key_before: tuple[int, ...]
    time_base: Fraction
    last_duration: int
    _where: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_where", {p: i for i, p in enumerate(self.pts)})

    def index_of(self, pts: int | None) -> int | None:
        """The frame index with this pts, if any."""
        return None if pts is None else self._where.get(pts)

    @property
    def vfr(self) -> bool:
        """True when frame durations differ by more than a tick and 1 %."""
        if len(self.pts) < 3:
            return False
        mean = (self.pts[-1] - self.pts[0]) / (len(self.pts) - 1)
        return any(abs(b - a - mean) > 1 + 0.01 * mean for a, b in zip(self.pts, self.pts[1:]))

    def rate(self, claimed: Fraction | None) -> Fraction:
        """The frame rate: the container's for CFR when it agrees, else measured from pts."""
        measured = None
        if len(self.pts) >= 2 and self.pts[-1] > self.pts[0]:
            span = (self.pts[-1] - self.pts[0]) * self.time_base
            measured = Fraction(len(self.pts) - 1) / span
        if claimed and (measured is None or abs(Fraction(claimed) / measured - 1) < 0.01):
            return Fraction(claimed)
        if measured is None:
            return Fraction(claimed) if claimed else Fraction(24)
        return measured.limit_denominator(1001)

    def duration(self, rate: Fraction) -> Fraction:
        """Seconds from the first frame's start to the last frame's end."""
        if not self.vfr:
            return len(self.pts) / rate
        last = self.last_duration or round((self.pts[-1] - self.pts[0]) / (len(self.pts) - 1))
        return (self.pts[-1] - self.pts[0] + last) * self.time_base


def build_index(path: Path, container: av.container.InputContainer, stream: av.VideoStream,
                deadline: float) -> VideoIndex:
    """Scan every packet of ``stream`` (no decoding) into a :class:`VideoIndex`.

    Raises
    ------
    MediaError
        If the scan passes ``deadline`` (``time.monotonic()``), a packet has no timestamp, the
        file is damaged, or the stream has no frames.
    """
    found: list[tuple[int, bool]] = []
    last_duration = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.is_discard:
                continue  # the flush packet at the end; samples an edit list cuts away
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None:
                raise MediaError(f"{path.name} has frames without timestamps, which the studio "
                                 "cannot place exactly.")
            found.append((stamp, bool(packet.is_keyframe)))
            last_duration = packet.duration or 0
            if len(found) % 512 == 0 and time.monotonic() > deadline:
                raise MediaError(f"{path.name} took too long to read; it may be damaged.")
    except av.FFmpegError as exc:
        raise MediaError(f"{path.name} is damaged after frame {len(found)}.") from exc
    if not found:
        raise MediaError(f"{path.name} holds no video frames.")
    found.sort()
    pts = tuple(p for p, _ in found)
    keys = [p for p, key in found if key] or [pts[0]]
    where = {p: i for i, p in enumerate(pts)}
    key_before = tuple(where[keys[max(0, bisect.bisect_right(keys, p) - 1)]] if p >= keys[0]
                       else 0 for p in pts)
    assert stream.time_base is not None  # PyAV types it optional; a demuxed stream has one
    return VideoIndex(pts, key_before, Fraction(stream.time_base), last_duration)
