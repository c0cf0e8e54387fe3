"""The sound of a generated shot's active take, kept on an audio track under the shot.

A take file that carries sound (LTX-2 makes AAC with its video) is put in the media pool as a
clip whose ``metadata["take"]`` names the take (:func:`take_media`). :func:`sync_take_sound`
then makes the shot's linked take sound match its active take: the take's sound as an audio
item linked to the shot over the same frames, or none when the active take is silent or there
is none. Sounds the user linked to the shot from other media are left alone. The linked sound
moves, trims, splits and is deleted with the shot like any clip's, and a shot placed again (a
paste) brings it (:mod:`.linked_edits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import item_edits
from .audio_edits import linked_sounds
from .changes import Change, Recorder
from .errors import EditError
from .model import (
    AudioItem,
    Fingerprint,
    Gap,
    Generated,
    MediaRef,
    Project,
    Take,
    Track,
    new_id,
)
from .project_edits import add_track
from .timebase import FrameRange


def take_media(take_id: str, path: str, fingerprint: Fingerprint,
               probe: Mapping[str, Any], name: str = "") -> MediaRef:
    """The pool entry of take ``take_id``'s file (``path`` as the take stores it), whose
    sound :func:`sync_take_sound` places."""
    return MediaRef(id=new_id("media"), path=path, kind="clip", fingerprint=fingerprint,
                    name=name or path.rsplit("/", 1)[-1], probe=dict(probe),
                    metadata={"take": take_id})


def _take_sound_media(project: Project, take: Take | None) -> MediaRef | None:
    """The pool entry of a done take's file: the one made for it, else one of the same file
    (a pasted shot's takes have new ids and the same files)."""
    if take is None or take.status != "done":
        return None
    files = [m for m in project.media.values() if "take" in m.metadata]
    return next((m for m in files if m.metadata["take"] == take.id), None) or next(
        (m for m in files if m.path == take.path), None)


def _is_take_sound(project: Project, sound: AudioItem) -> bool:
    media = project.media.get(sound.media_id)
    return media is not None and "take" in media.metadata


def _free(track: Track, start: int, end: int) -> bool:
    """Whether ``track`` holds nothing but gaps over frames ``[start, end)``."""
    return all(isinstance(item, Gap) or s + item.duration <= start or s >= end
               for _i, s, item in track.layout())


def sync_take_sound(project: Project, entry_id: str) -> Change:
    """Make the take sound linked to generated item ``entry_id`` its active take's.

    The sound of another take goes (a gap is left, as a lift leaves); the active take's
    sound, when its file is in the pool (:func:`take_media`) and has sound, is placed on the
    track the old one was on when that is free, else on the first audio track free over the
    shot's frames, else on a new audio track, so no other sound is cut. Nothing changes (an
    empty change) when the shot already has the right sound.
    """
    track, index, entry = project.find(entry_id)
    if not isinstance(entry, Generated):
        raise EditError("Only a generated shot has takes with sound.")
    media = _take_sound_media(project, entry.generation.active_take)
    start, source = track.start_of(index), entry.source
    length = media.length_at(project.rate) if media is not None else None
    if length is not None:  # a take file shorter than the shot: its sound ends with the file
        source = FrameRange(source.start, min(source.duration, length - source.start))
    wanted = media is not None and media.probe.get("has_audio") is True and source.duration > 0
    ours = [(t, s) for t, _i, s in linked_sounds(project, entry_id) if _is_take_sound(project, s)]
    if wanted and len(ours) == 1 and media is not None:
        sound_track, sound = ours[0]
        if (sound.media_id, sound.source, sound_track.start_of(sound_track.index_of(sound.id))) \
                == (media.id, source, start):
            return Change("Take sound", ())  # already the active take's
    with Recorder(project, "Take sound") as rec:
        for _track, sound in ours:
            rec.ops.extend(item_edits.lift(project, sound.id).ops)
        if wanted and media is not None:
            sound = AudioItem(id=new_id("audio"), media_id=media.id, source=source,
                              link=entry_id, name=entry.name or media.name)
            rec.ops.extend(place_sound(project, start, sound,
                                       [ours[0][0]] if ours else []).ops)
    return rec.change


def place_sound(project: Project, start: int, sound: AudioItem,
                prefer: list[Track] | None = None) -> Change:
    """Put ``sound`` at ``start`` on the first of ``prefer`` and then the audio tracks that is
    free over its frames and not locked, else on a new audio track, so that no other sound is
    cut."""
    end = start + sound.duration
    tracks = [*(prefer or []), *project.timeline.audio_tracks]
    with Recorder(project, "Place sound") as rec:
        target = next((t for t in tracks if not t.locked and _free(t, start, end)), None)
        if target is None:
            rec.ops.extend(add_track(project, kind="audio", name=_fresh_name(project)).ops)
            target = project.timeline.audio_tracks[-1]
        rec.ops.extend(item_edits.overwrite(project, target.id, start, sound).ops)
    return rec.change


def _fresh_name(project: Project) -> str:
    names = {t.name for t in project.timeline.audio_tracks}
    number = len(names) + 1
    while f"A{number}" in names:
        number += 1
    return f"A{number}"
