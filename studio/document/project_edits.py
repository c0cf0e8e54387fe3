"""Edits of the project around its tracks' contents: the media pool, the track list, settings."""

from __future__ import annotations

import dataclasses
from typing import Any

from .changes import Change, Recorder, SetMedia, SetProject, SetTracks
from .edit_steps import unlink_orphans
from .errors import EditError
from .model import Generated, MediaRef, Project, Track, TrackKind, Transition, new_id
from .timebase import parse_rate


def add_media(project: Project, media: MediaRef) -> Change:
    """Add a still or clip to the media pool."""
    if media.id in project.media:
        raise EditError(f"Media id {media.id!r} is already in the pool.")
    with Recorder(project, "Import media") as rec:
        rec.do(SetMedia(media.id, None, media))
    return rec.change


def remove_media(project: Project, media_id: str) -> Change:
    """Remove unused media from the pool; media still used on the timeline (a picture or a
    sound) is refused."""
    media = project.media.get(media_id)
    if media is None:
        raise EditError(f"There is no media with id {media_id!r}.")
    for track in project.timeline.all_tracks():
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
              track_id: str | None = None, kind: TrackKind = "video") -> Change:
    """Add an empty video track (on top by default) or audio track (below the others by
    default), named V1, V2... or A1, A2..."""
    audio = kind == "audio"
    tracks = project.timeline.audio_tracks if audio else project.timeline.tracks
    index = len(tracks) if index is None else index
    if not 0 <= index <= len(tracks):
        raise EditError(f"Track position {index} is outside 0-{len(tracks)}.")
    track = Track(id=track_id or new_id("track"),
                  name=name or f"{'A' if audio else 'V'}{len(tracks) + 1}", kind=kind)
    with Recorder(project, "Add audio track" if audio else "Add track") as rec:
        rec.do(SetTracks(index, (), (track,), audio))
    return rec.change


def remove_track(project: Project, track_id: str) -> Change:
    """Remove a track (video or audio) and everything on it. The sounds linked to a removed
    video track's pictures stay on their audio tracks, unlinked (as editors leave a deleted
    clip's sound); undo links them again."""
    track = project.track(track_id)
    audio = track.kind == "audio"
    tracks = project.timeline.audio_tracks if audio else project.timeline.tracks
    with Recorder(project, "Remove track") as rec:
        rec.do(SetTracks(tracks.index(track), (track,), (), audio))
        unlink_orphans(rec, project)
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
