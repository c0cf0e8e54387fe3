"""Qt-free timeline maths: frames to pixels, per-track item layouts, hit testing and snapping."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from studio.document.model import Item, Track, Transition

Part = Literal["body", "in", "out"]

MIN_PIXELS_PER_FRAME = 0.01
MAX_PIXELS_PER_FRAME = 64.0
ZOOM_STEP = 2 ** 0.5
RULER_HEIGHT = 26
TRACK_HEIGHT = 76  # room for a label, a status line and a filmstrip


class Viewport:
    """The horizontal mapping of one view: zoom (pixels per frame) and scroll (pixels).

    Each view owns its own instance, so two timelines never share a zoom.

    Parameters
    ----------
    pixels_per_frame
        Initial zoom, clamped to ``[MIN_PIXELS_PER_FRAME, MAX_PIXELS_PER_FRAME]``.
    scroll
        Pixels of content scrolled off the left edge.
    """

    def __init__(self, pixels_per_frame: float = 4.0, scroll: float = 0.0) -> None:
        self.pixels_per_frame = _clamp_zoom(pixels_per_frame)
        self.scroll = max(0.0, scroll)

    def frame_to_x(self, frame: float) -> float:
        """The x (in the view) of the left edge of ``frame``."""
        return frame * self.pixels_per_frame - self.scroll

    def x_to_frame(self, x: float) -> int:
        """The frame whose pixels contain ``x`` (floor; may be negative left of frame 0)."""
        return int((x + self.scroll) // self.pixels_per_frame)

    def nearest_frame(self, x: float) -> int:
        """The frame boundary closest to ``x``: where an edge dragged to ``x`` lands."""
        return round((x + self.scroll) / self.pixels_per_frame)

    def frames_in(self, width: float) -> tuple[int, int]:
        """``(first, end)``: the half-open frame range a view ``width`` pixels wide shows."""
        first = self.x_to_frame(0)
        return first, self.x_to_frame(width) + 1

    def zoom_to(self, pixels_per_frame: float, anchor_x: float = 0.0) -> None:
        """Change zoom keeping the frame under ``anchor_x`` where it is on screen."""
        at = (anchor_x + self.scroll) / self.pixels_per_frame
        self.pixels_per_frame = _clamp_zoom(pixels_per_frame)
        self.scroll = max(0.0, at * self.pixels_per_frame - anchor_x)


def _clamp_zoom(value: float) -> float:
    return min(MAX_PIXELS_PER_FRAME, max(MIN_PIXELS_PER_FRAME, float(value)))


@dataclass(frozen=True, slots=True)
class TransitionSpan:
    """A transition standing at frame ``cut``, covering ``[cut - in_offset, cut + out_offset)``."""

    cut: int
    transition: Transition

    @property
    def start(self) -> int:
        return self.cut - self.transition.in_offset

    @property
    def end(self) -> int:
        return self.cut + self.transition.out_offset


class TrackLayout:
    """Where each item of one track starts and ends, for binary search by frame.

    Built once per change of the track, so painting and hit testing never walk the whole track.
    """

    __slots__ = ("duration", "ends", "items", "starts", "track_id", "transitions")

    def __init__(self, track: Track) -> None:
        self.track_id = track.id
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.items: list[Item] = []
        self.transitions: list[TransitionSpan] = []
        frame = 0
        for entry in track.items:
            if isinstance(entry, Transition):
                self.transitions.append(TransitionSpan(frame, entry))
                continue
            self.starts.append(frame)
            frame += entry.duration
            self.ends.append(frame)
            self.items.append(entry)
        self.duration = frame

    def __len__(self) -> int:
        return len(self.items)

    def visible(self, first: int, end: int) -> range:
        """Indices of the items overlapping the frames ``[first, end)``."""
        lo = max(0, bisect.bisect_right(self.starts, first) - 1)
        if lo < len(self.ends) and self.ends[lo] <= first:
            lo += 1  # ``first`` lies past the end of the track
        hi = bisect.bisect_left(self.starts, end)
        return range(lo, max(lo, hi))

    def index_at(self, frame: int) -> int | None:
        """Index of the item covering ``frame``, or None past the end or before 0."""
        if frame < 0 or frame >= self.duration:
            return None
        return bisect.bisect_right(self.starts, frame) - 1

    def index_of(self, item_id: str) -> int | None:
        """Index of the item with ``item_id`` (a linear scan: use for one-off look-ups)."""
        return next((i for i, item in enumerate(self.items) if item.id == item_id), None)

    def edges(self) -> Iterator[int]:
        """Every item boundary of the track."""
        yield from self.starts
        yield from self.ends[-1:]


def hit_part(x: float, left: float, right: float, edge_px: float) -> Part:
    """Which part of an item spanning ``[left, right)`` pixels ``x`` is on.

    The edge zones shrink on narrow items so their bodies stay grabbable.
    """
    zone = min(edge_px, (right - left) / 3)
    if x < left + zone:
        return "in"
    if x >= right - zone:
        return "out"
    return "body"


def hit_test(layout: TrackLayout, viewport: Viewport, x: float,
             edge_px: float = 6.0) -> tuple[int, Part] | None:
    """``(item index, part)`` under ``x`` on the track of ``layout``, or None."""
    index = layout.index_at(viewport.x_to_frame(x))
    if index is None:
        return None
    left = viewport.frame_to_x(layout.starts[index])
    right = viewport.frame_to_x(layout.ends[index])
    return index, hit_part(x, left, right, edge_px)


def snap_targets(layouts: Iterable[TrackLayout], extra: Iterable[int] = (),
                 exclude: str | None = None) -> list[int]:
    """Sorted, distinct frames a dragged edge may snap to: every item edge and ``extra``.

    The edges of the item ``exclude`` (the one being dragged) are left out.
    """
    frames: set[int] = set(extra)
    for layout in layouts:
        for index, item in enumerate(layout.items):
            if item.id != exclude:
                frames.add(layout.starts[index])
                frames.add(layout.ends[index])
    return sorted(frames)


def snap(frame: int, targets: Sequence[int], threshold_frames: float) -> int | None:
    """The target nearest ``frame`` if it lies within ``threshold_frames``, else None."""
    i = bisect.bisect_left(targets, frame)
    best: int | None = None
    for j in (i - 1, i):
        if 0 <= j < len(targets):
            distance = abs(targets[j] - frame)
            if distance <= threshold_frames and (best is None or distance < abs(best - frame)):
                best = targets[j]
    return best


def snap_edge(frame: int, targets: Sequence[int], threshold_frames: float) -> int:
    """``frame``, or the target it snaps to."""
    hit = snap(frame, targets, threshold_frames)
    return frame if hit is None else hit


def snap_span(start: int, duration: int, targets: Sequence[int], threshold_frames: float) -> int:
    """The start of a ``duration``-frame span dragged to ``start``, snapped by either edge.

    Whichever edge lands nearer a target wins; the result never goes below frame 0.
    """
    options = []
    for edge, offset in ((start, 0), (start + duration, duration)):
        hit = snap(edge, targets, threshold_frames)
        if hit is not None:
            options.append((abs(hit - edge), hit - offset))
    return max(0, min(options)[1] if options else start)


def tick_step(pixels_per_frame: float, fps: int, min_px: float = 90.0) -> int:
    """Frames between labelled ruler ticks so labels stand at least ``min_px`` apart.

    Steps are whole frames below a second and whole seconds or minutes above.
    """
    fps = max(1, fps)
    candidates = [1, 2, 5, 10] + [fps * s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800,
                                                     3600)]
    for step in sorted(set(c for c in candidates if c <= fps // 2 or c % fps == 0)):
        if step * pixels_per_frame >= min_px:
            return step
    return fps * 3600
