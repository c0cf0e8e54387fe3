"""The planner: fitted requests, pin ranges and exact trims for every operation, and refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.operations.planner import (
    Clip,
    Cue,
    Operation,
    Part,
    Plan,
    PlanError,
    fit_down,
    fit_up,
    make_plan,
    prompt_at,
)
from engine.protocol.requests import FrameRange, GenerationRequest, ModelConstraints, Pin

BASE = GenerationRequest("m", "base prompt", 40, 32, 9, 24, seed=7, steps=2, guidance=3.0)
LTX = ModelConstraints(32, (8, 1), 257)
TINY = ModelConstraints(32, (4, 1), 257)
A, B = Clip("/a.mp4", 30), Clip("/b.mp4", 20)
SCRATCH = Path("/scratch")


def plan(constraints: ModelConstraints, kind: str, frames: int, *clips: Clip,
         **options: object) -> Plan:
    op = Operation(kind, frames, clips, **options)  # type: ignore[arg-type]
    return make_plan(BASE, constraints, op, SCRATCH)


def pins(p: Plan) -> list[tuple[str, int, int | None, int]]:
    return [(q.path, q.target_frame, q.frame_start, q.frame_count)
            for w in p.windows for q in w.request.pins]


def test_fit_up_and_down_follow_the_rule() -> None:
    assert [fit_up(n, (8, 1)) for n in (1, 2, 9, 10, 17)] == [1, 9, 9, 17, 17]
    assert [fit_down(n, (4, 1)) for n in (0, 1, 4, 5, 8)] == [0, 1, 1, 5, 5]


def test_shot_trims_the_rounding_and_keeps_the_pins() -> None:
    pinned = GenerationRequest("m", "p", 40, 32, 9, 24, 0, 2, 3.0, pins=(Pin("/s.png", 5),))
    p = make_plan(pinned, LTX, Operation("shot", 10), SCRATCH)
    (window,) = p.windows
    assert p.operation == "shot" and window.request.frames == 17
    assert window.keep == FrameRange(0, 10)
    assert window.request.width == 32 and window.request.pins == pinned.pins
    assert p.notes == ("width 40 became 32, a multiple of 32.",)
    assert p.joined == (Part(None, FrameRange(0, 10)),)


@pytest.mark.parametrize(("constraints", "frames", "keep", "tail"), [
    (LTX, 10, FrameRange(9, 10), (21, 9)), (TINY, 10, FrameRange(5, 10), (25, 5))])
def test_extend_forward_pins_a_window_of_the_tail(constraints: ModelConstraints, frames: int,
                                                  keep: FrameRange, tail: tuple[int, int]) -> None:
    p = plan(constraints, "extend_forward", 10, A)
    (window,) = p.windows
    assert window.request.frames == frames + keep.start + (6 if constraints is LTX else 2)
    assert window.keep == keep
    assert pins(p) == [("/a.mp4", 0, *tail)]
    assert p.joined == (Part(0, FrameRange(0, 30)), Part(None, FrameRange(0, 10)))
    assert p.joined_frames == 40


def test_a_first_frame_model_is_pinned_one_frame_of_context() -> None:
    first_frame = ModelConstraints(32, (4, 1), 257, pin_frames=1)  # Wan 2.2 TI2V, i2v models
    p = plan(first_frame, "extend_forward", 10, A)
    assert pins(p) == [("/a.mp4", 0, 29, 1)]  # the clip's last frame, held as a still
    assert p.windows[0].keep == FrameRange(1, 10)
    long_shot = plan(first_frame, "shot", 20, window=9)
    assert [q[3] for q in pins(long_shot)] == [1, 1]  # each later window pins one frame
    # An explicit context is the user's; the backend then says what it cannot hold.
    assert pins(plan(first_frame, "extend_forward", 10, A, context=5)) == [("/a.mp4", 0, 25, 5)]


def test_extend_backward_pins_the_head_at_the_end_and_drops_leading_rounding() -> None:
    p = plan(LTX, "extend_backward", 10, B)
    (window,) = p.windows
    assert window.request.frames == 25 and window.keep == FrameRange(6, 10)  # 6 = 25 - 9 - 10
    assert pins(p) == [("/b.mp4", 16, 0, 9)]  # 16 = keep.end: B follows the take at once
    assert p.joined == (Part(None, FrameRange(0, 10)), Part(0, FrameRange(0, 20)))


def test_bridge_pins_c_of_a_at_frame_0_and_widens_bs_pin_by_the_rounding() -> None:
    p = plan(LTX, "bridge", 10, A, B)
    (window,) = p.windows
    assert window.request.frames == 33 and window.keep == FrameRange(9, 10)  # 9 + 10 + 9 = 28
    assert pins(p) == [("/a.mp4", 0, 21, 9), ("/b.mp4", 19, 0, 14)]  # both in the one window
    short_b = plan(LTX, "bridge", 10, A, Clip("/b.mp4", 10))
    assert pins(short_b)[1] == ("/b.mp4", 19, 0, 10)  # B's whole 10; the last 4 are free
    assert [part.clip for part in p.joined] == [0, None, 1] and p.joined_frames == 60


def test_loop_makes_tail_take_head_continuous() -> None:
    p = plan(TINY, "loop", 7, A)
    (window,) = p.windows
    # request frames 0..4 = A[25:30], 5..11 = take, 12..16 = A[0:5]
    assert window.request.frames == 17 and window.keep == FrameRange(5, 7)
    assert pins(p) == [("/a.mp4", 0, 25, 5), ("/a.mp4", 12, 0, 5)]
    assert p.joined == (Part(0, FrameRange(0, 30)), Part(None, FrameRange(0, 7)))


def test_a_trimmed_clip_is_continued_where_its_used_part_ends() -> None:
    used = Clip("/a.mp4", 12, start=10)  # frames 10-21 of a 30-frame file: trimmed both ends
    forward = plan(LTX, "extend_forward", 10, used)
    assert pins(forward) == [("/a.mp4", 0, 13, 9)]  # frames 13-21, not the file's 21-29
    assert forward.joined == (Part(0, FrameRange(10, 12)), Part(None, FrameRange(0, 10)))
    backward = plan(LTX, "extend_backward", 10, used)
    assert pins(backward) == [("/a.mp4", 16, 10, 9)]  # leads into frame 10, not frame 0
    tail_a = Clip("/a.mp4", 20, start=5)
    bridge = plan(LTX, "bridge", 10, tail_a, Clip("/b.mp4", 15, start=4))
    assert pins(bridge) == [("/a.mp4", 0, 16, 9), ("/b.mp4", 19, 4, 14)]
    loop = plan(TINY, "loop", 7, used)
    assert pins(loop) == [("/a.mp4", 0, 17, 5), ("/a.mp4", 12, 10, 5)]
    assert loop.to_dict()["source_ranges"] == [[10, 12]]


def test_a_used_part_shorter_than_the_context_is_refused() -> None:
    with pytest.raises(PlanError, match="has 5 frames, fewer than the 9"):
        plan(LTX, "extend_forward", 10, Clip("/a.mp4", 5, start=20))


def test_long_shot_windows_overlap_by_the_context() -> None:
    p = plan(LTX, "shot", 30, window=17)
    assert p.operation == "long_shot"
    assert [w.request.frames for w in p.windows] == [17, 17, 17]
    assert [w.keep for w in p.windows] == [FrameRange(0, 17), FrameRange(0, 17), FrameRange(0, 14)]
    assert [w.blend for w in p.windows] == [0, 9, 9]  # 17 + 8 + 5 = 30
    assert [w.output for w in p.windows] == ["/scratch/window-000.mp4",
                                             "/scratch/window-001.mp4", None]
    assert pins(p) == [("/scratch/window-000.mp4", 0, 8, 9), ("/scratch/window-001.mp4", 0, 8, 9)]
    assert [w.request.seed for w in p.windows] == [7, 8, 9]


def test_a_prompt_change_splits_the_window_there() -> None:
    p = plan(LTX, "shot", 30, window=17, cues=(Cue(12, "later"),))
    # new frames 0-11 with the base prompt, then 12-19, 20-27, 28-29 with the cue's
    assert [w.keep.frames - w.blend for w in p.windows] == [12, 8, 8, 2]
    assert [w.request.prompt for w in p.windows] == ["base prompt"] + ["later"] * 3
    assert pins(p)[0] == ("/scratch/window-000.mp4", 0, 3, 9)  # frames 3-11: just before 12
    one = plan(LTX, "shot", 16, cues=(Cue(8, "later"),))  # fits one window, but is split
    assert [w.request.prompt for w in one.windows] == ["base prompt", "later"]
    short = plan(LTX, "shot", 16, cues=(Cue(3, "later"),))  # fewer frames before than c
    assert pins(short) == [("/scratch/window-000.mp4", 0, 2, 1)] and short.take_frames == 16
    same = plan(LTX, "shot", 16, cues=(Cue(8, "base prompt"),))  # no change: one window
    assert len(same.windows) == 1


def test_a_timed_prompt_outside_the_take_is_refused() -> None:
    with pytest.raises(PlanError, match=r"^The timed prompt at frame 30 is past the end of the "
                                        r"30-frame take; give a frame before it[.]$"):
        plan(LTX, "shot", 30, cues=(Cue(30, "late"),))
    with pytest.raises(PlanError, match="with timed prompts are not supported"):
        make_plan(GenerationRequest("m", "p", 32, 32, 9, 24, 0, 2, 3.0, pins=(Pin("/s.png", 0),)),
                  LTX, Operation("shot", 10, cues=(Cue(5, "q"),)), SCRATCH)


def test_long_extension_chains_from_the_clip() -> None:
    p = plan(TINY, "extend_forward", 40, A, window=17)
    assert [w.keep for w in p.windows][:2] == [FrameRange(5, 12), FrameRange(0, 17)]
    assert pins(p)[0] == ("/a.mp4", 0, 25, 5)
    assert sum(w.keep.frames - w.blend for w in p.windows) == 40


def test_prompt_in_force() -> None:
    cues = (Cue(10, "b"), Cue(5, "a"))
    assert [prompt_at(f, "base", cues) for f in (0, 4, 5, 9, 10, 99)] == \
        ["base", "base", "a", "a", "b", "b"]


@pytest.mark.parametrize(("kind", "clips", "options", "message"), [
    ("extend_forward", (Clip("/s.mp4", 8),), {}, "has 8 frames, fewer than the 9"),
    ("bridge", (A,), {}, "bridge needs 2 clips, got 1"),
    ("shot", (), {"context": 10}, "context must be a frame count the model allows (8k+1)"),
    ("shot", (), {"window": 9}, "leaves no room for new frames"),
    ("bridge", (A, B), {"window": 17}, "needs at least 25 frames in one request"),
    ("retake", (A,), {"span": FrameRange(25, 10)}, "range inside the clip's frames 0-29"),
    ("retake", (A,), {}, "A retake, and only a retake, takes a range"),
    ("dance", (), {}, "is not one of"),
])
def test_refusals_are_one_sentence(kind: str, clips: tuple[Clip, ...],
                                   options: dict[str, object], message: str) -> None:
    frames = 16 if kind == "bridge" and options else 10
    if kind == "retake" and not options:
        options = {"span": FrameRange(0, 9)}
    with pytest.raises(PlanError, match=re.escape(message)) as raised:
        plan(LTX, kind, frames, *clips, **options)
    text = str(raised.value)
    assert text[0].isupper() and text.endswith(".") and "\n" not in text


def test_retake_bridges_the_frames_either_side_of_its_range() -> None:
    p = plan(LTX, "retake", 10, A, span=FrameRange(12, 10))  # frames 12-21 of 30
    (window,) = p.windows
    assert pins(p) == [("/a.mp4", 0, 3, 9), ("/a.mp4", 19, 22, 8)]  # 3-11 before, 22-29 after
    assert window.keep == FrameRange(9, 10)
    assert p.joined == (Part(0, FrameRange(0, 12)), Part(None, FrameRange(0, 10)),
                        Part(0, FrameRange(22, 8)))
    near = plan(LTX, "retake", 10, A, span=FrameRange(3, 10))  # 3 frames before: c shrinks to 1
    assert pins(near)[0] == ("/a.mp4", 0, 2, 1)
    head = plan(LTX, "retake", 10, A, span=FrameRange(0, 10))  # an extension backwards
    assert pins(head) == [("/a.mp4", 16, 10, 9)] and head.joined[0].clip is None
    tail = plan(LTX, "retake", 10, A, span=FrameRange(20, 10))  # an extension forwards
    assert pins(tail) == [("/a.mp4", 0, 11, 9)] and tail.joined[-1].clip is None
    assert plan(LTX, "retake", 30, A, span=FrameRange(0, 30)).windows[0].request.pins == ()


def test_pins_only_on_shots() -> None:
    pinned = GenerationRequest("m", "p", 32, 32, 9, 24, 0, 2, 3.0, pins=(Pin("/s.png", 0),))
    with pytest.raises(PlanError, match="come from its clips"):
        make_plan(pinned, LTX, Operation("loop", 5, (A,)), SCRATCH)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["shot", "extend_forward", "extend_backward", "bridge", "loop"]),
       modulus=st.sampled_from([4, 8]), frames=st.integers(1, 400),
       window=st.integers(10, 120), chunks=st.integers(0, 3), clip_frames=st.integers(1, 60))
def test_take_is_what_was_asked_and_joined_is_sources_plus_take(
        kind: str, modulus: int, frames: int, window: int, chunks: int, clip_frames: int) -> None:
    constraints = ModelConstraints(32, (modulus, 1), 257)
    clip = Clip("/c.mp4", clip_frames)
    clips = {"shot": (), "bridge": (clip, clip)}.get(kind, (clip,))
    op = Operation(kind, frames, clips, context=modulus * chunks + 1, window=window)
    try:
        p = make_plan(BASE, constraints, op, SCRATCH)
    except PlanError:
        return  # too short a clip, too small a window, too long a bridge: refused in words
    assert p.take_frames == frames
    assert sum(w.keep.frames - w.blend for w in p.windows) == frames
    assert p.joined_frames == frames + sum(c.frames for c in clips if kind != "loop") + (
        clip_frames if kind == "loop" else 0)
    for w in p.windows:
        assert (w.request.frames - 1) % modulus == 0 and w.request.frames <= window
        assert w.keep.start >= 0 and w.keep.end <= w.request.frames
        covered = sorted((q.target_frame, q.target_frame + q.frame_count) for q in w.request.pins)
        if kind != "shot" and len(p.windows) == 1:
            # pins lie right beside the kept frames: nothing between them is dropped
            assert all(end == w.keep.start or start == w.keep.end for start, end in covered)


def test_a_model_window_chains_a_shot_that_names_none() -> None:
    trained = ModelConstraints(32, (4, 1), 257, window=25)
    default = plan(trained, "shot", 60)
    assert default.operation == "long_shot"
    assert [w.request.frames for w in default.windows] == [25, 25, 21]  # 25 + 20 + 15 new
    assert [w.request.frames for w in plan(trained, "shot", 60, window=61).windows] == [61]
    assert [w.request.frames for w in plan(TINY, "shot", 60).windows] == [61]


def test_a_window_longer_than_the_longest_shot_is_impossible() -> None:
    with pytest.raises(ValueError, match="impossible"):
        ModelConstraints(32, (4, 1), 49, window=57)
