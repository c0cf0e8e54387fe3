"""Sound in the document: audio tracks, linked audio items that follow their clips through every
edit and undo, mix settings, and the upgrade of format-1 files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from document_factory import GOLDEN_V1
from studio.document import changes, edits, serialize
from studio.document.errors import EditError
from studio.document.model import (
    AudioItem,
    Clip,
    Fingerprint,
    Gap,
    MediaRef,
    Project,
    Still,
    Track,
    Transition,
    new_project,
)
from studio.document.persistence import load_project, save_project
from studio.document.timebase import FrameRange
from studio.document.validate import validate

FP = Fingerprint(size=1, digest="sha256:" + "00" * 32)


def sounding_project() -> Project:
    """V1 with three clips of media that has sound (A, B, C: 20, 30, 25 frames), placed with
    their linked sound, and a silent still at the end."""
    project = new_project("Sound")
    edits.add_media(project, MediaRef(id="m-talk", path="talk.mp4", kind="clip", fingerprint=FP,
                                      probe={"frames": 200, "has_audio": True}))
    edits.add_media(project, MediaRef(id="m-pic", path="pic.png", kind="still", fingerprint=FP))
    v1 = project.timeline.tracks[0].id
    for name, start, length in (("a", 0, 20), ("b", 50, 30), ("c", 100, 25)):
        edits.append(project, v1, Clip(id=f"clip-{name}", media_id="m-talk",
                                       source=FrameRange(start, length)))
    edits.append(project, v1, Still(id="still-1", media_id="m-pic", duration=10))
    return project


def placement(track: Track) -> list[tuple[str, int, int, int | None, str | None]]:
    """``(id, start, duration, source start, link)`` of each non-gap item of a track."""
    out = []
    for _i, start, item in track.layout():
        if isinstance(item, Gap):
            continue
        source = getattr(item, "source", None)
        out.append((item.id, start, item.duration, source.start if source else None,
                    getattr(item, "link", None)))
    return out


def assert_together(project: Project) -> None:
    """Every linked sound lies exactly under its clip, showing the same source frames."""
    validate(project)
    video = {i: (s, i_.duration, i_.source.start) for t in project.timeline.tracks
             for _x, s, i_ in t.layout() if isinstance(i_, Clip) for i in [i_.id]}
    linked = [(s, item) for t in project.timeline.audio_tracks for _x, s, item in t.layout()
              if isinstance(item, AudioItem) and item.link is not None]
    for start, sound in linked:
        assert video[sound.link] == (start, sound.duration, sound.source.start), sound
    assert sorted(s.link for _s, s in linked if s.link) == sorted(video)


def state(project: Project) -> str:
    return json.dumps(serialize.encode(project), sort_keys=True)


EDITS: dict[str, Callable[[Project], object]] = {
    "move": lambda p: edits.move(p, "clip-b", p.timeline.tracks[0].id, 90),
    "move ripple": lambda p: edits.move(p, "clip-c", p.timeline.tracks[0].id, 0, ripple=True),
    "trim in": lambda p: edits.trim(p, "clip-b", in_delta=5),
    "trim out no ripple": lambda p: edits.trim(p, "clip-a", out_delta=-4, ripple=False),
    "split": lambda p: edits.split(p, "clip-b", 35, new_item_id="clip-b2"),
    "ripple delete": lambda p: edits.ripple_delete(p, "clip-a"),
    "lift": lambda p: edits.lift(p, "clip-b"),
}


def test_a_clip_with_sound_brings_it_onto_a_new_audio_track() -> None:
    project = sounding_project()
    (a1,) = project.timeline.audio_tracks
    assert (a1.name, a1.kind) == ("A1", "audio")
    assert [(i, s, d, src, link) for i, s, d, src, link in placement(a1)] == [
        (a1.items[0].id, 0, 20, 0, "clip-a"), (a1.items[1].id, 20, 30, 50, "clip-b"),
        (a1.items[2].id, 50, 25, 100, "clip-c")]
    assert_together(project)


def test_media_without_sound_brings_none() -> None:
    project = new_project("Silent")
    edits.add_media(project, MediaRef(id="m", path="m.mp4", kind="clip", fingerprint=FP,
                                      probe={"frames": 50, "has_audio": False}))
    edits.append(project, project.timeline.tracks[0].id,
                 Clip(id="c", media_id="m", source=FrameRange(0, 50)))
    assert project.timeline.audio_tracks == []


@pytest.mark.parametrize("name", EDITS)
def test_linked_edits_keep_sound_and_picture_together_and_undo_exactly(name: str) -> None:
    project = sounding_project()
    before = state(project)
    video_before = placement(project.timeline.tracks[0])
    change = EDITS[name](project)
    assert isinstance(change, changes.Change)
    assert placement(project.timeline.tracks[0]) != video_before  # the edit did something
    assert_together(project)
    after = state(project)
    changes.revert(project, change)
    assert state(project) == before
    assert_together(project)
    changes.apply(project, change)
    assert state(project) == after


def test_split_links_the_right_part_of_the_sound_to_the_right_part_of_the_clip() -> None:
    project = sounding_project()
    edits.split(project, "clip-b", 35, new_item_id="clip-b2")
    sounds = [s for _i, _s, s in project.timeline.audio_tracks[0].layout()
              if isinstance(s, AudioItem)]
    assert [(s.link, s.source) for s in sounds] == [
        ("clip-a", FrameRange(0, 20)), ("clip-b", FrameRange(50, 15)),
        ("clip-b2", FrameRange(65, 15)), ("clip-c", FrameRange(100, 25))]


def test_a_sequence_of_edits_undoes_step_by_step() -> None:
    project = sounding_project()
    states, done = [state(project)], []
    for edit in EDITS.values():
        try:
            done.append(edit(project))
        except EditError:  # an earlier edit removed what this one names
            continue
        assert_together(project)
        states.append(state(project))
    assert len(done) >= 5
    for change in reversed(done):
        states.pop()
        changes.revert(project, change)
        assert state(project) == states[-1]


def test_unlink_lets_the_clip_move_alone_and_link_ties_them_again() -> None:
    project = sounding_project()
    v1, a1 = project.timeline.tracks[0], project.timeline.audio_tracks[0]
    sound_id = edits.linked_sounds(project, "clip-b")[0][2].id
    unlinked = edits.unlink(project, "clip-b")
    assert edits.linked_sounds(project, "clip-b") == []
    edits.move(project, "clip-b", v1.id, 120)
    assert a1.start_of(a1.index_of(sound_id)) == 20  # the sound stayed
    with pytest.raises(EditError, match="not linked"):
        edits.unlink(project, "clip-b")
    relinked = edits.link(project, sound_id, "clip-b")
    assert edits.linked_sounds(project, "clip-b")[0][2].id == sound_id
    moved = edits.move(project, "clip-b", v1.id, 150)  # by 30, and the sound 30 along
    assert a1.start_of(a1.index_of(sound_id)) == 50
    changes.revert(project, moved)
    changes.revert(project, relinked)
    assert edits.linked_sounds(project, "clip-b") == [] and unlinked.label == "Unlink"


def test_a_refused_sound_edit_rolls_back_the_picture_too() -> None:
    project = sounding_project()
    v1 = project.timeline.tracks[0]
    edits.unlink(project, "clip-c")
    sound_c = next(s for _i, _st, s in project.timeline.audio_tracks[0].layout()
                   if isinstance(s, AudioItem) and s.link is None)
    edits.move(project, sound_c.id, project.timeline.audio_tracks[0].id, 0)  # under clip A
    edits.link(project, sound_c.id, "clip-c")  # now 50 frames before its clip
    before = state(project)
    with pytest.raises(EditError, match="before the timeline"):
        edits.move(project, "clip-c", v1.id, 10)
    assert state(project) == before


def test_sound_goes_only_on_audio_tracks_and_pictures_only_on_video_tracks() -> None:
    project = sounding_project()
    a1, v1 = project.timeline.audio_tracks[0].id, project.timeline.tracks[0].id
    with pytest.raises(EditError, match="picture cannot go on an audio track"):
        edits.append(project, a1, Clip(id="x", media_id="m-talk", source=FrameRange(0, 5)))
    with pytest.raises(EditError, match="sound cannot go on a video track"):
        edits.append(project, v1, AudioItem(id="y", media_id="m-talk", source=FrameRange(0, 5)))


def test_mix_settings_are_undoable_checked_and_saved(tmp_path: Path) -> None:
    project = sounding_project()
    a1 = project.timeline.audio_tracks[0]
    edits.add_track(project, kind="audio")
    a2 = project.timeline.audio_tracks[1]
    assert a2.name == "A2"
    before = state(project)
    done = [edits.set_track(project, a1.id, mute=True),
            edits.set_track(project, a2.id, solo=True, gain_db=-6)]
    sound = a1.items[0].id
    done.append(edits.set_sound(project, sound, gain_db=-3.5, fade_in=4, fade_out=6))
    for bad in ({"fade_in": 30}, {"gain_db": float("nan")}, {"pan": 1}):
        with pytest.raises(EditError):
            edits.set_sound(project, sound, **bad)
    with pytest.raises(EditError, match="only on an audio track"):
        edits.set_track(project, project.timeline.tracks[0].id, mute=True)
    file = save_project(project, tmp_path / "p")
    loaded = load_project(file)
    assert loaded == project
    tracks = loaded.timeline.audio_tracks
    assert tracks[0].items == project.timeline.audio_tracks[0].items
    assert [(t.mute, t.solo, t.gain_db) for t in tracks] == [(True, False, 0.0),
                                                            (False, True, -6.0)]
    item = loaded.find(sound)[2]
    assert isinstance(item, AudioItem)
    assert (item.gain_db, item.fade_in, item.fade_out) == (-3.5, 4, 6)
    for change in reversed(done):
        changes.revert(project, change)
    assert state(project) == before


def test_golden_v1_upgrades_to_audio_tracks_that_sound_as_before() -> None:
    """Format 1 played each clip's sound under it (crossfading with it, silent under the still,
    the shot and the bridge); format 2 says so with linked audio items."""
    project = load_project(GOLDEN_V1)
    a1, a2 = project.timeline.audio_tracks
    assert a2.items == []
    kinds = [(type(e).__name__, e.id) for e in a1.items]
    assert kinds == [("AudioItem", "clip-beach-audio"), ("Transition", "transition-xfade-audio"),
                     ("Gap", "still-sky-audio"), ("AudioItem", "clip-harbour-audio")]
    beach, xfade, gap, harbour = a1.items
    assert isinstance(beach, AudioItem) and isinstance(harbour, AudioItem)
    assert isinstance(xfade, Transition) and isinstance(gap, Gap)
    assert (beach.link, beach.source) == ("clip-beach", FrameRange(10, 48))
    assert (xfade.kind, xfade.in_offset, xfade.out_offset) == ("crossfade", 6, 6)
    # still 36 + gap 12 + shot 72 + the bridge's 4 frames before its cut are silent...
    assert gap.duration == 36 + 12 + 72 + 4
    # ...and its 4 frames after the cut are cut from the harbour clip's sound.
    assert (harbour.link, harbour.source) == ("clip-harbour", FrameRange(4, 56))
    validate(project)
    assert load_project(GOLDEN_V1) == project  # the upgrade gives the same ids every time


def test_removing_a_video_track_leaves_its_sounds_unlinked_and_undo_links_them() -> None:
    project = sounding_project()
    edits.add_track(project)  # V2 on top: the timeline keeps a video track
    v1 = next(t for t in project.timeline.tracks if t.name == "V1")
    before = state(project)
    change = edits.remove_track(project, v1.id)
    (a1,) = project.timeline.audio_tracks
    sounds = [item for item in a1.items if isinstance(item, AudioItem)]
    assert len(sounds) == 3 and all(s.link is None for s in sounds)  # kept, freed
    validate(project)
    changes.revert(project, change)
    assert state(project) == before
    assert_together(project)


@pytest.mark.parametrize("name", ["overwrite", "move"])
def test_a_picture_covered_whole_leaves_its_sound_in_place_unlinked(name: str) -> None:
    project = sounding_project()
    v1, a1 = project.timeline.tracks[0].id, project.timeline.audio_tracks[0]
    before = state(project)
    sound_of_b = next(s.id for s in a1.items if isinstance(s, AudioItem) and s.link == "clip-b")
    steps = []
    if name == "overwrite":  # a silent still over all of clip b (20-50) and part of c
        steps.append(edits.overwrite(project, v1, 15,
                                     Still(id="s2", media_id="m-pic", duration=40)))
    else:  # the silent still, made 30 frames long, moved over all of clip b (20-50)
        steps.append(edits.trim(project, "still-1", out_delta=20))
        steps.append(edits.move(project, "still-1", v1, 20))
    a1 = project.timeline.audio_tracks[0]
    freed = a1.items[a1.index_of(sound_of_b)]
    assert isinstance(freed, AudioItem) and freed.link is None
    assert a1.start_of(a1.index_of(sound_of_b)) == 20  # where it was
    pictures = {e.id for t in project.timeline.tracks for e in t.items}
    assert all(s.link in pictures for s in a1.items if isinstance(s, AudioItem) and s.link)
    validate(project)
    for change in reversed(steps):
        changes.revert(project, change)
    assert state(project) == before


@pytest.mark.parametrize("edit", [
    lambda p, v1: edits.insert(p, v1, 0, Still(id="still-2", media_id="m-pic", duration=7)),
    lambda p, v1: edits.insert(p, v1, 30, Still(id="still-2", media_id="m-pic", duration=7)),
    lambda p, v1: edits.ripple_delete(p, "still-0"),
    lambda p, v1: edits.trim(p, "still-0", out_delta=-4),
    lambda p, v1: edits.trim(p, "still-0", in_delta=3),
    lambda p, v1: edits.trim(p, "still-0", out_delta=6),
    lambda p, v1: edits.move(p, "still-0", v1, 70, ripple=True),
], ids=["insert at 0", "insert inside a clip", "ripple delete", "trim the end shorter",
        "trim the start", "trim the end longer", "ripple move"])
def test_a_ripple_edit_elsewhere_on_the_track_keeps_every_clip_with_its_sound(
        edit: Callable[[Project, str], changes.Change]) -> None:
    project = sounding_project()
    v1 = project.timeline.tracks[0].id
    edits.insert(project, v1, 0, Still(id="still-0", media_id="m-pic", duration=12))
    assert_together(project)
    before = state(project)
    change = edit(project, v1)
    assert_together(project)
    changes.revert(project, change)
    assert state(project) == before


def test_a_sound_kept_with_its_clip_never_covers_free_sound() -> None:
    project = sounding_project()
    v1, a1 = project.timeline.tracks[0].id, project.timeline.audio_tracks[0].id
    edits.append(project, a1, AudioItem(id="music", media_id="m-talk",
                                        source=FrameRange(0, 40)))  # free, after clip C's sound
    before = state(project)
    with pytest.raises(EditError, match="over other sound on A1"):
        edits.insert(project, v1, 0, Still(id="still-0", media_id="m-pic", duration=12))
    assert state(project) == before
    edits.move(project, "music", a1, 100)  # room for C's sound to go 12 frames later
    edits.insert(project, v1, 0, Still(id="still-0", media_id="m-pic", duration=12))
    assert_together(project)
    placed = {entry.id: start for _i, start, entry in project.timeline.audio_tracks[0].layout()}
    assert placed["music"] == 100  # free sound stays where it is
