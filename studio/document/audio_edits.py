"""Edits of sound: audio tracks' mix settings, audio items' gain and fades, and the
links that tie an audio item to its clip."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from .changes import Change, Recorder, SetTracks
from .edit_steps import locate_item, replace_entry
from .errors import EditError
from .model import AudioItem, Project, Track, Transition


def set_track(project: Project, track_id: str, **fields: Any) -> Change:
    """Change an audio track's ``mute``, ``solo``, ``gain_db`` or any track's ``name`` or
    ``locked``."""
    track = project.track(track_id)
    for key, value in fields.items():
        if key in ("mute", "solo"):
            if type(value) is not bool or track.kind != "audio":
                raise EditError(f"{key.capitalize()} is on or off, and only on an audio track.")
        elif key == "locked":
            if type(value) is not bool:
                raise EditError("A track's lock is on or off.")
        elif key == "gain_db":
            _check_gain(value)
            if track.kind != "audio":
                raise EditError("Only an audio track has a gain.")
            fields[key] = float(value)
        elif key == "name":
            if not isinstance(value, str) or not value.strip():
                raise EditError("A track needs a name.")
        else:
            raise EditError(f"A track has no setting called {key!r}.")
    audio = track.kind == "audio"
    tracks = project.timeline.audio_tracks if audio else project.timeline.tracks
    # A copy of the items list: the old track keeps its own, so undo puts back exactly it.
    new = dataclasses.replace(track, items=list(track.items), **fields)
    label = ("Mute" if "mute" in fields else "Solo" if "solo" in fields
             else ("Lock track" if fields["locked"] else "Unlock track") if "locked" in fields
             else "Track settings")
    with Recorder(project, label) as rec:
        rec.do(SetTracks(tracks.index(track), (track,), (new,), audio))
    return rec.change


def set_sound(project: Project, item_id: str, **fields: Any) -> Change:
    """Change an audio item's ``gain_db``, ``fade_in`` or ``fade_out`` (frames)."""
    _track, _index, item = locate_item(project, item_id)
    if not isinstance(item, AudioItem):
        raise EditError("Gain and fades belong to sounds; pick an item on an audio track.")
    for key, value in fields.items():
        if key == "gain_db":
            _check_gain(value)
            fields[key] = float(value)
        elif key not in ("fade_in", "fade_out"):
            raise EditError(f"A sound has no setting called {key!r}.")
    new = dataclasses.replace(item, **fields)
    if type(new.fade_in) is not int or type(new.fade_out) is not int or min(
            new.fade_in, new.fade_out) < 0 or new.fade_in + new.fade_out > new.duration:
        raise EditError(f"The fades must be whole frames that fit in the sound's "
                        f"{new.duration} frames.")
    return replace_entry(project, item_id, "Sound settings", lambda _old: new)


def linked_sounds(project: Project, item_id: str) -> list[tuple[Track, int, AudioItem]]:
    """``(track, index, item)`` of every audio item linked to the item ``item_id``."""
    return [(track, index, entry) for track in project.timeline.audio_tracks
            for index, entry in enumerate(track.items)
            if isinstance(entry, AudioItem) and entry.link == item_id]


def unlink(project: Project, item_id: str) -> Change:
    """Free an audio item from its clip, or every audio item linked to the clip ``item_id``,
    so each can be edited on its own."""
    _track, _index, item = locate_item(project, item_id)
    sounds = [item] if isinstance(item, AudioItem) else [s for *_r, s in
                                                         linked_sounds(project, item_id)]
    if not any(s.link for s in sounds):
        raise EditError("That is not linked to anything.")
    with Recorder(project, "Unlink") as rec:
        for sound in sounds:
            rec.ops.extend(replace_entry(project, sound.id, "Unlink",
                                         lambda old: dataclasses.replace(old, link=None)).ops)
    return rec.change


def link(project: Project, sound_id: str, item_id: str) -> Change:
    """Link the audio item ``sound_id`` to the video item ``item_id`` (relink after unlink)."""
    _track, _index, sound = locate_item(project, sound_id)
    track, _index, item = locate_item(project, item_id)
    if not isinstance(sound, AudioItem) or track.kind != "video" or isinstance(item, Transition):
        raise EditError("Link a sound on an audio track to an item on a video track.")
    return replace_entry(project, sound_id, "Link",
                         lambda old: dataclasses.replace(old, link=item_id))


def _check_gain(value: object) -> None:
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and -96.0 <= value <= 24.0):
        raise EditError("Gain is a number of dB between -96 and +24.")
