"""Linked sounds stay with their pictures through ripple edits elsewhere
(studio.document.sound_sync): clips with sound cut in two, several video tracks sharing an audio
track, L-cuts, take sounds, crossfades between sounds, and every edit undone and redone
exactly."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable

import pytest
from test_sound import FP, assert_together, sounding_project, state
from test_take_sounds import _take, shot_project

from studio.document import changes, edits
from studio.document.errors import EditError
from studio.document.model import (
    AudioItem,
    Clip,
    Gap,
    MediaRef,
    Project,
    Still,
    Transition,
    new_project,
)
from studio.document.take_sounds import take_media
from studio.document.timebase import FrameRange


def _roundtrip(project: Project, edit: Callable[[], changes.Change]) -> None:
    """Run ``edit``; undo must give back the state before it and redo the state after it."""
    before = state(project)
    change = edit()
    after = state(project)
    changes.revert(project, change)
    assert state(project) == before
    changes.apply(project, change)
    assert state(project) == after


def _sounds(project: Project) -> dict[str, tuple[int, int, str | None]]:
    """Each sound's id -> (start, duration, link)."""
    return {item.id: (start, item.duration, item.link) for track in project.timeline.audio_tracks
            for _i, start, item in track.layout() if isinstance(item, AudioItem)}


def _under_their_pictures(project: Project) -> None:
    """Every linked sound starts with its picture and is no longer than it (take sounds of a
    shot included, which assert_together does not read)."""
    pictures = {item.id: (start, item.duration) for track in project.timeline.tracks
                for _i, start, item in track.layout() if not isinstance(item, Gap)}
    for sound_id, (start, duration, link) in _sounds(project).items():
        if link is not None:
            assert start == pictures[link][0] and duration <= pictures[link][1], sound_id


def test_a_clip_with_sound_inserted_or_moved_into_another_cuts_that_clip_s_sound() -> None:
    project = sounding_project()
    v1 = project.timeline.tracks[0].id
    _roundtrip(project, lambda: edits.insert(
        project, v1, 10, Clip(id="x", media_id="m-talk", source=FrameRange(150, 8))))
    assert_together(project)  # clip A's second part has the second part of A's sound
    project = sounding_project()
    v1 = project.timeline.tracks[0].id
    _roundtrip(project, lambda: edits.move(project, "clip-c", v1, 10, ripple=True))
    assert_together(project)


def test_a_clip_on_another_video_track_keeps_its_sound_on_the_shared_audio_track() -> None:
    for edit in (lambda p: edits.ripple_delete(p, "clip-a"),
                 lambda p: edits.trim(p, "clip-a", out_delta=-5)):
        project = sounding_project()
        edits.add_track(project, kind="video")
        v2 = project.timeline.tracks[1].id
        edits.insert(project, v2, 100, Clip(id="clip-v2", media_id="m-talk",
                                            source=FrameRange(0, 10)))
        assert_together(project)
        _roundtrip(project, lambda p=project, e=edit: e(p))
        assert_together(project)
        assert _sounds(project)[next(s for s, (_a, _d, link) in _sounds(project).items()
                                     if link == "clip-v2")][0] == 100


def test_a_clip_with_sound_inserted_over_another_track_s_sounds_gets_a_free_track() -> None:
    project = sounding_project()
    edits.add_track(project, kind="video")
    v2 = project.timeline.tracks[1].id
    before = {sound: placed for sound, placed in _sounds(project).items()}
    _roundtrip(project, lambda: edits.insert(
        project, v2, 0, Clip(id="x", media_id="m-talk", source=FrameRange(150, 10))))
    assert_together(project)
    assert all(_sounds(project)[sound] == placed for sound, placed in before.items())
    assert len(project.timeline.audio_tracks) == 2  # x's sound could not go on A1


def test_a_clip_with_sound_laid_over_another_track_s_sounds_gets_a_free_track() -> None:
    project = sounding_project()
    edits.add_track(project, kind="video")
    before = _sounds(project)
    _roundtrip(project, lambda: edits.overwrite(  # on V2, over clip A's frames
        project, project.timeline.tracks[1].id, 5,
        Clip(id="x", media_id="m-talk", source=FrameRange(150, 8))))
    assert_together(project)
    assert {s: placed for s, placed in _sounds(project).items() if placed[2] != "x"} == before
    v2 = project.timeline.tracks[1].id
    edits.overwrite(project, v2, 100, Clip(id="y", media_id="m-talk", source=FrameRange(0, 8)))
    assert project.find(next(s for s, placed in _sounds(project).items()
                             if placed[2] == "y"))[0] is project.timeline.audio_tracks[0]
    _roundtrip(project, lambda: edits.move(project, "y", v2, 30))  # y's sound: from A1
    assert_together(project)  # moved over clip B's sound, it goes where free instead
    assert {s: placed for s, placed in _sounds(project).items() if placed[2] not in ("x", "y")} \
        == before


def test_a_sound_longer_than_its_clip_is_not_cut_for_another_track_s_new_clip() -> None:
    project = sounding_project()
    edits.add_track(project, kind="video")
    edits.add_track(project, kind="audio")
    v2, a2 = project.timeline.tracks[1].id, project.timeline.audio_tracks[1].id
    sound_c = next(s for s, (_a, _d, link) in _sounds(project).items() if link == "clip-c")
    edits.move(project, sound_c, a2, 50)
    edits.trim(project, sound_c, out_delta=5)  # an L-cut: it runs 5 frames past clip C
    _roundtrip(project, lambda: edits.insert(   # the source that follows clip C's, elsewhere
        project, v2, 200, Clip(id="y", media_id="m-talk", source=FrameRange(125, 10))))
    assert _sounds(project)[sound_c] == (50, 30, "clip-c")


def test_a_still_inserted_into_a_shot_cuts_its_take_sound() -> None:
    project = shot_project()
    edits.add_media(project, MediaRef(id="m-still", path="s.png", kind="still", fingerprint=FP))
    edits.add_take(project, "shot-1", _take("t1"))
    edits.sync_take_sound(project, "shot-1")
    v1 = project.timeline.tracks[0].id
    _roundtrip(project, lambda: edits.insert(
        project, v1, 20, Still(id="st", media_id="m-still", duration=6)))
    _under_their_pictures(project)
    assert sorted(duration for _s, duration, _l in _sounds(project).values()) == [10, 14]


def test_a_crossfade_between_two_sounds_that_move_along_stays() -> None:
    project = sounding_project()
    v1, a1 = project.timeline.tracks[0].id, project.timeline.audio_tracks[0]
    sound_b = next(s for s, (_a, _d, link) in _sounds(project).items() if link == "clip-b")
    edits.set_transition(project, sound_b, "crossfade", 6)
    edits.set_transition(project, "clip-b", "crossfade", 6)
    _roundtrip(project, lambda: edits.insert(
        project, v1, 0, Still(id="s0", media_id="m-pic", duration=12)))
    assert_together(project)
    assert any(isinstance(entry, Transition) for entry in a1.items)


def test_a_ripple_move_across_video_tracks_moves_sounds_both_ways() -> None:
    project = new_project("Mixed")
    edits.add_media(project, MediaRef(id="m-talk", path="talk.mp4", kind="clip",
                                      fingerprint=FP, probe={"frames": 200, "has_audio": True}))
    edits.add_media(project, MediaRef(id="m-pic", path="pic.png", kind="still", fingerprint=FP))
    v1 = project.timeline.tracks[0].id
    edits.add_track(project, kind="video")
    v2 = project.timeline.tracks[1].id
    edits.overwrite(project, v1, 0, Still(id="S", media_id="m-pic", duration=20))
    edits.overwrite(project, v1, 30, Clip(id="N", media_id="m-talk", source=FrameRange(0, 5)))
    edits.overwrite(project, v2, 10, Clip(id="P", media_id="m-talk", source=FrameRange(50, 5)))
    assert_together(project)
    _roundtrip(project, lambda: edits.move(project, "S", v2, 0, ripple=True))
    assert_together(project)  # N's sound 20 frames earlier, P's 20 later, on the same A1


def test_a_shot_trimmed_shorter_than_its_take_sound_keeps_what_is_left_of_it() -> None:
    project = shot_project()  # the shot at 10, showing frames 2-26 of its takes
    edits.add_media(project, take_media("t9", "takes/t9.mp4", FP,
                                        {"frames": 20, "rate": "24", "has_audio": True}))
    edits.add_take(project, "shot-1", _take("t9"))
    edits.sync_take_sound(project, "shot-1")
    assert [d for _s, d, _l in _sounds(project).values()] == [18]  # the file ends first
    _roundtrip(project, lambda: edits.trim(project, "shot-1", out_delta=5 - 24))
    assert list(_sounds(project).values()) == [(10, 5, "shot-1")]
    _roundtrip(project, lambda: edits.trim(project, "shot-1", out_delta=-2))
    assert list(_sounds(project).values()) == [(10, 3, "shot-1")]


def _two_clips(gap: bool = True) -> Project:
    """V1: clip A (source 0-20) at 0 and clip B (source 50-80) at 30, each with its sound."""
    project = new_project("Two")
    edits.add_media(project, MediaRef(id="m-talk", path="talk.mp4", kind="clip",
                                      fingerprint=FP, probe={"frames": 200, "has_audio": True}))
    edits.add_media(project, MediaRef(id="m-pic", path="pic.png", kind="still", fingerprint=FP))
    v1 = project.timeline.tracks[0].id
    edits.overwrite(project, v1, 0, Clip(id="A", media_id="m-talk", source=FrameRange(0, 20)))
    edits.overwrite(project, v1, 30 if gap else 20,
                    Clip(id="B", media_id="m-talk", source=FrameRange(50, 30)))
    return project


def test_the_inserted_clip_is_never_taken_for_the_second_part_of_the_one_it_cuts() -> None:
    project = _two_clips()
    v1 = project.timeline.tracks[0].id
    _roundtrip(project, lambda: edits.insert(  # x's source happens to continue A's
        project, v1, 10, Clip(id="x", media_id="m-talk", source=FrameRange(10, 10))))
    assert_together(project)
    links = [link for _s, _d, link in _sounds(project).values()]
    assert links.count("x") == 1 and links.count("A") == 1 and len(links) == 4


def test_of_two_clips_from_the_same_frames_the_one_cut_gets_its_sound_cut() -> None:
    project = _two_clips(gap=False)
    v1 = project.timeline.tracks[0].id
    edits.append(project, v1, Clip(id="A2", media_id="m-talk", source=FrameRange(0, 20)))
    _roundtrip(project, lambda: edits.insert(
        project, v1, 60, Still(id="s", media_id="m-pic", duration=4)))  # into A2, not A
    assert_together(project)


def test_a_sound_that_leads_its_clip_keeps_its_lead_in_both_parts() -> None:
    project = _two_clips()
    v1 = project.timeline.tracks[0].id
    sound_b = next(s for s, (_a, _d, link) in _sounds(project).items() if link == "B")
    edits.trim(project, sound_b, in_delta=-5, ripple=False)  # a J-cut: heard 5 frames early
    _roundtrip(project, lambda: edits.insert(
        project, v1, 40, Still(id="s", media_id="m-pic", duration=6)))
    assert sorted(_sounds(project).values())[1:] == [(25, 15, "B"), (46, 20, next(
        item.id for _i, _s, item in project.timeline.tracks[0].layout()
        if getattr(item, "source", None) == FrameRange(60, 20)))]


def test_a_move_over_a_clip_s_head_leaves_its_sound_in_step() -> None:
    project = _two_clips()
    v1 = project.timeline.tracks[0].id
    edits.overwrite(project, v1, 100, Still(id="S", media_id="m-pic", duration=10))
    _roundtrip(project, lambda: edits.move(project, "S", v1, 25))  # covers B's first 5 frames
    assert _sounds(project)[next(s for s, (_a, _d, link) in _sounds(project).items()
                                 if link == "B")][0] == 30  # heard where B's frame 50 was
    project = sounding_project()
    _roundtrip(project, lambda: edits.move(project, "still-1", project.timeline.tracks[0].id,
                                           15))


def test_a_ripple_move_on_another_track_never_cuts_a_sound_that_stays() -> None:
    project = _two_clips()
    edits.add_track(project, kind="video")
    v2 = project.timeline.tracks[1].id
    edits.overwrite(project, v2, 70, Clip(id="P", media_id="m-talk", source=FrameRange(100, 10)))
    before = {s: placed for s, placed in _sounds(project).items() if placed[2] == "A"}
    _roundtrip(project, lambda: edits.move(project, "P", v2, 5, ripple=True))
    assert_together(project)
    assert all(_sounds(project)[s] == placed for s, placed in before.items())


def test_a_sound_dropped_on_linked_sounds_goes_where_it_is_free() -> None:
    project = sounding_project()
    a1 = project.timeline.audio_tracks[0].id
    before = _sounds(project)
    _roundtrip(project, lambda: edits.insert(
        project, a1, 10, AudioItem(id="music", media_id="m-talk", source=FrameRange(0, 40))))
    assert_together(project)
    assert {s: placed for s, placed in _sounds(project).items() if s != "music"} == before
    track, index, _music = project.find("music")
    assert track.start_of(index) == 10 and track.id != a1


def _random_timeline(rng: random.Random) -> Project:
    """Two video tracks of clips with sound and stills, end to end or with gaps between, some
    crossfades, the clips' sounds on the first audio tracks free under them."""
    project = new_project("Random")
    edits.add_media(project, MediaRef(id="m-talk", path="talk.mp4", kind="clip",
                                      fingerprint=FP, probe={"frames": 5000, "has_audio": True}))
    edits.add_media(project, MediaRef(id="m-pic", path="pic.png", kind="still", fingerprint=FP))
    edits.add_track(project, kind="video")
    for number in range(rng.randint(3, 7)):
        track = rng.choice(project.timeline.tracks)
        item: Clip | Still = (
            Clip(id=f"c{number}", media_id="m-talk",
                 source=FrameRange(rng.randrange(40) * 50, rng.randint(5, 25)))
            if rng.random() < 0.7 else Still(id=f"s{number}", media_id="m-pic",
                                             duration=rng.randint(5, 25)))
        edits.insert(project, track.id, track.duration + rng.choice((0, 0, 3, 10)), item)
    for track in project.timeline.all_tracks():
        for left, right in zip(track.items, track.items[1:]):
            if not isinstance(left, (Gap, Transition)) and not isinstance(
                    right, (Gap, Transition)) and rng.random() < 0.5:
                with contextlib.suppress(EditError):
                    edits.set_transition(project, left.id, "crossfade", rng.randint(1, 4))
    return project


def _random_edit(rng: random.Random, project: Project, number: int) -> Callable[[], changes.Change]:
    """An insert, ripple delete, trim, ripple move, split or lift somewhere on the pictures."""
    kind = rng.choice(("insert", "ripple delete", "trim", "move", "split", "lift"))
    tracks = project.timeline.tracks
    if kind == "insert":
        track, at = rng.choice(tracks).id, rng.randint(0, project.timeline.duration)
        item = (Clip(id=f"n{number}", media_id="m-talk",
                     source=FrameRange(rng.randrange(40) * 50 + 1, rng.randint(3, 20)))
                if rng.random() < 0.7 else Still(id=f"n{number}", media_id="m-pic",
                                                 duration=rng.randint(3, 20)))
        return lambda: edits.insert(project, track, at, item)
    pictures = [(start, item) for track in tracks for _i, start, item in track.layout()
                if not isinstance(item, Gap)]
    start, picture = rng.choice(pictures)
    if kind == "ripple delete":
        return lambda: edits.ripple_delete(project, picture.id)
    if kind == "lift":
        return lambda: edits.lift(project, picture.id)
    if kind == "split":
        at = start + rng.randint(1, max(1, picture.duration - 1))
        return lambda: edits.split(project, picture.id, at)
    if kind == "trim":
        head = rng.choice((0, rng.randint(-3, 3)))
        tail = rng.randint(-3, 3) if head else rng.choice((-3, -1, 2, 3))
        ripple = rng.random() < 0.6
        return lambda: edits.trim(project, picture.id, in_delta=head, out_delta=tail,
                                  ripple=ripple)
    track, at = rng.choice(tracks).id, rng.randint(0, project.timeline.duration)
    return lambda: edits.move(project, picture.id, track, at, ripple=True)


@pytest.mark.parametrize("seed", range(60))
def test_random_ripple_edits_keep_every_clip_with_exactly_its_sound(seed: int) -> None:
    rng = random.Random(seed)
    project = _random_timeline(rng)
    assert_together(project)
    for number in range(6):
        edit = _random_edit(rng, project, number)
        before = state(project)
        try:
            _roundtrip(project, edit)
        except EditError:  # refused in one sentence: nothing changed
            assert state(project) == before
            continue
        assert_together(project)  # validates too: no crossfade left without room
