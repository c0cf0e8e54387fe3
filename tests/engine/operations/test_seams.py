"""Seam and drift measures: jumps as multiples of the median change, colour drift in Delta E."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.operations.planner import Clip, Operation, Plan, make_plan
from engine.operations.rematch import COLOUR_LIMIT, better, mark_visible, rematch
from engine.operations.runner import join, run_plan, seam_measures, write_outputs
from engine.operations.seams import Segment, delta_e, measure, travel
from engine.output.video import read_settings, write_video
from engine.protocol.requests import GenerationRequest, ModelConstraints
from support.fake_models import FakeCache, PinModel, picture, prompt_of


def _ramp(levels: list[int]) -> np.ndarray:
    return np.stack([np.full((8, 8, 3), v, np.uint8) for v in levels])


def test_a_smooth_join_is_one_median_change_and_a_cut_is_many() -> None:
    smooth = _ramp(list(range(0, 40, 2)))
    measured = measure(smooth, [Segment("a", 0, 10), Segment("b", 10, 10)], smooth)
    assert measured["median_change"] == 2.0
    (join,) = measured["joins"]
    assert join["at"] == 10 and join["between"] == ["a", "b"] and join["jump"] == 1.0
    cut = _ramp([*range(0, 20, 2), *range(120, 140, 2)])
    assert measure(cut, [Segment("a", 0, 10), Segment("b", 10, 10)], cut)["max_jump"] == 51.0


def test_drift_is_delta_e_of_the_mean_colours_against_the_first_segment() -> None:
    grey, lighter = _ramp([100] * 4), _ramp([110] * 4)
    frames = np.concatenate([grey, grey, lighter])
    measured = measure(frames, [Segment(n, 4 * i, 4) for i, n in enumerate("abc")], frames,
                       wrap=True)
    assert [j["between"] for j in measured["joins"]] == [["a", "b"], ["b", "c"], ["c", "a"]]
    assert measured["joins"][0]["delta_e_first"] == 0.0
    assert measured["max_delta_e_first"] == round(delta_e(lighter, grey), 3) > 3


def test_the_dominant_colour_drift_leaves_an_object_s_size_alone() -> None:
    small = np.full((4, 16, 16, 3), (50, 90, 220), np.uint8)  # blue, a red square growing
    large = small.copy()
    small[:, 6:9, 6:9] = (220, 50, 50)
    large[:, 3:12, 3:12] = (220, 50, 50)
    frames = np.concatenate([small, large])
    measured = measure(frames, [Segment("a", 0, 4), Segment("b", 4, 4)], frames)
    assert measured["max_delta_e_first"] > 5 and measured["max_dominant_delta_e_first"] == 0.0
    tinted = np.concatenate([small, np.clip(small.astype(int) + 12, 0, 255).astype(np.uint8)])
    measured = measure(tinted, [Segment("a", 0, 4), Segment("b", 4, 4)], tinted)
    assert measured["joins"][0]["dominant_delta_e_first"] > 3


def test_every_take_records_its_seams(tmp_path: Path) -> None:
    pictures = np.stack([picture(100, 40) for _ in range(12)])
    clip = Clip(str(write_video(pictures, 24, tmp_path / "a.mp4")), 12)
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("extend_forward", 20, (clip,), window=13), tmp_path)
    take = run_plan(plan, lambda *_: None, FakeCache(PinModel()))  # type: ignore[arg-type]
    written, seams = write_outputs(plan, take, tmp_path / "t.mp4", tmp_path / "j.mp4")
    names = [join["between"] for join in seams["joins"]]
    assert names[0] == ["clip a.mp4", "window 0"] and len(names) == len(plan.windows)
    assert all(read_settings(path)["seams"] == seams for path in written)


def _plan(tmp_path: Path, kind: str, *levels: int) -> tuple[Plan, np.ndarray]:
    clips = tuple(Clip(str(write_video(np.stack([picture(level, 40)] * 12), 24,
                                       tmp_path / f"{i}.mp4")), 12)
                  for i, level in enumerate(levels))
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation(kind, 16, clips), tmp_path)
    return plan, join(plan, np.zeros((plan.take_frames, 32, 32, 3), np.uint8))


def test_a_take_off_colour_at_its_clip_is_matched_again(tmp_path: Path) -> None:
    plan, _ = _plan(tmp_path, "extend_forward", 100)
    take = np.stack([picture(100, 40)] * plan.take_frames).astype(np.int16)
    take[..., 0] += 60  # a red cast over the whole take
    take = np.clip(take, 0, 255).astype(np.uint8)
    before = seam_measures(plan, take, join(plan, take))
    graded, matched = rematch(plan, take, join(plan, take))
    assert matched == ["start"]
    after = seam_measures(plan, graded, join(plan, graded))
    assert before["joins"][0]["delta_e"] > COLOUR_LIMIT > after["joins"][0]["delta_e"]
    assert better(after, before)
    # Written, the take is the graded one, and its record says so.
    _, seams = write_outputs(plan, take, tmp_path / "t.mp4")
    assert seams["matched"] == ["start"] and seams["joins"][0]["delta_e"] < COLOUR_LIMIT


def test_a_take_whose_colour_already_matches_is_left_alone(tmp_path: Path) -> None:
    plan, _ = _plan(tmp_path, "extend_forward", 100)
    take = np.stack([picture(100, 40)] * plan.take_frames)
    graded, matched = rematch(plan, take, join(plan, take))
    assert matched == [] and graded is take
    _, seams = write_outputs(plan, take, tmp_path / "t.mp4")
    assert seams["matched"] == [] and all(not j["visible"] for j in seams["joins"])


def test_a_bridge_is_graded_from_one_clip_s_colour_to_the_other_s(tmp_path: Path) -> None:
    plan, _ = _plan(tmp_path, "bridge", 60, 200)
    take = np.stack([picture(130, 40)] * plan.take_frames)  # neither clip's colour
    before = seam_measures(plan, take, join(plan, take))
    graded, matched = rematch(plan, take, join(plan, take))
    assert matched == ["start", "end"]
    after = seam_measures(plan, graded, join(plan, graded))
    for old, new in zip(before["joins"], after["joins"], strict=True):
        assert new["delta_e"] < old["delta_e"] / 2 and new["jump"] < old["jump"] / 10
    assert prompt_of(graded[0]) < prompt_of(graded[len(graded) // 2]) < prompt_of(graded[-1])


def test_a_join_shows_when_its_jump_is_above_2x_whatever_its_colour() -> None:
    seams = {"joins": [{"between": ["clip a.mp4", "window 0"], "jump": 2.5, "delta_e": 1.0},
                       {"between": ["window 0", "window 1"], "jump": 1.2, "delta_e": 0.5},
                       {"between": ["window 1", "clip b.mp4"], "jump": 1.3, "delta_e": 9.0}]}
    marked = mark_visible(seams, ["end"])
    assert [j["visible"] for j in marked["joins"]] == [True, False, False]
    assert marked["matched"] == ["end"]


def test_travel_tells_a_cut_from_a_bridge_that_moves_from_a_to_b() -> None:
    cut = _ramp([40] * 10 + [200] * 10)
    assert travel(cut) == {"delta_e": travel(cut)["delta_e"], "largest_step": 1.0,
                           "frames_10_90": 1}
    fade = _ramp(list(range(40, 201, 10)))  # 17 frames, 16 even steps
    moved = travel(fade)
    assert moved is not None and moved["largest_step"] < 0.1 and moved["frames_10_90"] >= 12
    assert travel(_ramp([100] * 5 + [101] * 5)) is None  # the same scene: nothing to travel


def test_a_bridge_s_record_says_how_it_travels(tmp_path: Path) -> None:
    plan, _ = _plan(tmp_path, "bridge", 60, 200)
    cut = np.stack([picture(60, 40)] * (plan.take_frames // 2)
                   + [picture(200, 40)] * (plan.take_frames - plan.take_frames // 2))
    fade = np.stack([picture(round(v), 40) for v in np.linspace(60, 200, plan.take_frames + 2)])
    at_cut = seam_measures(plan, cut, join(plan, cut))["travel"]
    along = seam_measures(plan, fade[1:-1], join(plan, fade[1:-1]))["travel"]
    assert at_cut["largest_step"] > 0.9 and at_cut["frames_10_90"] == 1
    assert along["largest_step"] < 0.15 and along["frames_10_90"] > plan.take_frames // 2
    # Only a bridge has two different ends to travel between.
    forward, _ = _plan(tmp_path / "f", "extend_forward", 100)
    still = np.stack([picture(100, 40)] * forward.take_frames)
    assert "travel" not in seam_measures(forward, still, join(forward, still))
