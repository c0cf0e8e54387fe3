"""Edits of what lies on a track: placing, trimming, cutting, removing and moving items, and
transitions between them (the conventions of the pictures are in :mod:`studio.document.edits`)."""

from __future__ import annotations

import dataclasses

from .changes import Change, Recorder
from .edit_steps import (
    check_clip_bounds,
    check_generation_fits,
    check_new_item,
    cut,
    locate_item,
    tidy,
    with_duration,
)
from .errors import EditError
from .model import Gap, Generation, Item, Project, Track, Transition, item_duration, new_id


def insert(project: Project, track_id: str, frame: int, item: Item) -> Change:
    """Insert ``item`` at ``frame``, pushing later items right (ripple).

    ::

        | A        | B |     insert X at f     | A1 | X | A2 | B |
             ^ f

    Past the end of the track, a gap fills the space before ``item``.
    """
    check_new_item(project, item, project.track(track_id))
    with Recorder(project, "Insert") as rec:
        track = project.track(track_id)
        index = cut(rec, track, frame)
        rec.splice(track, index, 0, [item])
        tidy(rec, track)
    return rec.change


def append(project: Project, track_id: str, item: Item) -> Change:
    """Add ``item`` after the last item of the track: ``| A | B |`` -> ``| A | B | X |``."""
    change = insert(project, track_id, project.track(track_id).duration, item)
    return Change("Append", change.ops)


def overwrite(project: Project, track_id: str, frame: int, item: Item) -> Change:
    """Put ``item`` at ``frame``, replacing whatever lay under it; nothing else moves.

    ::

        | A        | B      |     overwrite X at f     | A1 | X       | B2 |
             ^ f                                            ^ f
    """
    check_new_item(project, item, project.track(track_id))
    with Recorder(project, "Overwrite") as rec:
        track = project.track(track_id)
        start = cut(rec, track, frame)
        end = cut(rec, track, frame + item.duration, keep_right=True)
        rec.splice(track, start, end - start, [item])
        tidy(rec, track)
    return rec.change


def split(project: Project, item_id: str, frame: int, *, new_item_id: str | None = None) -> Change:
    """Cut an item in two at timeline ``frame``; the right part gets ``new_item_id``.

    ::

        | A            |     split at f     | A | A' |
               ^ f                                ^ f

    Transitions on the outer sides stay where they are.
    """
    track, index, item = locate_item(project, item_id)
    start = track.start_of(index)
    if not start < frame < start + item.duration:
        raise EditError("The playhead must be inside the item to split it.")
    with Recorder(project, "Split") as rec:
        cut(rec, track, frame, drop_transition=False, new_part_id=new_item_id)
        tidy(rec, track)
    return rec.change


def ripple_delete(project: Project, item_id: str) -> Change:
    """Remove an item and close the hole; transitions beside it go too.

    ::

        | A | B | C |     ripple delete B     | A | C |
    """
    with Recorder(project, "Ripple delete") as rec:
        track, index, _item = locate_item(project, item_id)
        lo, hi = _with_transitions(track, index)
        rec.splice(track, lo, hi - lo)
        tidy(rec, track)
    return rec.change


def lift(project: Project, item_id: str) -> Change:
    """Remove an item and leave a gap, so nothing else moves; transitions beside it go too.

    ::

        | A | B | C |     lift B     | A |   | C |
    """
    with Recorder(project, "Lift") as rec:
        track, index, item = locate_item(project, item_id)
        lo, hi = _with_transitions(track, index)
        rec.splice(track, lo, hi - lo, [Gap(id=new_id("gap"), duration=item.duration)])
        tidy(rec, track)
    return rec.change


def _with_transitions(track: Track, index: int) -> tuple[int, int]:
    """The slice of ``track.items`` holding the item at ``index`` and transitions beside it."""
    items = track.items
    lo = index - 1 if index > 0 and isinstance(items[index - 1], Transition) else index
    hi = index + 2 if index + 1 < len(items) and isinstance(items[index + 1], Transition) \
        else index + 1
    return lo, hi


def trim(project: Project, item_id: str, *, in_delta: int = 0, out_delta: int = 0,
         ripple: bool = True) -> Change:
    """Move an item's in point by ``in_delta`` and its out point by ``out_delta`` frames.

    A positive ``in_delta`` starts the item later in its source (shorter), a positive
    ``out_delta`` ends it later (longer). With ``ripple`` the items after it move; without,
    the time is taken from or given to the gaps beside it, so nothing else moves::

        ripple:      | A    | B |   trim A out -2   | A  | B |
        no ripple:   | A    | B |   trim A out -2   | A  |  | B |
                     | A  |  | B |  trim A out +2   | A    | B |   (needs the gap)
    """
    with Recorder(project, "Trim") as rec:
        track, index, item = locate_item(project, item_id)
        new = with_duration(item, in_delta, item.duration - in_delta + out_delta)
        check_clip_bounds(project, new)
        if ripple:
            rec.splice(track, index, 1, [new])
        else:
            before = _take_time(track, index, -1, -in_delta)
            after = _take_time(track, index, +1, out_delta)
            rec.splice(track, index, 1, [new])
            for side, delta in ((+1, after), (-1, before)):
                _give_time(rec, track, track.index_of(new.id), side, delta)
        tidy(rec, track)
    return rec.change


def _take_time(track: Track, index: int, side: int, frames: int) -> int:
    """Check that ``frames`` can be taken from the gap on ``side``; return the delta to give."""
    if frames <= 0:
        return -frames
    neighbour = index + side
    if 0 <= neighbour < len(track.items):
        entry = track.items[neighbour]
        if isinstance(entry, Gap) and entry.duration >= frames:
            return -frames
    elif side > 0:
        return 0  # growing at the end of the track takes nothing from anybody
    raise EditError("There is no room: make a gap beside the item first, or trim with ripple.")


def _give_time(rec: Recorder, track: Track, index: int, side: int, frames: int) -> None:
    """Grow (``frames`` > 0) or shrink the gap on ``side`` of the entry at ``index``.

    A transition on that side is replaced by the new gap: the two items no longer touch.
    """
    if frames == 0:
        return
    neighbour = index + side
    entry = track.items[neighbour] if 0 <= neighbour < len(track.items) else None
    if isinstance(entry, Gap):
        if entry.duration + frames == 0:
            rec.splice(track, neighbour, 1)
        else:
            longer = dataclasses.replace(entry, duration=entry.duration + frames)
            rec.splice(track, neighbour, 1, [longer])
    elif frames > 0:
        gap = Gap(id=new_id("gap"), duration=frames)
        if isinstance(entry, Transition):
            rec.splice(track, neighbour, 1, [gap])
        else:
            rec.splice(track, index + 1 if side > 0 else index, 0, [gap])


def move(project: Project, item_id: str, track_id: str, frame: int, *,
         ripple: bool = False) -> Change:
    """Move an item to ``frame`` of track ``track_id``.

    Without ``ripple`` it leaves a gap and overwrites what lies at its destination; with it, it
    closes its hole and is inserted at the destination::

        | A | B | C |    move B to 0 (overwrite)    | B | C |   -- A lay under B and is gone
        | A | B | C |    move B to 0 (ripple)       | B | A | C |
    """
    _track, _index, item = locate_item(project, item_id)
    with Recorder(project, "Move") as rec:
        first = (ripple_delete if ripple else lift)(project, item_id)
        rec.ops.extend(first.ops)
        second = (insert if ripple else overwrite)(project, track_id, frame, item)
        rec.ops.extend(second.ops)
    return rec.change


def set_transition(project: Project, left_item_id: str, kind: str, length: int = 0, *,
                   generation: Generation | None = None,
                   transition_id: str | None = None) -> Change:
    """Put a transition between an item and the next one; ``"cut"`` removes it.

    ::

        | A | B |     crossfade 8 after A     | A ><  B |   (4 frames each side of the cut)
    """
    with Recorder(project, "Transition") as rec:
        track, index, left = locate_item(project, left_item_id)
        has = index + 1 < len(track.items) and isinstance(track.items[index + 1], Transition)
        right_index = index + 2 if has else index + 1
        if right_index >= len(track.items):
            raise EditError("A transition needs an item after this one.")
        if kind == "cut":
            if has:
                rec.splice(track, index + 1, 1)
            return rec.change
        if kind not in ("crossfade", "bridge") or length < 1:
            raise EditError("A transition is a crossfade or a bridge at least one frame long.")
        if (kind == "bridge") != (generation is not None):
            raise EditError("A bridge, and only a bridge, needs a generation spec.")
        in_offset = length // 2
        transition = Transition(id=transition_id or new_id("transition"),
                                kind="bridge" if kind == "bridge" else "crossfade",
                                in_offset=in_offset, out_offset=length - in_offset,
                                generation=generation)
        right = track.items[right_index]
        if transition.in_offset > left.duration or transition.out_offset > item_duration(right):
            raise EditError(f"A {length}-frame transition is longer than the items beside it.")
        if generation is not None:
            check_generation_fits(project, generation)
        rec.splice(track, index + 1, 1 if has else 0, [transition])
    return rec.change

