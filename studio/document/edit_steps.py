"""The steps edits share: checking and locating items, cutting a track at a frame and tidying it."""

from __future__ import annotations

import dataclasses
from typing import Any

from .changes import Change, Recorder
from .errors import EditError, InvalidDocumentError
from .model import (
    AudioItem,
    Clip,
    Gap,
    Generated,
    Generation,
    Item,
    Project,
    Still,
    Track,
    TrackEntry,
    Transition,
    item_duration,
    new_id,
)
from .timebase import FrameRange
from .validate import check_generation

_PREFIX = {Clip: "clip", Still: "still", Generated: "gen", Gap: "gap", AudioItem: "audio"}


def with_duration(item: Item, start_delta: int, duration: int) -> Item:
    """``item`` trimmed so it starts ``start_delta`` frames later in its source and lasts
    ``duration`` frames; checks the bounds of its source."""
    if duration < 1:
        raise EditError("An item must last at least one frame.")
    if isinstance(item, (Clip, Generated, AudioItem)):
        source = FrameRange(item.source.start + start_delta, duration)
        limit = (item.generation.spec.duration if isinstance(item, Generated) else None)
        if source.start < 0 or (limit is not None and source.end > limit):
            raise EditError("That trim reaches past the start or end of the item's media.")
        return dataclasses.replace(item, source=source)
    return dataclasses.replace(item, duration=duration)


def id_like(item: Item) -> str:
    """A fresh id for an item of ``item``'s kind (``clip-...``, ``audio-...``)."""
    return new_id(_PREFIX[type(item)])


def fresh_ids(generation: Generation) -> Generation:
    """A copy of ``generation`` whose pins and takes have new ids (same settings and files)."""
    pins = tuple(dataclasses.replace(p, id=new_id("pin")) for p in generation.spec.pins)
    renamed = {t.id: new_id("take") for t in generation.takes}
    takes = tuple(dataclasses.replace(t, id=renamed[t.id]) for t in generation.takes)
    return Generation(spec=dataclasses.replace(generation.spec, pins=pins), takes=takes,
                      active_take_id=renamed.get(generation.active_take_id or ""))


def fresh_copy(item: Item) -> Item:
    """A copy of ``item`` to place again (a paste): a new id, and for a generated shot new pin
    and take ids, so the copy and the original are independent entries."""
    copy = dataclasses.replace(item, id=new_id(_PREFIX[type(item)]), metadata=dict(item.metadata))
    if isinstance(copy, Generated):
        copy = dataclasses.replace(copy, generation=fresh_ids(copy.generation))
    return copy


def check_clip_bounds(project: Project, item: Item) -> None:
    """Raise :class:`EditError` if a clip's (or audio item's) source reaches outside its media."""
    if isinstance(item, (Clip, AudioItem)):
        media = project.media.get(item.media_id)
        frames = media.length_at(project.rate) if media is not None else None
        if item.source.start < 0 or (frames is not None and item.source.end > frames):
            raise EditError(f"That reaches past the end of the clip ({frames} frames).")


def locate_item(project: Project, item_id: str) -> tuple[Track, int, Item]:
    """``(track, index, item)`` of an item; a transition is refused."""
    track, index, entry = project.find(item_id)
    if isinstance(entry, Transition):
        raise EditError("That is a transition; pick a clip, still, shot or gap.")
    return track, index, entry


def check_new_item(project: Project, item: Any, track: Track | None = None) -> None:
    """Raise :class:`EditError` unless ``item`` can be placed on ``track`` of ``project``
    (any track of its kind when None)."""
    if not isinstance(item, (Clip, Still, Generated, Gap, AudioItem)):
        raise EditError("Only clips, stills, generated shots, sounds and gaps can be placed on "
                        "a track.")
    if track is not None and not isinstance(item, Gap) and \
            (track.kind == "audio") != isinstance(item, AudioItem):
        raise EditError(f"A {'sound' if isinstance(item, AudioItem) else 'picture'} cannot go "
                        f"on {'an audio' if track.kind == 'audio' else 'a video'} track.")
    if item.duration < 1:
        raise EditError("An item must last at least one frame.")
    if any(e.id == item.id for t in project.timeline.all_tracks() for e in t.items):
        raise EditError(f"An item with id {item.id!r} is already in the timeline.")
    if isinstance(item, AudioItem):
        media = project.media.get(item.media_id)
        if media is None or media.kind == "still":
            raise EditError("That sound's clip or audio file is not in the project's media "
                            "pool; import it first.")
        if not (item.fade_in >= 0 and item.fade_out >= 0
                and item.fade_in + item.fade_out <= item.duration):
            raise EditError("The fades must fit inside the sound.")
    if isinstance(item, (Clip, Still)):
        media = project.media.get(item.media_id)
        if media is None:
            raise EditError("That media is not in the project's media pool; import it first.")
        if media.kind == "audio":
            raise EditError(f"{media.name or media.path} is a sound; put it on an audio track.")
        if media.kind != ("clip" if isinstance(item, Clip) else "still"):
            raise EditError(f"{media.name or media.path} is a {media.kind}.")
    check_clip_bounds(project, item)


def cut(rec: Recorder, track: Track, frame: int, *, drop_transition: bool = True,
         new_part_id: str | None = None, keep_right: bool = False) -> int:
    """Make an item boundary at ``frame`` and return the index where that frame starts.

    ::

        before:  | A        | B |          cut at f       after: | A | A' | B |
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
            parts: list[TrackEntry] = [with_duration(item, 0, offset),
                                       with_duration(item, offset, item.duration - offset)]
            fresh = 0 if keep_right else 1
            part = dataclasses.replace(parts[fresh], id=new_part_id or new_id(_PREFIX[type(item)]))
            if isinstance(part, Generated):  # the parts become independent shots
                part = dataclasses.replace(part, generation=fresh_ids(part.generation))
            parts[fresh] = part
            rec.splice(track, index, 1, parts)
            return index + 1
    raise AssertionError("unreachable: frame inside the track but in no item")


def tidy(rec: Recorder, track: Track) -> None:
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


def replace_entry(project: Project, entry_id: str, label: str, make: Any) -> Change:
    """Swap one entry for ``make(entry)`` in place (no change of duration checks here)."""
    with Recorder(project, label) as rec:
        track, index, entry = project.find(entry_id)
        new = make(entry)
        rec.splice(track, index, 1, [new])
        tidy(rec, track)
    return rec.change


def check_generation_fits(project: Project, generation: Generation) -> None:
    """Raise :class:`EditError`, in words for the user, if ``generation`` is invalid."""
    try:
        check_generation(project, generation, "the shot", set())
    except InvalidDocumentError as exc:
        # Only the first letter: capitalize() would lower names inside ("LoRA", media ids).
        words = str(exc).split(": ", 1)[-1]
        raise EditError(words[:1].upper() + words[1:] + ".") from None


def unlink_orphans(rec: Recorder, project: Project) -> None:
    """Unlink every sound whose linked picture is no longer on a video track (an overwrite
    or a move covered it whole, or its track went): the sound stays where it is, as editors
    leave a deleted clip's sound, free to move on its own."""
    pictures = {entry.id for track in project.timeline.tracks for entry in track.items}
    for track in project.timeline.audio_tracks:
        for index, entry in enumerate(track.items):
            if isinstance(entry, AudioItem) and entry.link is not None \
                    and entry.link not in pictures:
                rec.splice(track, index, 1, [dataclasses.replace(entry, link=None)])
