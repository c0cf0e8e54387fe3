"""Seam and drift measures: jumps as multiples of the median change, colour drift in Delta E."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.operations.planner import Clip, Operation, make_plan
from engine.operations.runner import run_plan, write_outputs
from engine.operations.seams import Segment, delta_e, measure
from engine.output.video import read_settings, write_video
from engine.protocol.requests import GenerationRequest, ModelConstraints
from support.fake_models import FakeCache, PinModel, picture


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
