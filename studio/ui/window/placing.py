"""Pool media onto the timeline: which item each entry becomes and which track it goes on.

Pictures (clips and stills) go on a video track, sounds (audio files) on an audio track: the
track they were dropped on when it is of their kind, else the first one of their kind. A sound
placed when the timeline has no audio track brings one (A1), in the same undo step.
"""

from __future__ import annotations

from studio.document.model import AudioItem, Clip, Project, Still, new_id
from studio.document.timebase import FrameRange
from studio.ui import commands

#: How long a still lasts when it is put on the timeline.
STILL_SECONDS = 3


def items_for_media(project: Project, media_ids: list[str]) -> list[Clip | Still | AudioItem]:
    """Timeline items for pool media: a clip or an audio file whole, a still for
    :data:`STILL_SECONDS`."""
    items: list[Clip | Still | AudioItem] = []
    for media_id in media_ids:
        media = project.media.get(media_id)
        if media is None:
            continue
        if media.kind == "still":
            items.append(Still(id=new_id("still"), media_id=media_id, name=media.name,
                               duration=max(1, round(STILL_SECONDS * project.rate))))
            continue
        length = FrameRange(0, media.length_at(project.rate) or 1)
        if media.kind == "audio":
            items.append(AudioItem(id=new_id("audio"), media_id=media_id, name=media.name,
                                   source=length))
        else:
            items.append(Clip(id=new_id("clip"), media_id=media_id, name=media.name,
                              source=length))
    return items


def placing_steps(project: Project, media_ids: list[str], track_id: str | None,
                  at: int) -> tuple[list[commands.EditCommand], int]:
    """Commands that insert ``media_ids`` one after another from frame ``at`` (see the module
    docstring for the tracks), and the frame after the last of them.

    The commands are made before any of them runs: the audio track a sound brings is named
    here, so the inserts after it can refer to it.
    """
    video = [t.id for t in project.timeline.tracks]
    audio = [t.id for t in project.timeline.audio_tracks]
    picture_track = track_id if track_id in video else next(iter(video), None)
    sound_track = track_id if track_id in audio else next(iter(audio), None)
    steps: list[commands.EditCommand] = []
    for item in items_for_media(project, media_ids):
        if isinstance(item, AudioItem):
            if sound_track is None:
                sound_track = new_id("track")
                steps.append(commands.AddTrackCommand(project, kind="audio",
                                                      track_id=sound_track))
            target = sound_track
        elif picture_track is None:
            continue  # no video track to put a picture on; the caller says so
        else:
            target = picture_track
        steps.append(commands.InsertCommand(project, target, at, item))
        at += item.duration
    return steps, at
