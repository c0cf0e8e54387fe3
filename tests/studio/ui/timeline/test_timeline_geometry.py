"""Timeline maths without Qt: frames and pixels, layouts, hit testing, snapping and drags."""

from __future__ import annotations

from fractions import Fraction

import pytest

from studio.document.model import Gap, Track, Transition
from studio.ui.timeline.timeline_drag import Drag, MoveRequest, TrimRequest
from studio.ui.timeline.timeline_geometry import (
    MAX_PIXELS_PER_FRAME,
    MIN_PIXELS_PER_FRAME,
    TrackLayout,
    Viewport,
    hit_part,
    hit_test,
    snap,
    snap_edge,
    snap_span,
    snap_targets,
    tick_step,
)


def _track(*durations: int, transition_after: int | None = None) -> Track:
    items: list = []
    for n, duration in enumerate(durations):
        items.append(Gap(id=f"i{n}", duration=duration))
        if n == transition_after:
            items.append(Transition(id="t", kind="crossfade", in_offset=2, out_offset=3))
    return Track(id="v1", items=items)


@pytest.mark.parametrize("ppf", [0.25, 1.0, 4.0, 12.5])
def test_frames_and_pixels_round_trip_at_several_zooms(ppf: float) -> None:
    view = Viewport(ppf, scroll=40)
    for frame in (0, 1, 7, 100, 2399):
        x = view.frame_to_x(frame)
        assert x == frame * ppf - 40
        assert view.x_to_frame(x + ppf / 2) == frame  # the middle of the frame's pixels
        assert view.nearest_frame(x) == frame
    first, end = view.frames_in(800)
    assert first == int(40 // ppf) and end == int((840) // ppf) + 1


def test_zoom_keeps_the_anchor_frame_in_place_and_is_clamped() -> None:
    view = Viewport(2.0, scroll=100)
    at = view.x_to_frame(300)
    view.zoom_to(8.0, anchor_x=300)
    assert view.x_to_frame(300) == at and view.pixels_per_frame == 8.0
    view.zoom_to(1e9)
    assert view.pixels_per_frame == MAX_PIXELS_PER_FRAME
    view.zoom_to(0)
    assert view.pixels_per_frame == MIN_PIXELS_PER_FRAME and view.scroll >= 0


def test_layout_finds_items_by_binary_search() -> None:
    layout = TrackLayout(_track(10, 20, 5, transition_after=0))
    assert layout.starts == [0, 10, 30] and layout.ends == [10, 30, 35]
    assert [s.cut for s in layout.transitions] == [10]
    assert (layout.transitions[0].start, layout.transitions[0].end) == (8, 13)
    assert layout.index_at(0) == 0 and layout.index_at(10) == 1 and layout.index_at(34) == 2
    assert layout.index_at(35) is None and layout.index_at(-1) is None
    assert list(layout.visible(12, 31)) == [1, 2]
    assert list(layout.visible(0, 10)) == [0]
    assert list(layout.visible(40, 50)) == []
    big = TrackLayout(_track(*[3] * 1000))
    assert list(big.visible(1500, 1507)) == [500, 501, 502]


def test_hit_test_tells_body_from_edges() -> None:
    layout = TrackLayout(_track(10, 20))
    view = Viewport(4.0)  # item 1 spans x 40..120
    assert hit_test(layout, view, 41) == (1, "in")
    assert hit_test(layout, view, 80) == (1, "body")
    assert hit_test(layout, view, 118) == (1, "out")
    assert hit_test(layout, view, 500) is None
    # A 6-pixel item keeps a body: the edge zones shrink to a third each.
    assert [hit_part(x, 0, 6, 6) for x in (0, 3, 5)] == ["in", "body", "out"]


def test_snapping_to_edges_and_the_playhead() -> None:
    layouts = [TrackLayout(_track(10, 20)), TrackLayout(Track(id="v2", items=[
        Gap(id="x", duration=15)]))]
    targets = snap_targets(layouts, extra=[42], exclude="i1")
    assert targets == [0, 10, 15, 42]
    assert snap(13, targets, 2) == 15 and snap(13, targets, 1) is None
    assert snap_edge(41, targets, 2) == 42 and snap_edge(30, targets, 2) == 30
    # A 5-frame span dropped at 38 snaps its end (43) to 42: start 37.
    assert snap_span(38, 5, targets, 2) == 37
    assert snap_span(11, 5, targets, 2) == 10  # its start is nearer a target than its end
    assert snap_span(-3, 5, [], 2) == 0


def test_tick_step_keeps_labels_apart() -> None:
    assert tick_step(10, 24) == 10  # 10 frames are 100 px
    assert tick_step(3, 24) == 48  # 1 s would be 72 px: 2 s
    assert tick_step(100, 24) == 1
    assert tick_step(0.1, 24) == 24 * 60
    assert tick_step(0.1, 30) * 0.1 >= 90


def test_a_body_drag_moves_with_snapping_and_an_edge_drag_trims_with_a_readout() -> None:
    view = Viewport(2.0)
    drag = Drag(1, "i1", "v1", "body", start=10, duration=20, press_x=40,
                targets=[0, 42, 100], snap_px=8)
    assert drag.update(41, "v1", view) is None  # still a click
    # 10 frames right puts the end at 40, within 4 frames (8 px) of 42: the end snaps there.
    assert drag.update(60, None, view) == MoveRequest("i1", "v1", 22)
    assert drag.update(60, None, view) is None  # unchanged
    assert drag.update(102, "v2", view) == MoveRequest("i1", "v2", 42)  # 41 snaps to 42
    assert drag.ghost() == ("v2", 42, 62)

    trim = Drag(2, "i1", "v1", "out", start=10, duration=20, press_x=60, targets=[35])
    total = trim.update(69, None, view)
    assert total == TrimRequest("i1", 0, 5)  # end 30 + 4.5 -> 34.5 rounds to 34, snaps to 35
    assert trim.update(80, None, view) == TrimRequest("i1", 0, 10)  # the whole trim so far
    assert trim.readout(Fraction(24)) == "+00:00:00:10 ripple"
    # Alt held swaps ripple and overwrite: the same edge, now without ripple.
    assert trim.update(80, None, view, toggled=True) == TrimRequest("i1", 0, 10, ripple=False)
    assert trim.readout(Fraction(24)) == "+00:00:00:10 overwrite"
    assert drag.update(102, "v2", view, toggled=True) == MoveRequest("i1", "v2", 42, True)
    assert drag.readout(Fraction(24)) == "+00:00:01:08 ripple"  # 32 frames at 24 fps
    shrink = Drag(3, "i1", "v1", "in", start=10, duration=20, press_x=20)
    assert shrink.update(200, None, view) == TrimRequest("i1", 19, 0)  # one frame remains
