"""Every edit changes the document as its diagram says, and its undo restores an equal document."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from studio.document import changes, edits
from studio.document.errors import DocumentError, EditError
from studio.document.model import (
    Clip,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    MediaRef,
    Pin,
    Project,
    Still,
    Take,
    Transition,
)
from studio.document.timebase import FrameRange
from studio.document.validate import validate


def shape(project: Project, track: int = 0) -> list[tuple[str, str, int]]:
    """``(kind, id, duration)`` of each entry of a track; transitions show their length."""
    out = []
    for e in project.timeline.tracks[track].items:
        length = e.length if isinstance(e, Transition) else e.duration
        out.append((type(e).__name__, e.id, length))
    return out


def v1(project: Project) -> str:
    return project.timeline.tracks[0].id


def take(n: int, status: str = "done") -> Take:
    return Take(id=f"take-n{n}", job_id=f"job-n{n}", path=f"takes/n{n}.mp4", spec_hash="sha256:2",
                status=status, created="2026-11-23T11:00:00Z")


# Every edit the document offers, as (name, function of the document).
EDITS = {
    "insert middle": lambda p: edits.insert(p, v1(p), 20,
                                            Still(id="x", media_id="m-still", duration=5)),
    "insert at cut": lambda p: edits.insert(p, v1(p), 50,
                                            Still(id="x", media_id="m-still", duration=5)),
    "insert past end": lambda p: edits.insert(p, v1(p), 500, Clip(id="x", media_id="m-clip",
                                                                  source=FrameRange(0, 5))),
    "append": lambda p: edits.append(p, v1(p),
                                     Clip(id="x", media_id="m-clip", source=FrameRange(0, 9))),
    "overwrite across items": lambda p: edits.overwrite(
        p, v1(p), 40, Still(id="x", media_id="m-still", duration=20)),
    "overwrite past end": lambda p: edits.overwrite(p, v1(p), 170, Still(id="x", media_id="m-still",
                                                                         duration=20)),
    "split clip": lambda p: edits.split(p, "c-1", 20, new_item_id="c-1b"),
    "split shot": lambda p: edits.split(p, "g-1", 80, new_item_id="g-1b"),
    "ripple delete": lambda p: edits.ripple_delete(p, "s-1"),
    "ripple delete last": lambda p: edits.ripple_delete(p, "c-2"),
    "lift": lambda p: edits.lift(p, "s-1"),
    "trim in ripple": lambda p: edits.trim(p, "c-1", in_delta=5),
    "trim out ripple": lambda p: edits.trim(p, "c-2", out_delta=-10),
    "trim in no ripple": lambda p: edits.trim(p, "c-2", in_delta=-4, ripple=False),
    "trim out no ripple": lambda p: edits.trim(p, "g-1", out_delta=-8, ripple=False),
    "trim still": lambda p: edits.trim(p, "s-1", out_delta=10),
    "move overwrite": lambda p: edits.move(p, "c-2", v1(p), 0),
    "move ripple": lambda p: edits.move(p, "c-2", v1(p), 0, ripple=True),
    "move to other track": lambda p: edits.move(p, "s-1", p.timeline.tracks[1].id, 40),
    "set spec prompt": lambda p: edits.set_spec(p, "g-1", prompt="a blue square moves up"),
    "set spec duration": lambda p: edits.set_spec(p, "g-1", duration=72),
    "set bridge spec": lambda p: edits.set_spec(p, "t-2", seed=99),
    "add take": lambda p: edits.add_take(p, "g-1", take(1)),
    "add take inactive": lambda p: edits.add_take(p, "g-1", take(1), activate=False),
    "add take to bridge": lambda p: edits.add_take(p, "t-2", take(2, "queued")),
    "update take": lambda p: edits.update_take(p, "g-1", "take-2", status="cancelled"),
    "choose take": lambda p: edits.choose_take(p, "g-1", "take-2"),
    "remove active take": lambda p: edits.remove_take(p, "g-1", "take-1"),
    "crossfade": lambda p: edits.set_transition(p, "g-1", "crossfade", 6),
    "replace transition": lambda p: edits.set_transition(p, "c-1", "crossfade", 20),
    "remove transition": lambda p: edits.set_transition(p, "c-1", "cut"),
    "add media": lambda p: edits.add_media(p, dataclasses.replace(p.media["m-still"], id="m-new")),
    "remove media": lambda p: (edits.ripple_delete(p, "s-2"), edits.remove_media(p, "m-clip")),
    "relink": lambda p: edits.relink_media(p, "m-clip", "moved/a.mp4"),
    "add track": lambda p: edits.add_track(p, index=0),
    "remove track": lambda p: edits.remove_track(p, v1(p)),
    "project settings": lambda p: edits.set_project(p, name="Renamed", rate="25", width=1280),
}


@pytest.mark.parametrize("name", EDITS)
def test_edit_then_undo_restores_an_equal_document(document: Project, name: str) -> None:
    if name == "remove media":  # needs two edits; c-2 and c-1 use m-clip, so it must refuse
        with pytest.raises(EditError, match="still used"):
            EDITS[name](document)
        return
    before = copy.deepcopy(document)
    change = EDITS[name](document)
    validate(document)
    after = copy.deepcopy(document)
    assert after != before, "the edit changed nothing"
    changes.revert(document, change)
    assert document == before
    changes.apply(document, change)  # redo
    assert document == after
    changes.revert(document, change)
    assert document == before


def test_insert_splits_the_item_under_the_frame(document: Project) -> None:
    edits.insert(document, v1(document), 20, Still(id="x", media_id="m-still", duration=5))
    kinds = shape(document)
    assert kinds[:3] == [("Clip", "c-1", 20), ("Still", "x", 5), ("Clip", kinds[2][1], 30)]
    right = document.timeline.tracks[0].items[2]
    assert right.source == FrameRange(30, 30)  # continues where the left part stopped
    assert ("Transition", "t-1", 8) in kinds  # the crossfade stays after the right part


def test_insert_at_a_cut_drops_the_transition_there(document: Project) -> None:
    edits.insert(document, v1(document), 50, Still(id="x", media_id="m-still", duration=5))
    assert shape(document)[:3] == [("Clip", "c-1", 50), ("Still", "x", 5), ("Still", "s-1", 24)]


def test_insert_past_the_end_pads_with_a_gap(document: Project) -> None:
    end = document.timeline.tracks[0].duration
    edits.insert(document, v1(document), end + 30, Still(id="x", media_id="m-still", duration=5))
    assert shape(document)[-2][0] == "Gap" and shape(document)[-2][2] == 30
    assert document.timeline.tracks[0].duration == end + 35


def test_overwrite_replaces_what_lies_under_it_and_nothing_moves(document: Project) -> None:
    track = document.timeline.tracks[0]
    length = track.duration
    edits.overwrite(document, v1(document), 40, Still(id="x", media_id="m-still", duration=20))
    assert track.duration == length
    assert shape(document)[:3] == [("Clip", "c-1", 40), ("Still", "x", 20), ("Still", "s-1", 14)]


def test_split_keeps_frames_and_outer_transitions(document: Project) -> None:
    edits.split(document, "g-1", 80, new_item_id="g-1b")
    track = document.timeline.tracks[0]
    left, right = track.items[4], track.items[5]
    assert (left.id, right.id) == ("g-1", "g-1b")
    assert left.source == FrameRange(0, 6) and right.source == FrameRange(6, 42)
    # both halves show the same take files, as independent shots with ids of their own
    assert [t.path for t in right.generation.takes] == [t.path for t in left.generation.takes]
    assert right.generation.active_take.path == left.generation.active_take.path
    assert {t.id for t in right.generation.takes}.isdisjoint(t.id for t in left.generation.takes)
    assert isinstance(track.items[3], Transition)  # the bridge into g-1 stays
    with pytest.raises(EditError, match="inside the item"):
        edits.split(document, "g-1", 74)  # at its start: not inside


def test_ripple_delete_closes_the_hole_and_drops_its_transitions(document: Project) -> None:
    edits.ripple_delete(document, "s-1")
    assert shape(document)[:2] == [("Clip", "c-1", 50), ("Generated", "g-1", 48)]


def test_ripple_delete_before_a_gap_at_the_end_leaves_no_trailing_gap(document: Project) -> None:
    edits.ripple_delete(document, "c-2")
    assert shape(document)[-1] == ("Generated", "g-1", 48)


def test_lift_leaves_a_gap_and_merges_neighbouring_gaps(document: Project) -> None:
    track = document.timeline.tracks[0]
    length = track.duration
    edits.lift(document, "g-1")
    assert track.duration == length
    assert shape(document)[3:5] == [("Gap", shape(document)[3][1], 60), ("Clip", "c-2", 40)]


def test_trim_ripple_moves_later_items(document: Project) -> None:
    track = document.timeline.tracks[0]
    edits.trim(document, "c-1", in_delta=5, out_delta=-5)
    assert track.items[0].source == FrameRange(15, 40)
    assert track.start_of(track.index_of("s-1")) == 40


def test_trim_without_ripple_uses_the_gaps(document: Project) -> None:
    track = document.timeline.tracks[0]
    start_c2 = track.start_of(track.index_of("c-2"))
    edits.trim(document, "g-1", out_delta=-8, ripple=False)
    assert track.start_of(track.index_of("c-2")) == start_c2
    assert shape(document)[5] == ("Gap", "gap-1", 20)
    edits.trim(document, "c-2", in_delta=-20, ripple=False)  # eats the whole gap
    assert "gap-1" not in [e.id for e in track.items]
    assert track.start_of(track.index_of("c-2")) == start_c2 - 20
    with pytest.raises(EditError, match="no room"):
        edits.trim(document, "c-2", in_delta=-1, ripple=False)


@pytest.mark.parametrize("kwargs, message", [
    ({"out_delta": 100}, "past the end"),  # c-1 is frames 10-60 of a 120-frame clip
    ({"in_delta": -11}, "past the start"),
    ({"in_delta": 50}, "at least one frame"),
])
def test_impossible_trims_raise_and_change_nothing(document: Project, kwargs: dict,
                                                   message: str) -> None:
    before = copy.deepcopy(document)
    with pytest.raises(EditError, match=message):
        edits.trim(document, "c-1", **kwargs)
    assert document == before


def test_shrinking_an_item_under_its_transition_removes_the_transition(document: Project) -> None:
    edits.trim(document, "s-1", out_delta=-20)  # s-1 is 4 frames; the 12-frame bridge needs 6
    assert "t-2" not in [e.id for e in document.timeline.tracks[0].items]
    assert "t-1" in [e.id for e in document.timeline.tracks[0].items]


def test_move_overwrite_and_ripple(document: Project) -> None:
    track = document.timeline.tracks[0]
    length = track.duration
    edits.move(document, "c-2", v1(document), 0)
    assert shape(document)[0] == ("Clip", "c-2", 40)
    assert shape(document)[1] == ("Clip", "c-1", 10)  # the rest of c-1 after c-2 covered it
    assert track.duration == length - 40 - 12  # c-2's old place and the gap are trailing: gone
    document2 = copy.deepcopy(document)
    edits.move(document2, "s-1", v1(document2), 0, ripple=True)
    assert shape(document2)[0] == ("Still", "s-1", 24)


def test_failed_move_changes_nothing(document: Project) -> None:
    before = copy.deepcopy(document)
    with pytest.raises(EditError):
        edits.move(document, "c-2", "no-such-track", 0)
    assert document == before


def test_set_spec_duration_keeps_showing_the_whole_take(document: Project) -> None:
    edits.set_spec(document, "g-1", duration=72)
    _track, _i, item = document.find("g-1")
    assert item.source == FrameRange(0, 72) and item.generation.spec.duration == 72


def test_set_spec_refuses_bad_values(document: Project) -> None:
    before = copy.deepcopy(document)
    for fields in ({"steps": 0}, {"duration": 10}, {"colour": "red"}, {"guidance": -1.0}):
        with pytest.raises(EditError):  # duration 10 leaves pin-2 (at 40) outside the shot
            edits.set_spec(document, "g-1", **fields)
    with pytest.raises(EditError, match="prompt and takes"):
        edits.set_spec(document, "c-1", prompt="x")
    assert document == before


def test_takes(document: Project) -> None:
    edits.add_take(document, "g-1", take(1, "queued"), activate=False)
    generation = document.find("g-1")[2].generation
    assert generation.active_take_id == "take-1" and len(generation.takes) == 3
    edits.update_take(document, "g-1", "take-n1", status="done")
    edits.choose_take(document, "g-1", "take-n1")
    generation = document.find("g-1")[2].generation
    assert generation.active_take.status == "done" and generation.active_take_id == "take-n1"
    edits.remove_take(document, "g-1", "take-n1")
    assert document.find("g-1")[2].generation.active_take_id is None
    with pytest.raises(EditError):
        edits.choose_take(document, "g-1", "take-n1")
    with pytest.raises(EditError, match="already has a take"):
        edits.add_take(document, "g-1", dataclasses.replace(take(3), id="take-2"))
    with pytest.raises(EditError, match="inside the project"):
        edits.add_take(document, "g-1", dataclasses.replace(take(4), path="../../etc/passwd"))


def test_first_take_becomes_active_even_when_not_asked(document: Project) -> None:
    spec = GeneratedSpec(kind="shot", prompt="p", duration=10)
    edits.append(document, v1(document), Generated(id="g-new", generation=Generation(spec=spec),
                                                   source=FrameRange(0, 10)))
    edits.add_take(document, "g-new", take(5), activate=False)
    assert document.find("g-new")[2].generation.active_take_id == "take-n5"


def test_transitions(document: Project) -> None:
    edits.set_transition(document, "g-1", "crossfade", 7, transition_id="t-new")
    t = document.find("t-new")[2]
    assert (t.in_offset, t.out_offset) == (3, 4)
    with pytest.raises(EditError, match="longer than"):
        edits.set_transition(document, "c-1", "crossfade", 200)
    with pytest.raises(EditError, match="after this one"):
        edits.set_transition(document, "c-2", "crossfade", 4)
    with pytest.raises(EditError, match="only a bridge"):
        edits.set_transition(document, "c-1", "bridge", 4)
    edits.set_transition(document, "c-1", "cut")
    assert "t-1" not in [e.id for e in document.timeline.tracks[0].items]


def test_new_items_are_checked(document: Project) -> None:
    before = copy.deepcopy(document)
    bad = [
        Clip(id="c-1", media_id="m-clip", source=FrameRange(0, 5)),  # duplicate id
        Clip(id="x", media_id="nope", source=FrameRange(0, 5)),  # unknown media
        Still(id="x", media_id="m-clip", duration=5),  # a clip used as a still
        Clip(id="x", media_id="m-clip", source=FrameRange(100, 50)),  # past the clip's end
        Gap(id="x", duration=0),
        Transition(id="x", kind="cut"),
    ]
    for item in bad:
        with pytest.raises(EditError):
            edits.insert(document, v1(document), 0, item)
    with pytest.raises(EditError, match="start at 0"):
        edits.insert(document, v1(document), -1, Still(id="x", media_id="m-still", duration=5))
    with pytest.raises(DocumentError):
        FrameRange(0, -1)
    assert document == before


def test_media_and_tracks(document: Project) -> None:
    media = MediaRef(id="m-3", path="x.png", kind="still",
                     fingerprint=document.media["m-still"].fingerprint)
    edits.add_media(document, media)
    with pytest.raises(EditError, match="already"):
        edits.add_media(document, media)
    edits.remove_media(document, "m-3")
    with pytest.raises(EditError, match="still used"):
        edits.remove_media(document, "m-still")  # used by a still and by a pin
    edits.add_track(document, name="Top", track_id="track-top")
    assert document.timeline.tracks[-1].name == "Top"
    with pytest.raises(DocumentError):
        edits.set_project(document, rate="fast")
    with pytest.raises(EditError):
        edits.set_project(document, width=7)


def test_events_describe_every_change(document: Project) -> None:
    seen: list[tuple] = []
    ev = document.events
    ev.item_added.connect(lambda t, i, e: seen.append(("added", i, e.id)))
    ev.item_removed.connect(lambda t, i, e: seen.append(("removed", i, e.id)))
    ev.item_changed.connect(lambda t, i, old, new: seen.append(("changed", i, new.id)))
    ev.media_changed.connect(lambda mid, old, new: seen.append(("media", mid)))
    edits.trim(document, "s-1", out_delta=2)
    assert seen == [("changed", 2, "s-1")]
    seen.clear()
    change = edits.ripple_delete(document, "c-2")
    assert ("removed", 6, "c-2") in seen
    seen.clear()
    changes.revert(document, change)
    assert ("added", 6, "c-2") in seen
    seen.clear()
    edits.relink_media(document, "m-clip", "elsewhere.mp4")
    assert seen == [("media", "m-clip")]


def test_a_broken_listener_does_not_stop_the_others(document: Project) -> None:
    seen = []

    def broken(*args: object) -> None:
        raise RuntimeError("view bug")

    document.events.item_changed.connect(broken)
    document.events.item_changed.connect(lambda *a: seen.append(a))
    with pytest.raises(RuntimeError):
        edits.trim(document, "s-1", out_delta=2)
    assert len(seen) == 1


def test_replaying_a_change_on_a_diverged_document_is_refused(document: Project) -> None:
    change = edits.trim(document, "s-1", out_delta=2)
    changes.revert(document, change)
    edits.trim(document, "s-1", out_delta=5)
    with pytest.raises(EditError, match="changed underneath"):
        changes.apply(document, change)


def test_pin_validation(document: Project) -> None:
    pins = (Pin(id="p-x", media_id="m-still", source=FrameRange(0, 2), at=0),)
    with pytest.raises(EditError, match="frame 0 only"):
        edits.set_spec(document, "g-1", pins=pins)
    pins = (Pin(id="p-x", media_id="m-clip", source=FrameRange(0, 8), at=45),)
    with pytest.raises(EditError, match="does not fit"):
        edits.set_spec(document, "g-1", pins=pins)


def test_clip_bounds_count_frames_at_the_project_rate(document: Project) -> None:
    # m-clip: 120 frames; at 24 fps inside this 30000/1001 project it covers 150 project frames
    document.media["m-clip"] = dataclasses.replace(document.media["m-clip"],
                                                   probe={"frames": 120, "rate": "24"})
    assert document.media["m-clip"].length_at(document.rate) == 150
    edits.trim(document, "c-2", out_delta=50)  # c-2 was 60-100: 60-150 now fits
    validate(document)
    with pytest.raises(EditError, match="150 frames"):
        edits.trim(document, "c-2", out_delta=1)
