"""Item edits that carry linked sound along: a clip and the audio items linked to it are placed,
moved, trimmed, split and deleted together, as one change.

Each edit runs the picture edit of :mod:`.item_edits` and then the same edit on every linked
audio item, at the same offset from the clip it had before; if any part is refused, all of it
is rolled back. An audio item edited directly moves alone (unlink first to move a clip without
its sound). A link naming an item that is gone is ignored.

A ripple edit also moves what comes after it on its track (an insert, a ripple delete or
trim, a ripple move): every other linked sound is brought back to its offset from its picture
afterwards (:func:`.sound_sync.synced`), so a clip never drifts from its sound because of an
edit elsewhere; a linked sound that would land on other sound refuses the edit instead of
covering it.
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
from .sound_sync import synced
from .take_sounds import place_sound, sync_take_sound


def _start(track: Track, item_id: str) -> int:
    return track.start_of(track.index_of(item_id))


def _own(project: Project, item_id: str) -> set[str]:
    """The item an edit addresses and its linked sounds, which the edit places itself."""
    return {item_id} | {sound.id for *_rest, sound in linked_sounds(project, item_id)}


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


def _under_other_pictures(project: Project, track_id: str, frame: int, length: int,
                          audio_track: Track | None = None, skip: str = "") -> bool:
    """Whether ``audio_track`` (the first audio track) holds, over ``[frame, frame + length)``,
    a sound other than ``skip`` linked to a picture on another track than ``track_id`` (a
    sound put there by overwrite would cut it)."""
    others = {item.id for track in project.timeline.tracks if track.id != track_id
              for item in track.items}
    return any(isinstance(sound, AudioItem) and sound.link in others and sound.id != skip
               and at < frame + length and frame < at + sound.duration
               for _index, at, sound in (audio_track or project.timeline.audio_tracks[0]).layout())


def _placed(project: Project, track_id: str, frame: int, item: Item, label: str,
            place: Callable[[Project, str, int, Item], Change], *,
            free_track: bool = False) -> Change:
    """Place ``item`` and, for a clip whose media has sound, its linked sound under it (with
    ``place`` on the first audio track, or with ``free_track``, or where that would cut the
    sound of another track's picture, on the first audio track free over its frames, else a
    new one); a generated shot brings its active take's sound
    (:func:`.take_sounds.sync_take_sound`)."""
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
        if free_track or _under_other_pictures(project, track_id, frame, sound.duration):
            rec.ops.extend(place_sound(project, frame, sound).ops)
        else:
            rec.ops.extend(place(project, project.timeline.audio_tracks[0].id, frame, sound).ops)
        unlink_orphans(rec, project)
    return rec.change


def insert(project: Project, track_id: str, frame: int, item: Item) -> Change:
    """:func:`.item_edits.insert`; the pictures after it take their sounds along (into a clip
    with linked sound, the sound is cut there too, as :func:`split` does), and a clip with
    sound brings it onto the first audio track free under it (a new one if none is). A sound
    inserted on an audio track moves the sounds after it on, unless some of them are clips'
    linked sounds: then it goes on that track where it is free there, else on the first audio
    track free under it, and moves nothing."""
    track = project.track(track_id)
    if isinstance(item, AudioItem) and any(
            isinstance(sound, AudioItem) and sound.link is not None and at + sound.duration > frame
            for _index, at, sound in track.layout()):
        # clips' sounds lie after it: it goes where it is free, so they stay with their clips
        return place_sound(project, frame, item, [track])

    def picture(p: Project, track: str, at: int, placed: Item) -> Change:
        return synced(p, "Insert", lambda: item_edits.insert(p, track, at, placed),
                      own={placed.id})

    # the pictures after it, and their sounds, make room first; its sound then goes where free
    return _placed(project, track_id, frame, item, "Insert", picture, free_track=True)


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
    pictures after it take their sounds along. A sound that ends before its picture does (a
    take shorter than its shot) loses only what lies past the picture's new end, and one left
    with nothing is lifted."""
    length = locate_item(project, item_id)[2].duration

    def sound(audio: AudioItem, _track: Track, offset: int) -> Change:
        out = out_delta
        if out_delta < 0 and offset + audio.duration < length:
            out = min(0, length + out_delta - offset - audio.duration)
        if audio.duration - in_delta + out < 1:
            return item_edits.lift(project, audio.id)
        return item_edits.trim(project, audio.id, in_delta=in_delta, out_delta=out,
                               ripple=ripple)

    return synced(project, "Trim", lambda: _with_sounds(
        project, item_id, "Trim",
        lambda: item_edits.trim(project, item_id, in_delta=in_delta, out_delta=out_delta,
                                ripple=ripple), sound),
        own=_own(project, item_id))


def ripple_delete(project: Project, item_id: str) -> Change:
    """:func:`.item_edits.ripple_delete`; linked sounds go too, closing their holes, and the
    pictures after it take their sounds along."""
    return synced(project, "Ripple delete", lambda: _with_sounds(
        project, item_id, "Ripple delete", lambda: item_edits.ripple_delete(project, item_id),
        lambda audio, _t, _o: item_edits.ripple_delete(project, audio.id)),
        own=_own(project, item_id))


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
        at = frame + offset
        if _under_other_pictures(project, track_id, at, audio.duration, audio_track, audio.id):
            # it would cut another track's picture's sound there: it goes down where free
            with Recorder(project, "Move") as rec:
                rec.ops.extend(item_edits.lift(project, audio.id).ops)
                rec.ops.extend(place_sound(project, at, audio, [audio_track]).ops)
            return rec.change
        return item_edits.move(project, audio.id, audio_track.id, at, ripple=ripple)

    def moved() -> Change:
        change = _with_sounds(project, item_id, "Move",
                              lambda: item_edits.move(project, item_id, track_id, frame,
                                                      ripple=ripple),
                              sound)
        with Recorder(project, "Move") as rec:  # the pictures it covered whole free their sounds
            rec.ops.extend(change.ops)
            unlink_orphans(rec, project)
        return rec.change

    if not ripple:
        return synced(project, "Move", moved, own=_own(project, item_id))
    # A ripple move: its sounds are lifted, the pictures close its hole and make room at the
    # destination (their sounds kept in step), and its sounds go down beside it where free.
    track, index, _item = locate_item(project, item_id)
    start = track.start_of(index)
    sounds = [(t, s, _start(t, s.id) - start) for t, _i, s in linked_sounds(project, item_id)]
    with Recorder(project, "Move") as rec:
        for _t, audio, _offset in sounds:
            rec.ops.extend(item_edits.lift(project, audio.id).ops)
        rec.ops.extend(synced(project, "Move", lambda: item_edits.move(
            project, item_id, track_id, frame, ripple=True), own={item_id}).ops)
        for audio_track, audio, offset in sounds:
            if frame + offset < 0:
                raise EditError("The clip's sound would start before the timeline does; unlink "
                                "it first.")
            rec.ops.extend(place_sound(project, frame + offset, audio, [audio_track]).ops)
    return rec.change
