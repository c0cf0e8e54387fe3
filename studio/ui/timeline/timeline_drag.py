"""One mouse drag on a timeline item, as Qt-free state: what move or trim it asks for so far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .timeline_geometry import Part, Viewport, snap_edge, snap_span

#: A press must travel this far before it becomes a drag, so a click never nudges an item.
DRAG_START_PX = 4.0


@dataclass(frozen=True, slots=True)
class MoveRequest:
    """Put the item's start at ``frame`` on track ``track_id``."""

    item_id: str
    track_id: str
    frame: int


@dataclass(frozen=True, slots=True)
class TrimRequest:
    """Move the item's in point by ``in_delta`` and out point by ``out_delta`` frames.

    Both count from the item as it was when the drag began, not from the previous request.
    """

    item_id: str
    in_delta: int
    out_delta: int


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
        How close, in pixels, an edge must come to a target to snap to it.
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
    sent: tuple[int, int] = (0, 0)

    def update(self, x: float, track_id: str | None,
               viewport: Viewport) -> MoveRequest | TrimRequest | None:
        """The request for the pointer at ``x`` over ``track_id``, or None while it is
        unchanged since the last one or the pointer has not yet left the click zone."""
        if not self.active:
            if abs(x - self.press_x) < DRAG_START_PX:
                return None
            self.active = True
        request = self.request_at(x, track_id, viewport)
        if request == self.last:
            return None
        self.last = request
        return request

    def step(self, request: TrimRequest) -> TrimRequest:
        """The part of the total trim ``request`` not yet sent, and mark it sent.

        Emitting steps lets an owner apply each request of a drag as it comes and merge them
        (one undo step per drag): the steps of a drag add up to its total.
        """
        in_step, out_step = request.in_delta - self.sent[0], request.out_delta - self.sent[1]
        self.sent = (request.in_delta, request.out_delta)
        return TrimRequest(request.item_id, in_step, out_step)

    def request_at(self, x: float, track_id: str | None,
                   viewport: Viewport) -> MoveRequest | TrimRequest:
        """The (snapped) request for the pointer at ``x`` over ``track_id``."""
        threshold = self.snap_px / viewport.pixels_per_frame
        delta = round((x - self.press_x) / viewport.pixels_per_frame)
        if self.part == "body":
            frame = snap_span(self.start + delta, self.duration, self.targets, threshold)
            return MoveRequest(self.item_id, track_id or self.track_id, frame)
        if self.part == "in":
            edge = snap_edge(self.start + delta, self.targets, threshold)
            in_delta = min(edge - self.start, self.duration - 1)
            return TrimRequest(self.item_id, in_delta, 0)
        end = self.start + self.duration
        edge = snap_edge(end + delta, self.targets, threshold)
        return TrimRequest(self.item_id, 0, max(edge - end, 1 - self.duration))

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
