"""A shot's active take's sound lies under it as a linked sound: placed when a take with sound
comes, swapped or removed when another take is chosen, never cutting other sounds, undone
exactly, and moved with the shot."""

from __future__ import annotations

import json

from studio.document import changes, edits, serialize
from studio.document.edit_steps import fresh_copy
from studio.document.model import (
    AudioItem,
    Clip,
    Fingerprint,
    Generated,
    GeneratedSpec,
    Generation,
    MediaRef,
    Project,
    Take,
    new_project,
)
from studio.document.take_sounds import take_media
from studio.document.timebase import FrameRange
from studio.document.validate import validate

FP = Fingerprint(size=1, digest="sha256:" + "00" * 32)


def _take(take_id: str) -> Take:
    return Take(id=take_id, job_id=f"job-{take_id}", path=f"takes/{take_id}.mp4",
                spec_hash="sha256:0", status="done", created="2026-12-03T10:00:00Z")


def shot_project() -> Project:
    """V1: a 10-frame clip, then a 24-frame shot (shown from frame 2 of its takes); the pool
    holds the files of takes t1 and t3 (with sound, 30 frames) and t2 (silent)."""
    project = new_project("Takes")
    edits.add_media(project, MediaRef(id="m-pic", path="pic.mp4", kind="clip",
                                      fingerprint=FP, probe={"frames": 100, "rate": "24"}))
    for take_id, sound in (("t1", True), ("t2", False), ("t3", True)):
        edits.add_media(project, take_media(take_id, f"takes/{take_id}.mp4", FP,
                                            {"frames": 30, "rate": "24", "has_audio": sound}))
    v1 = project.timeline.tracks[0].id
    edits.append(project, v1, Clip(id="clip-1", media_id="m-pic", source=FrameRange(0, 10)))
    spec = GeneratedSpec(kind="shot", prompt="surf", duration=30)
    edits.append(project, v1, Generated(id="shot-1", generation=Generation(spec=spec),
                                        source=FrameRange(2, 24)))
    return project


def _state(project: Project) -> str:
    return json.dumps(serialize.encode(project), sort_keys=True)


def _take_sounds(project: Project) -> list[tuple[str, int, str, FrameRange]]:
    """``(track, start, take, source)`` of every sound linked to the shot."""
    return [(track.name, start, project.media[item.media_id].metadata.get("take", "-"),
             item.source)
            for track in project.timeline.audio_tracks for _i, start, item in track.layout()
            if isinstance(item, AudioItem) and item.link == "shot-1"]


def test_a_take_with_sound_brings_it_under_the_shot_and_undo_takes_it_away() -> None:
    project = shot_project()
    before = _state(project)
    added = edits.add_take(project, "shot-1", _take("t1"))
    change = edits.sync_take_sound(project, "shot-1")
    validate(project)
    assert _take_sounds(project) == [("A1", 10, "t1", FrameRange(2, 24))]
    assert edits.sync_take_sound(project, "shot-1").ops == ()  # already right
    changes.revert(project, change)
    changes.revert(project, added)
    assert _state(project) == before


def test_choosing_another_take_swaps_or_removes_its_sound() -> None:
    project = shot_project()
    for take_id in ("t1", "t2", "t3"):
        edits.add_take(project, "shot-1", _take(take_id), activate=False)
    edits.choose_take(project, "shot-1", "t1")
    edits.sync_take_sound(project, "shot-1")
    edits.choose_take(project, "shot-1", "t2")  # silent: the sound goes, leaving no gap behind
    edits.sync_take_sound(project, "shot-1")
    assert _take_sounds(project) == [] and project.timeline.audio_tracks[0].items == []
    edits.choose_take(project, "shot-1", "t3")
    before = _state(project)
    change = edits.sync_take_sound(project, "shot-1")
    assert _take_sounds(project) == [("A1", 10, "t3", FrameRange(2, 24))]
    changes.revert(project, change)
    assert _state(project) == before
    edits.choose_take(project, "shot-1", None)
    edits.sync_take_sound(project, "shot-1")
    assert _take_sounds(project) == []
    validate(project)


def test_other_sounds_are_not_cut_and_the_sound_follows_the_shot() -> None:
    project = shot_project()
    edits.add_track(project, kind="audio", track_id="a1")
    music = AudioItem(id="music", media_id="m-pic", source=FrameRange(0, 20))
    edits.insert(project, "a1", 0, music)  # under frames 0-19, where the shot starts at 10
    own = AudioItem(id="own", media_id="m-pic", source=FrameRange(50, 5))
    edits.insert(project, "a1", 40, own)
    edits.link(project, "own", "shot-1")  # the user's own sound linked to the shot stays
    edits.add_take(project, "shot-1", _take("t1"))
    edits.sync_take_sound(project, "shot-1")
    assert project.timeline.audio_tracks[0].items[0] == music
    assert ("A2", 10, "t1", FrameRange(2, 24)) in _take_sounds(project)
    edits.move(project, "shot-1", project.timeline.tracks[0].id, 60)
    assert sorted(_take_sounds(project)) == [("A1", 90, "-", FrameRange(50, 5)),
                                             ("A2", 60, "t1", FrameRange(2, 24))]
    edits.add_take(project, "shot-1", _take("t3"))
    edits.sync_take_sound(project, "shot-1")  # A2 is free there again: the new sound goes back
    assert sorted(_take_sounds(project)) == [("A1", 90, "-", FrameRange(50, 5)),
                                             ("A2", 60, "t3", FrameRange(2, 24))]
    validate(project)


def test_a_take_file_shorter_than_the_shot_sounds_to_its_end() -> None:
    project = shot_project()
    edits.add_media(project, take_media("t4", "takes/t4.mp4", FP,
                                        {"frames": 20, "rate": "24", "has_audio": True}))
    edits.add_take(project, "shot-1", _take("t4"))
    edits.sync_take_sound(project, "shot-1")
    assert _take_sounds(project) == [("A1", 10, "t4", FrameRange(2, 18))]


def test_a_pasted_shot_brings_its_take_sound() -> None:
    project = shot_project()
    edits.add_take(project, "shot-1", _take("t1"))
    edits.sync_take_sound(project, "shot-1")
    copy = fresh_copy(project.find("shot-1")[2])  # new item and take ids, the same files
    assert isinstance(copy, Generated)
    before = _state(project)
    change = edits.overwrite(project, project.timeline.tracks[0].id, 100, copy)
    sounds = [(start, item.link, item.source) for _i, start, item in
              project.timeline.audio_tracks[0].layout() if isinstance(item, AudioItem)]
    assert sounds == [(10, "shot-1", FrameRange(2, 24)), (100, copy.id, FrameRange(2, 24))]
    validate(project)
    changes.revert(project, change)
    assert _state(project) == before
