"""Edits as functions: each changes the document, fires its events and returns a ``Change``.

``changes.revert(project, change)`` undoes an edit exactly and ``changes.apply`` redoes it. An
edit that fails raises :class:`EditError` and leaves the document untouched. Pictures use
``|`` for item boundaries and ``><`` for a transition; frames are integers at the project rate.
Every edit keeps a track tidy: neighbouring gaps merge, trailing gaps go, and a transition whose
neighbours no longer fit it is removed (undo restores it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .changes import Change, Recorder, SetMedia, SetProject, SetTracks
from .errors import DocumentError, EditError, InvalidDocumentError
from .model import (
    Clip,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    Item,
    MediaRef,
    Project,
    Still,
    Take,
    Track,
    TrackEntry,
    Transition,
    item_duration,
    new_id,
)
from .timebase import FrameRange, parse_rate
from .validate import check_generation

_PREFIX = {Clip: "clip", Still: "still", Generated: "gen", Gap: "gap"}


# ----------------------------------------------------------------------------------- helpers
def _with_duration(item: Item, start_delta: int, duration: int) -> Item:
    """``item`` trimmed so it starts ``start_delta`` frames later in its source and lasts
    ``duration`` frames; checks the bounds of its source."""
    if duration < 1:
        raise EditError("An item must last at least one frame.")
    if isinstance(item, (Clip, Generated)):
        source = FrameRange(item.source.start + start_delta, duration)
        limit = (item.generation.spec.duration if isinstance(item, Generated) else None)
        if source.start < 0 or (limit is not None and source.end > limit):
            raise EditError("That trim reaches past the start or end of the item's media.")
        return dataclasses.replace(item, source=source)
    return dataclasses.replace(item, duration=duration)


def _fresh_ids(generation: Generation) -> Generation:
    """A copy of ``generation`` whose pins and takes have new ids (same settings and files)."""
    pins = tuple(dataclasses.replace(p, id=new_id("pin")) for p in generation.spec.pins)
    renamed = {t.id: new_id("take") for t in generation.takes}
    takes = tuple(dataclasses.replace(t, id=renamed[t.id]) for t in generation.takes)
    return Generation(spec=dataclasses.replace(generation.spec, pins=pins), takes=takes,
                      active_take_id=renamed.get(generation.active_take_id or ""))


def _check_clip_bounds(project: Project, item: Item) -> None:
    if isinstance(item, Clip):
        media = project.media.get(item.media_id)
        frames = media.length_at(project.rate) if media is not None else None
        if item.source.start < 0 or (frames is not None and item.source.end > frames):
            raise EditError(f"That reaches past the end of the clip ({frames} frames).")


def _locate_item(project: Project, item_id: str) -> tuple[Track, int, Item]:
    track, index, entry = project.find(item_id)
    if isinstance(entry, Transition):
        raise EditError("That is a transition; pick a clip, still, shot or gap.")
    return track, index, entry


def _check_new_item(project: Project, item: Any) -> None:
    if not isinstance(item, (Clip, Still, Generated, Gap)):
        raise EditError("Only clips, stills, generated shots and gaps can be placed on a track.")
    if item.duration < 1:
        raise EditError("An item must last at least one frame.")
    if any(e.id == item.id for t in project.timeline.tracks for e in t.items):
        raise EditError(f"An item with id {item.id!r} is already in the timeline.")
    if isinstance(item, (Clip, Still)):
        media = project.media.get(item.media_id)
        if media is None:
            raise EditError("That media is not in the project's media pool; import it first.")
        if media.kind != ("clip" if isinstance(item, Clip) else "still"):
            raise EditError(f"{media.name or media.path} is a {media.kind}.")
    _check_clip_bounds(project, item)


def _cut(rec: Recorder, track: Track, frame: int, *, drop_transition: bool = True,
         new_part_id: str | None = None, keep_right: bool = False) -> int:
    """Make an item boundary at ``frame`` and return the index where that frame starts.

    ::

        before:  | A        | B |          _cut at f       after: | A | A' | B |
                      ^ f                                              ^ index returned

    The left part keeps the item's id and the right part gets ``new_part_id`` (or a fresh
    id); ``keep_right`` swaps that, for cuts whose right part is the one that survives.
    Past the end of the track, a gap pads the track up to ``frame``. A transition standing at
    the boundary is removed when ``drop_transition`` (its two sides are being separated).
    """
    if frame < 0:
        raise EditError("Frame positions start at 0.")
    length = track.duration
    if frame >= length:
        if frame > length:
            rec.splice(track, len(track.items), 0, [Gap(id=new_id("gap"), duration=frame - length)])
        return len(track.items)
    for index, start, item in track.layout():
        if start == frame:
            if drop_transition and index > 0 and isinstance(track.items[index - 1], Transition):
                rec.splice(track, index - 1, 1)
                return index - 1
            return index
        if start < frame < start + item.duration:
            offset = frame - start
            parts: list[TrackEntry] = [_with_duration(item, 0, offset),
                                       _with_duration(item, offset, item.duration - offset)]
            fresh = 0 if keep_right else 1
            part = dataclasses.replace(parts[fresh], id=new_part_id or new_id(_PREFIX[type(item)]))
            if isinstance(part, Generated):  # the parts become independent shots
                part = dataclasses.replace(part, generation=_fresh_ids(part.generation))
            parts[fresh] = part
            rec.splice(track, index, 1, parts)
            return index + 1
    raise AssertionError("unreachable: frame inside the track but in no item")


def _tidy(rec: Recorder, track: Track) -> None:
    """Merge neighbouring gaps, drop trailing gaps and transitions that no longer fit."""
    index = 0
    while index < len(track.items):
        entry = track.items[index]
        items = track.items
        if isinstance(entry, Transition):
            left = items[index - 1] if index > 0 else None
            right = items[index + 1] if index + 1 < len(items) else None
            if (left is None or right is None or isinstance(left, Transition)
                    or isinstance(right, Transition) or entry.in_offset > item_duration(left)
                    or entry.out_offset > item_duration(right)):
                rec.splice(track, index, 1)
                continue
        elif (isinstance(entry, Gap) and index + 1 < len(items)
              and isinstance(items[index + 1], Gap)):
            merged = dataclasses.replace(
                entry, duration=entry.duration + item_duration(items[index + 1]))
            rec.splice(track, index, 2, [merged])
            continue
        index += 1
    while track.items and isinstance(track.items[-1], (Gap, Transition)):
        rec.splice(track, len(track.items) - 1, 1)


def _replace_entry(project: Project, entry_id: str, label: str, make: Any) -> Change:
    """Swap one entry for ``make(entry)`` in place (no change of duration checks here)."""
    with Recorder(project, label) as rec:
        track, index, entry = project.find(entry_id)
        new = make(entry)
        rec.splice(track, index, 1, [new])
        _tidy(rec, track)
    return rec.change


# ------------------------------------------------------------------------------ track edits
def insert(project: Project, track_id: str, frame: int, item: Item) -> Change:
    """Insert ``item`` at ``frame``, pushing later items right (ripple).

    ::

        | A        | B |     insert X at f     | A1 | X | A2 | B |
             ^ f

    Past the end of the track, a gap fills the space before ``item``.
    """
    _check_new_item(project, item)
    with Recorder(project, "Insert") as rec:
        track = project.track(track_id)
        index = _cut(rec, track, frame)
        rec.splice(track, index, 0, [item])
        _tidy(rec, track)
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
    _check_new_item(project, item)
    with Recorder(project, "Overwrite") as rec:
        track = project.track(track_id)
        start = _cut(rec, track, frame)
        end = _cut(rec, track, frame + item.duration, keep_right=True)
        rec.splice(track, start, end - start, [item])
        _tidy(rec, track)
    return rec.change


def split(project: Project, item_id: str, frame: int, *, new_item_id: str | None = None) -> Change:
    """Cut an item in two at timeline ``frame``; the right part gets ``new_item_id``.

    ::

        | A            |     split at f     | A | A' |
               ^ f                                ^ f

    Transitions on the outer sides stay where they are.
    """
    track, index, item = _locate_item(project, item_id)
    start = track.start_of(index)
    if not start < frame < start + item.duration:
        raise EditError("The playhead must be inside the item to split it.")
    with Recorder(project, "Split") as rec:
        _cut(rec, track, frame, drop_transition=False, new_part_id=new_item_id)
        _tidy(rec, track)
    return rec.change


def ripple_delete(project: Project, item_id: str) -> Change:
    """Remove an item and close the hole; transitions beside it go too.

    ::

        | A | B | C |     ripple delete B     | A | C |
    """
    with Recorder(project, "Ripple delete") as rec:
        track, index, _item = _locate_item(project, item_id)
        lo, hi = _with_transitions(track, index)
        rec.splice(track, lo, hi - lo)
        _tidy(rec, track)
    return rec.change


def lift(project: Project, item_id: str) -> Change:
    """Remove an item and leave a gap, so nothing else moves; transitions beside it go too.

    ::

        | A | B | C |     lift B     | A |   | C |
    """
    with Recorder(project, "Lift") as rec:
        track, index, item = _locate_item(project, item_id)
        lo, hi = _with_transitions(track, index)
        rec.splice(track, lo, hi - lo, [Gap(id=new_id("gap"), duration=item.duration)])
        _tidy(rec, track)
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
        track, index, item = _locate_item(project, item_id)
        new = _with_duration(item, in_delta, item.duration - in_delta + out_delta)
        _check_clip_bounds(project, new)
        if ripple:
            rec.splice(track, index, 1, [new])
        else:
            before = _take_time(track, index, -1, -in_delta)
            after = _take_time(track, index, +1, out_delta)
            rec.splice(track, index, 1, [new])
            for side, delta in ((+1, after), (-1, before)):
                _give_time(rec, track, track.index_of(new.id), side, delta)
        _tidy(rec, track)
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
    _track, _index, item = _locate_item(project, item_id)
    with Recorder(project, "Move") as rec:
        first = (ripple_delete if ripple else lift)(project, item_id)
        rec.ops.extend(first.ops)
        second = (insert if ripple else overwrite)(project, track_id, frame, item)
        rec.ops.extend(second.ops)
    return rec.change


# ----------------------------------------------------------------------------- transitions
def set_transition(project: Project, left_item_id: str, kind: str, length: int = 0, *,
                   generation: Generation | None = None,
                   transition_id: str | None = None) -> Change:
    """Put a transition between an item and the next one; ``"cut"`` removes it.

    ::

        | A | B |     crossfade 8 after A     | A ><  B |   (4 frames each side of the cut)
    """
    with Recorder(project, "Transition") as rec:
        track, index, left = _locate_item(project, left_item_id)
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
            _check_generation(project, generation)
        rec.splice(track, index + 1, 1 if has else 0, [transition])
    return rec.change


# ------------------------------------------------------------------------------ generation
def _generation_of(entry: TrackEntry) -> Generation:
    if isinstance(entry, Generated):
        return entry.generation
    if isinstance(entry, Transition) and entry.generation is not None:
        return entry.generation
    raise EditError("Only generated shots and bridges have a prompt and takes.")


def _with_generation(entry: TrackEntry, generation: Generation) -> TrackEntry:
    if isinstance(entry, Generated):
        spec = generation.spec
        source = entry.source
        if spec.duration != entry.generation.spec.duration:
            whole = source == FrameRange(0, entry.generation.spec.duration)
            if whole or source.start >= spec.duration:
                source = FrameRange(0, spec.duration)
            else:
                source = FrameRange(source.start,
                                    min(source.duration, spec.duration - source.start))
        return dataclasses.replace(entry, generation=generation, source=source)
    if isinstance(entry, Transition):
        return dataclasses.replace(entry, generation=generation)
    raise EditError("Only generated shots and bridges have a prompt and takes.")


def _check_generation(project: Project, generation: Generation) -> None:
    try:
        check_generation(project, generation, "the shot", set())
    except InvalidDocumentError as exc:
        raise EditError(str(exc).split(": ", 1)[-1].capitalize() + ".") from None


def set_spec(project: Project, entry_id: str, **fields: Any) -> Change:
    """Change fields of a generated shot's or bridge's spec (prompt, seed, duration, pins...).

    A shot that showed its whole take keeps doing so when its duration changes::

        | A | shot 48 | B |     set duration 24     | A | shot 24 | B |
    """
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        unknown = set(fields) - {f.name for f in dataclasses.fields(GeneratedSpec)}
        if unknown:
            raise EditError(f"A shot has no setting called {sorted(unknown)[0]!r}.")
        if "pins" in fields:
            fields["pins"] = tuple(fields["pins"])
        try:
            spec = dataclasses.replace(generation.spec, **fields)
        except (TypeError, DocumentError) as exc:
            raise EditError(f"Those settings do not fit a shot: {exc}") from None
        new = dataclasses.replace(generation, spec=spec)
        _check_generation(project, new)
        if isinstance(entry, Transition) and spec.duration < entry.length:
            raise EditError("A bridge must generate at least as many frames as it covers.")
        return _with_generation(entry, new)

    return _replace_entry(project, entry_id, "Change shot settings", make)


def add_take(project: Project, entry_id: str, take: Take, *, activate: bool = True) -> Change:
    """Add a take to a shot or bridge; it becomes the active take if ``activate`` or if the
    shot had none. Earlier takes are kept."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        if any(t.id == take.id for t in generation.takes):
            raise EditError(f"The shot already has a take with id {take.id!r}.")
        active = take.id if activate or generation.active_take_id is None else \
            generation.active_take_id
        new = Generation(spec=generation.spec, takes=generation.takes + (take,),
                         active_take_id=active)
        _check_generation(project, new)
        return _with_generation(entry, new)

    return _replace_entry(project, entry_id, "Add take", make)


def update_take(project: Project, entry_id: str, take_id: str, **fields: Any) -> Change:
    """Change a take's status or path (e.g. when its job finishes)."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        takes = tuple(dataclasses.replace(t, **fields) if t.id == take_id else t
                      for t in generation.takes)
        if takes == generation.takes and not any(t.id == take_id for t in takes):
            raise EditError(f"The shot has no take with id {take_id!r}.")
        new = dataclasses.replace(generation, takes=takes)
        _check_generation(project, new)
        return _with_generation(entry, new)

    return _replace_entry(project, entry_id, "Update take", make)


def choose_take(project: Project, entry_id: str, take_id: str | None) -> Change:
    """Show take ``take_id`` for the shot (None: show none)."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        if take_id is not None and not any(t.id == take_id for t in generation.takes):
            raise EditError(f"The shot has no take with id {take_id!r}.")
        return _with_generation(entry, dataclasses.replace(generation, active_take_id=take_id))

    return _replace_entry(project, entry_id, "Choose take", make)


def remove_take(project: Project, entry_id: str, take_id: str) -> Change:
    """Forget a take (its file stays in ``takes/`` until the project is cleaned)."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        takes = tuple(t for t in generation.takes if t.id != take_id)
        if len(takes) == len(generation.takes):
            raise EditError(f"The shot has no take with id {take_id!r}.")
        active = None if generation.active_take_id == take_id else generation.active_take_id
        return _with_generation(entry, Generation(spec=generation.spec, takes=takes,
                                                  active_take_id=active))

    return _replace_entry(project, entry_id, "Delete take", make)


# ----------------------------------------------------------------- media, tracks, settings
def add_media(project: Project, media: MediaRef) -> Change:
    """Add a still or clip to the media pool."""
    if media.id in project.media:
        raise EditError(f"Media id {media.id!r} is already in the pool.")
    with Recorder(project, "Import media") as rec:
        rec.do(SetMedia(media.id, None, media))
    return rec.change


def remove_media(project: Project, media_id: str) -> Change:
    """Remove unused media from the pool; media still used on the timeline is refused."""
    media = project.media.get(media_id)
    if media is None:
        raise EditError(f"There is no media with id {media_id!r}.")
    for track in project.timeline.tracks:
        for entry in track.items:
            generation = entry.generation if isinstance(entry, (Generated, Transition)) else None
            pins = generation.spec.pins if generation else ()
            if getattr(entry, "media_id", None) == media_id or any(
                    p.media_id == media_id for p in pins):
                raise EditError(f"{media.name or media.path} is still used on the timeline.")
    with Recorder(project, "Remove media") as rec:
        rec.do(SetMedia(media_id, media, None))
    return rec.change


def relink_media(project: Project, media_id: str, path: str, **fields: Any) -> Change:
    """Point media at a new path (and optionally new fingerprint or probe)."""
    media = project.media.get(media_id)
    if media is None:
        raise EditError(f"There is no media with id {media_id!r}.")
    with Recorder(project, "Relink media") as rec:
        rec.do(SetMedia(media_id, media, dataclasses.replace(media, path=path, **fields)))
    return rec.change


def add_track(project: Project, *, index: int | None = None, name: str | None = None,
              track_id: str | None = None) -> Change:
    """Add an empty video track (on top by default)."""
    tracks = project.timeline.tracks
    index = len(tracks) if index is None else index
    if not 0 <= index <= len(tracks):
        raise EditError(f"Track position {index} is outside 0-{len(tracks)}.")
    track = Track(id=track_id or new_id("track"), name=name or f"V{len(tracks) + 1}")
    with Recorder(project, "Add track") as rec:
        rec.do(SetTracks(index, (), (track,)))
    return rec.change


def remove_track(project: Project, track_id: str) -> Change:
    """Remove a track and everything on it."""
    track = project.track(track_id)
    with Recorder(project, "Remove track") as rec:
        rec.do(SetTracks(project.timeline.tracks.index(track), (track,), ()))
    return rec.change


def set_project(project: Project, **fields: Any) -> Change:
    """Change the project's name, frame rate, width or height."""
    with Recorder(project, "Project settings") as rec:
        for name, value in fields.items():
            if name == "rate":
                value = parse_rate(value)
            elif name in ("width", "height"):
                if type(value) is not int or not 16 <= value <= 16384:
                    raise EditError(f"{name.capitalize()} must be 16-16384 pixels.")
            elif name == "name":
                if not isinstance(value, str) or not value.strip():
                    raise EditError("A project needs a name.")
            else:
                raise EditError(f"A project has no setting called {name!r}.")
            rec.do(SetProject(name, getattr(project, name), value))
    return rec.change
