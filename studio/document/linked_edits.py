"""Item edits that carry linked sound along: a clip and the audio items linked to it are placed,
moved, trimmed, split and deleted together, as one change.

Each edit runs the picture edit of :mod:`.item_edits` and then the same edit on every linked
audio item, at the same offset from the clip it had before; if any part is refused, all of it
is rolled back. An audio item edited directly moves alone (unlink first to move a clip without
its sound). A link naming an item that is gone is ignored.

A ripple edit also moves the pictures after it on their track (an insert, a ripple delete or
trim, a ripple move): every other picture that moved takes its linked sound along by as much
(:func:`_keep_in_sync`), so a clip never drifts from its sound because of an edit elsewhere on
its track. Sound that is not linked stays where it is; a linked sound that would land on it
refuses the edit instead of covering it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from . import item_edits
from .audio_edits import linked_sounds
from .changes import Change, Recorder
from .edit_steps import id_like, locate_item, replace_entry, unlink_orphans
from .errors import EditError
from .model import AudioItem, Clip, Generated, Item, Project, Track, new_id
from .project_edits import add_track
from .take_sounds import sync_take_sound


def _start(track: Track, item_id: str) -> int:
    return track.start_of(track.index_of(item_id))


#: Where each linked sound was before an edit: sound id -> (its picture's id, the picture's
#: start, or None for a sound that must follow its picture whether it moved or not, and the
#: sound's start minus the picture's); and the ids of every picture then.
Places = tuple[dict[str, tuple[str, int | None, int]], frozenset[str]]


def _pictures(project: Project) -> dict[str, tuple[int, Item]]:
    return {entry.id: (start, entry) for track in project.timeline.tracks
            for _index, start, entry in track.layout()}


def _linked_places(project: Project) -> Places:
    pictures = _pictures(project)
    places: dict[str, tuple[str, int | None, int]] = {
        entry.id: (entry.link, pictures[entry.link][0], start - pictures[entry.link][0])
        for track in project.timeline.audio_tracks for _index, start, entry in track.layout()
        if isinstance(entry, AudioItem) and entry.link in pictures}
    return places, frozenset(pictures)


def _synced(project: Project, label: str, edit: Callable[[], Change]) -> Change:
    """Run ``edit``, then bring every linked sound whose picture it moved (or cut in two)
    along."""
    before = _linked_places(project)
    with Recorder(project, label) as rec:
        rec.ops.extend(edit().ops)
        _keep_in_sync(rec, project, _follow_cuts(rec, project, before))
    return rec.change


def _follow_cuts(rec: Recorder, project: Project, before: Places) -> Places:
    """Cut the linked sound of each clip the edit cut in two (an insert or a ripple move into
    it: the clip keeps its first part, and a new clip continues its source) where the clip was
    cut, the second part linked to the new clip; returns ``before`` with the second parts, to
    be placed with their clips."""
    places, known = before
    pictures = _pictures(project)
    continuing = {(entry.media_id, entry.source.start): picture_id
                  for picture_id, (_start, entry) in pictures.items()
                  if picture_id not in known and isinstance(entry, Clip)}
    places = dict(places)
    for track in project.timeline.audio_tracks:
        for _index, start, entry in list(track.layout()):
            if not isinstance(entry, AudioItem) or entry.id not in places:
                continue
            picture_id, _picture_was, offset = places[entry.id]
            picture = pictures.get(picture_id, (0, None))[1]
            if not isinstance(picture, Clip) or entry.link != picture_id \
                    or entry.source.start != picture.source.start \
                    or entry.duration <= picture.duration:
                continue
            second = continuing.get((picture.media_id, picture.source.end))
            if second is None:
                continue
            part_id = new_id("audio")
            rec.ops.extend(item_edits.split(project, entry.id, start + picture.duration,
                                            new_item_id=part_id).ops)
            rec.ops.extend(replace_entry(project, part_id, "Split",
                                         lambda old, to=second: dataclasses.replace(
                                             old, link=to)).ops)
            places[part_id] = (second, None, offset)
    return places, known


def _keep_in_sync(rec: Recorder, project: Project, before: Places) -> None:
    """Move each linked sound whose picture moved, and which did not move as much, by as much
    as its picture from where it was (a sound edited itself, its picture staying, stays).

    The sounds are moved last first when they go later (first first when earlier), so sounds
    lying end to end do not cover each other; one that would cover a sound staying where it is
    raises :class:`EditError` (the caller's recorder rolls the whole edit back).
    """
    places, _known = before
    pictures = _pictures(project)
    moves = []  # (shift, start, track, sound)
    for track in project.timeline.audio_tracks:
        for _index, start, entry in track.layout():
            if not isinstance(entry, AudioItem) or entry.id not in places:
                continue
            picture_id, picture_was, offset = places[entry.id]
            if entry.link != picture_id or picture_id not in pictures \
                    or pictures[picture_id][0] == picture_was:
                continue
            shift = pictures[picture_id][0] + offset - start
            if shift:
                moves.append((shift, start, track, entry))
    moving = {entry.id for *_rest, entry in moves}
    moves.sort(key=lambda move: (move[0] < 0, -move[1] if move[0] > 0 else move[1]))
    for shift, start, track, entry in moves:
        target = start + shift
        if target < 0:
            raise EditError("That edit would put a clip's sound before the timeline's start; "
                            "unlink the sound first.")
        for _index, other_start, other in track.layout():
            if (isinstance(other, AudioItem) and other.id not in moving
                    and other_start < target + entry.duration
                    and target < other_start + other.duration):
                raise EditError(f"That edit would move a clip's sound over other sound on "
                                f"{track.name or track.id} to keep it with its picture; make "
                                "room there or unlink the sound first.")
        rec.ops.extend(item_edits.move(project, entry.id, track.id, target).ops)


def _with_sounds(project: Project, item_id: str, label: str, picture: Callable[[], Change],
                 sound: Callable[[AudioItem, Track, int], Change | None]) -> Change:
    """Run ``picture`` and then ``sound(audio_item, track, offset)`` for each linked sound,
    where ``offset`` is the sound's start minus the item's start before the edit."""
    track, _index, _item = locate_item(project, item_id)
    start = _start(track, item_id)
    linked = [(t, s, _start(t, s.id) - start) for t, _i, s in linked_sounds(project, item_id)]
    with Recorder(project, label) as rec:
        rec.ops.extend(picture().ops)
        for audio_track, sound_item, offset in linked:
            change = sound(sound_item, audio_track, offset)
            if change is not None:
                rec.ops.extend(change.ops)
    return rec.change


def _placed(project: Project, track_id: str, frame: int, item: Item, label: str,
            place: Callable[[Project, str, int, Item], Change]) -> Change:
    """Place ``item`` and, for a clip whose media has sound, its linked sound under it; a
    generated shot brings its active take's sound (:func:`.take_sounds.sync_take_sound`)."""
    if isinstance(item, Generated) and project.track(track_id).kind == "video":
        with Recorder(project, label) as rec:
            rec.ops.extend(place(project, track_id, frame, item).ops)
            rec.ops.extend(sync_take_sound(project, item.id).ops)
            unlink_orphans(rec, project)
        return rec.change
    media = project.media.get(item.media_id) if isinstance(item, Clip) else None
    if (media is None or project.track(track_id).kind != "video"
            or media.probe.get("has_audio") is not True):
        with Recorder(project, label) as rec:
            rec.ops.extend(place(project, track_id, frame, item).ops)
            unlink_orphans(rec, project)  # a picture covered whole leaves its sound free
        return rec.change
    assert isinstance(item, Clip)
    with Recorder(project, label) as rec:
        rec.ops.extend(place(project, track_id, frame, item).ops)
        if not project.timeline.audio_tracks:
            rec.ops.extend(add_track(project, kind="audio").ops)
        sound = AudioItem(id=new_id("audio"), media_id=item.media_id, source=item.source,
                          link=item.id, name=item.name)
        rec.ops.extend(place(project, project.timeline.audio_tracks[0].id, frame, sound).ops)
        unlink_orphans(rec, project)
    return rec.change


def insert(project: Project, track_id: str, frame: int, item: Item) -> Change:
    """:func:`.item_edits.insert`; a clip with sound brings it onto the first audio track. Into
    a clip with linked sound, the sound is cut there too, as :func:`split` does."""
    return _synced(project, "Insert", lambda: _placed(project, track_id, frame, item, "Insert",
                                                      item_edits.insert))


def overwrite(project: Project, track_id: str, frame: int, item: Item) -> Change:
    """:func:`.item_edits.overwrite`; a clip with sound overwrites the first audio track too."""
    return _placed(project, track_id, frame, item, "Overwrite", item_edits.overwrite)


def append(project: Project, track_id: str, item: Item) -> Change:
    """Add ``item`` after the last item of the track (with its sound, as :func:`insert`)."""
    change = insert(project, track_id, project.track(track_id).duration, item)
    return Change("Append", change.ops)


def split(project: Project, item_id: str, frame: int, *, new_item_id: str | None = None) -> Change:
    """:func:`.item_edits.split`; each linked sound is cut at the same frame and its right
    part is linked to the right part of the item."""
    right_id = new_item_id or id_like(locate_item(project, item_id)[2])

    def sound(audio: AudioItem, audio_track: Track, offset: int) -> Change | None:
        at = _start(audio_track, audio.id)
        if not at < frame < at + audio.duration:
            return None  # the sound ends before the cut (or starts after it): nothing to cut
        part_id = new_id("audio")
        first = item_edits.split(project, audio.id, frame, new_item_id=part_id)
        second = replace_entry(project, part_id, "Split",
                               lambda old: dataclasses.replace(old, link=right_id))
        return Change("Split", first.ops + second.ops)

    return _with_sounds(project, item_id, "Split",
                        lambda: item_edits.split(project, item_id, frame, new_item_id=right_id),
                        sound)


def trim(project: Project, item_id: str, *, in_delta: int = 0, out_delta: int = 0,
         ripple: bool = True) -> Change:
    """:func:`.item_edits.trim`, with the same trim of each linked sound; with ``ripple`` the
    pictures after it take their sounds along."""
    return _synced(project, "Trim", lambda: _with_sounds(
        project, item_id, "Trim",
        lambda: item_edits.trim(project, item_id, in_delta=in_delta, out_delta=out_delta,
                                ripple=ripple),
        lambda audio, _t, _o: item_edits.trim(project, audio.id, in_delta=in_delta,
                                              out_delta=out_delta, ripple=ripple)))


def ripple_delete(project: Project, item_id: str) -> Change:
    """:func:`.item_edits.ripple_delete`; linked sounds go too, closing their holes, and the
    pictures after it take their sounds along."""
    return _synced(project, "Ripple delete", lambda: _with_sounds(
        project, item_id, "Ripple delete", lambda: item_edits.ripple_delete(project, item_id),
        lambda audio, _t, _o: item_edits.ripple_delete(project, audio.id)))


def lift(project: Project, item_id: str) -> Change:
    """:func:`.item_edits.lift`; linked sounds are lifted too."""
    return _with_sounds(project, item_id, "Lift", lambda: item_edits.lift(project, item_id),
                        lambda audio, _t, _o: item_edits.lift(project, audio.id))


def move(project: Project, item_id: str, track_id: str, frame: int, *,
         ripple: bool = False) -> Change:
    """:func:`.item_edits.move`; each linked sound moves by as much, on its own track (with
    ``ripple``, the pictures that close its hole or make room take their sounds along)."""
    if frame < 0:
        raise EditError("Frame positions start at 0.")

    def sound(audio: AudioItem, audio_track: Track, offset: int) -> Change:
        if frame + offset < 0:
            raise EditError("The clip's sound would start before the timeline does; unlink "
                            "it first.")
        return item_edits.move(project, audio.id, audio_track.id, frame + offset, ripple=ripple)

    def moved() -> Change:
        change = _with_sounds(project, item_id, "Move",
                              lambda: item_edits.move(project, item_id, track_id, frame,
                                                      ripple=ripple),
                              sound)
        with Recorder(project, "Move") as rec:  # the pictures it covered whole free their sounds
            rec.ops.extend(change.ops)
            unlink_orphans(rec, project)
        return rec.change

    return _synced(project, "Move", moved)
