"""Flatten a timeline into intervals that each show one thing: an item, a crossfade or a take.

This is pure arithmetic on the document (no media is opened), so it is cheap to test.

Transitions follow OpenTimelineIO. A transition between items A and B with ``in_offset = i``
and ``out_offset = o`` occupies ``[cut - i, cut + o)`` on the track and takes no time of its
own. Over that range both items play: A runs ``o`` frames *past* its out point and B starts
``i`` frames *before* its in point, and the two are mixed linearly::

    timeline   ... a a a a|a a a a a a|b b b b ...         cut between the two "|" halves
                          ^cut-i  ^cut     ^cut+o
    A plays    a0 .. aN-i ..  aN-1 | aN .. aN+o-1          (frames past A's out point)
    B plays          b-i .. b-1    | b0 .. bo-1 ..         (frames before B's in point)
    weight of B    0/L  1/L  ...  i/L  ...  (L-1)/L        with L = i + o, then B alone

so frame ``cut - i + k`` is ``(1 - k/L) * A + (k/L) * B`` for ``k`` in ``[0, L)``. The fade is
symmetric about the cut: with ``i == o`` the frame *at* the cut is the exact average of A and B.
Where a source has no frames past its out point (or before its in point) its last (first)
frame is held; that is the feed's business, not this module's. A ``bridge`` transition whose
active take is done shows the take's frames over the same range instead of a mix.

Tracks are composited simply: at every frame the top-most track whose interval is not a gap
is shown, and lower tracks are not decoded there.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from studio.document.model import Gap, Generated, Item, Project, Track, Transition


@dataclass(frozen=True, slots=True)
class Play:
    """Item ``item`` (starting on the timeline at ``item_start``) shows its own frames."""

    start: int
    end: int
    item: Item
    item_start: int


@dataclass(frozen=True, slots=True)
class Mix:
    """A crossfade from ``outgoing`` to ``incoming`` over ``[fade_start, fade_start + length)``."""

    start: int
    end: int
    outgoing: Item
    outgoing_start: int
    incoming: Item
    incoming_start: int
    fade_start: int
    length: int


@dataclass(frozen=True, slots=True)
class Bridge:
    """A bridge transition whose active take plays from frame 0 at ``fade_start``."""

    start: int
    end: int
    transition: Transition
    fade_start: int


@dataclass(frozen=True, slots=True)
class Black:
    """Nothing on any track: black."""

    start: int
    end: int


Interval = Play | Mix | Bridge | Black


def _has_take(transition: Transition) -> bool:
    generation = transition.generation
    take = generation.active_take if generation is not None else None
    return take is not None and take.status == "done"


def track_intervals(track: Track) -> list[Interval]:
    """The intervals of one track, in order, covering ``[0, track.duration)`` without holes.

    Gaps come out as :class:`Black`. Transitions whose ranges would overlap (two transitions
    around an item shorter than both) are clipped so that each frame belongs to one interval.
    """
    placed = [(index, start, item) for index, start, item in track.layout()]
    by_index = {index: (start, item) for index, start, item in placed}
    fades: list[Interval] = []
    for index, entry in enumerate(track.items):
        if not isinstance(entry, Transition) or index - 1 not in by_index \
                or index + 1 not in by_index:
            continue
        (a_start, a), (b_start, b) = by_index[index - 1], by_index[index + 1]
        cut = b_start
        start, end = cut - entry.in_offset, cut + entry.out_offset
        if end <= start:
            continue
        if entry.kind == "bridge" and _has_take(entry):
            fades.append(Bridge(start, end, entry, start))
        else:
            fades.append(Mix(start, end, a, a_start, b, b_start, start, end - start))
    intervals: list[Interval] = []
    cursor, fade_iter = 0, iter(fades)
    pending = next(fade_iter, None)
    for _, item_start, item in placed:
        item_end = item_start + item.duration
        while cursor < item_end:
            if pending is not None and pending.start <= cursor:
                fade_end = max(cursor, min(pending.end, track.duration))
                if fade_end > cursor:
                    intervals.append(_clipped(pending, cursor, fade_end))
                cursor = fade_end
                pending = next(fade_iter, None)
                continue
            stop = item_end if pending is None else min(item_end, pending.start)
            if isinstance(item, Gap):
                intervals.append(Black(cursor, stop))
            else:
                intervals.append(Play(cursor, stop, item, item_start))
            cursor = stop
    return intervals


def _clipped(interval: Interval, start: int, end: int) -> Interval:
    """``interval`` restricted to ``[start, end)``; fades keep their own weight origin."""
    if isinstance(interval, Play):
        return Play(start, end, interval.item, interval.item_start)
    if isinstance(interval, Mix):
        return Mix(start, end, interval.outgoing, interval.outgoing_start, interval.incoming,
                   interval.incoming_start, interval.fade_start, interval.length)
    if isinstance(interval, Bridge):
        return Bridge(start, end, interval.transition, interval.fade_start)
    return Black(start, end)


def _is_empty(interval: Interval) -> bool:
    if isinstance(interval, Black):
        return True
    return isinstance(interval, Play) and isinstance(interval.item, Gap)


def timeline_intervals(project: Project, start: int = 0, stop: int | None = None) -> list[Interval]:
    """What the composited timeline shows over ``[start, stop)``, as merged intervals.

    Parameters
    ----------
    project
        The project; its tracks are stacked bottom (index 0) to top.
    start, stop
        Timeline frames to cover; ``stop`` None means the timeline's end.
    """
    stop = project.timeline.duration if stop is None else stop
    per_track = [track_intervals(t) for t in project.timeline.tracks]
    bounds = {start, stop}
    for intervals in per_track:
        bounds.update(i.start for i in intervals if start < i.start < stop)
        bounds.update(i.end for i in intervals if start < i.end < stop)
    edges = sorted(bounds)
    cursors = [0] * len(per_track)
    result: list[Interval] = []
    for lo, hi in itertools.pairwise(edges):
        chosen: Interval | None = None
        for t in range(len(per_track) - 1, -1, -1):  # top track first
            intervals = per_track[t]
            while cursors[t] < len(intervals) and intervals[cursors[t]].end <= lo:
                cursors[t] += 1
            if cursors[t] < len(intervals) and intervals[cursors[t]].start <= lo \
                    and not _is_empty(intervals[cursors[t]]):
                chosen = intervals[cursors[t]]
                break
        piece = _clipped(chosen, lo, hi) if chosen is not None else Black(lo, hi)
        last = result[-1] if result else None
        if last is not None and _same_source(last, piece) and last.end == lo:
            result[-1] = _clipped(last, last.start, hi)
        else:
            result.append(piece)
    return result


def _same_source(a: Interval, b: Interval) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, Play) and isinstance(b, Play):
        return a.item is b.item and a.item_start == b.item_start
    if isinstance(a, Mix) and isinstance(b, Mix):
        return a.outgoing is b.outgoing and a.incoming is b.incoming \
            and a.fade_start == b.fade_start
    if isinstance(a, Bridge) and isinstance(b, Bridge):
        return a.transition is b.transition
    return True  # two Blacks


def untaken_shots(project: Project, start: int = 0, stop: int | None = None) -> list[Generated]:
    """The generated items shown over ``[start, stop)`` that have no finished active take, so
    a render shows their "Not generated yet" card; each once, in timeline order."""
    found: dict[str, Generated] = {}
    for interval in timeline_intervals(project, start, stop):
        shown = (interval.item,) if isinstance(interval, Play) else (
            (interval.outgoing, interval.incoming) if isinstance(interval, Mix) else ())
        for item in shown:
            take = item.generation.active_take if isinstance(item, Generated) else None
            if isinstance(item, Generated) and (take is None or take.status != "done"):
                found.setdefault(item.id, item)
    return list(found.values())
