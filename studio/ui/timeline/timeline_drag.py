"""One mouse drag on a timeline item, as Qt-free state: what move or trim it asks for so far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from studio.document.timebase import frames_to_timecode

from .timeline_geometry import Part, Viewport, snap_edge, snap_span

#: A press must travel this far before it becomes a drag, so a click never nudges an item.
DRAG_START_PX = 4.0


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """Put the item's start at ``frame`` on track ``track_id``; with ``ripple`` close its hole
    and insert it there, without it leave a gap and overwrite what lies there."""

    item_id: str
    track_id: str
    frame: int
    ripple: bool = False


@dataclass(frozen=True, slots=True)
class TrimRequest:
    """Move the item's in point by ``in_delta`` and out point by ``out_delta`` frames.

    Both count from the item as it was when the drag began, not from the previous request.
    With ``ripple`` the items after it move; without, the gaps beside it give or take the time.
    """

    item_id: str
    in_delta: int
    out_delta: int
    ripple: bool = True


def ripples(part: Part, toggled: bool) -> bool:
    """Whether a drag of ``part`` ripples: a trim does and a move overwrites, as in most
    editors, and the toggle modifier (Alt) swaps that."""
    return (part != "body") != toggled


@dataclass(slots=True)
class Drag:
    """A press on item ``item_id`` and where the pointer has taken it.

    Parameters
    ----------
    part
        ``"body"`` moves the item; ``"in"``/``"out"`` trim that edge.
    start, duration
        The item's place when the press happened.
    press_x
        Where the press happened, in view pixels.
    targets
        Sorted frames edges snap to (other items' edges, the playhead).
    snap_px
        How close, in pixels, an edge must come to a target to snap to it (on screen, so the
        same at every zoom).
    """

    drag_id: int
    item_id: str
    track_id: str
    part: Part
    start: int
    duration: int
    press_x: float
    targets: Sequence[int] = ()
    snap_px: float = 8.0
    active: bool = False
    last: MoveRequest | TrimRequest | None = field(default=None)

    def update(self, x: float, track_id: str | None, viewport: Viewport,
               toggled: bool = False) -> MoveRequest | TrimRequest | None:
        """The request for the pointer at ``x`` over ``track_id`` (``toggled``: the ripple
        modifier is held), or None while it is unchanged since the last one or the pointer has
        not yet left the click zone."""
        if not self.active:
            if abs(x - self.press_x) < DRAG_START_PX:
                return None
            self.active = True
        request = self.request_at(x, track_id, viewport, toggled)
        if request == self.last:
            return None
        self.last = request
        return request

    def request_at(self, x: float, track_id: str | None, viewport: Viewport,
                   toggled: bool = False) -> MoveRequest | TrimRequest:
        """The (snapped) request for the pointer at ``x`` over ``track_id``."""
        threshold = self.snap_px / viewport.pixels_per_frame
        delta = round((x - self.press_x) / viewport.pixels_per_frame)
        ripple = ripples(self.part, toggled)
        if self.part == "body":
            frame = snap_span(self.start + delta, self.duration, self.targets, threshold)
            return MoveRequest(self.item_id, track_id or self.track_id, frame, ripple)
        if self.part == "in":
            edge = snap_edge(self.start + delta, self.targets, threshold)
            in_delta = min(edge - self.start, self.duration - 1)
            return TrimRequest(self.item_id, in_delta, 0, ripple)
        end = self.start + self.duration
        edge = snap_edge(end + delta, self.targets, threshold)
        return TrimRequest(self.item_id, 0, max(edge - end, 1 - self.duration), ripple)

    def readout(self, rate: Fraction) -> str:
        """The change so far as a signed timecode and how it applies ("+00:00:01:04 ripple");
        "" before the pointer has left the click zone."""
        if not self.active or self.last is None:
            return ""
        change = self.change()
        mode = "ripple" if self.last.ripple else "overwrite"
        return f"{'+' if change >= 0 else ''}{frames_to_timecode(change, rate)} {mode}"

    def change(self) -> int:
        """Frames the last request moves the dragged item or edge by (0 before any)."""
        last = self.last
        if isinstance(last, MoveRequest):
            return last.frame - self.start
        if isinstance(last, TrimRequest):
            return last.in_delta or last.out_delta
        return 0

    def ghost(self) -> tuple[str, int, int] | None:
        """``(track_id, start, end)`` of where the item would be after the last request."""
        last = self.last
        if isinstance(last, MoveRequest):
            return last.track_id, last.frame, last.frame + self.duration
        if isinstance(last, TrimRequest):
            # The ghost follows the dragged edge; where a ripple trim lands is the owner's call.
            return (self.track_id, self.start + last.in_delta,
                    self.start + self.duration + last.out_delta)
        return None
