"""A long shot's window whose object drifts the take's colour is made again with another seed,
and the one that drifted least is kept: the hold on the dominant colour cannot undo a growing
object, and frameloom-mini's long shots drift that way."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.backends.common import clip_frames
from engine.cli.generate import add_generate_flags, operation_spec_from_args, seam_report
from engine.operations.planner import Clip, Operation, Plan, PlanError, make_plan
from engine.operations.runner import (
    _RESEED,
    DRIFT_RETRIES,
    join,
    run_plan,
    seam_measures,
    write_outputs,
)
from engine.output.video import write_video
from engine.protocol.requests import (
    GenerationRequest,
    ModelConstraints,
    OperationSpec,
    RequestError,
)
from support.fake_models import FakeCache

_BLUE, _RED = (50, 90, 220), (220, 50, 50)


def _square(side: int) -> np.ndarray:
    image = np.full((32, 32, 3), _BLUE, np.uint8)
    at = 16 - side // 2
    image[at:at + side, at:at + side] = _RED
    return image


def _side(image: Any) -> int:
    red = (np.asarray(image)[..., 0] > 150) & (np.asarray(image)[..., 2] < 120)
    return round(float(np.sqrt(red.sum())))


class _GrowingModel:
    """Pinned frames come back as pinned; every free frame shows the last pinned frame's red
    square ``grow[t]`` pixels wider, where ``t`` is how many times the window was made again
    (its seed is the planner's plus ``t`` times the runner's reseed step)."""

    def __init__(self, grow: tuple[int, ...]) -> None:
        self.grow, self.seeds = grow, list[int]()

    def generate(self, request: Any, on_step: Any) -> np.ndarray:
        self.seeds.append(request.seed)
        frames = [_square(8)] * request.frames
        for pin in request.pins:
            assert pin.frame_start is not None
            for j, image in enumerate(clip_frames(pin, pin.frame_start, pin.frame_count, 32, 32)):
                frames[pin.target_frame + j] = np.asarray(image)
        last = max((pin.target_frame + pin.frame_count for pin in request.pins), default=0)
        tries = request.seed // _RESEED
        side = _side(frames[last - 1]) + self.grow[min(tries, len(self.grow) - 1)] if last else 8
        on_step(1, 2, None)
        on_step(2, 2, None)
        return np.stack(frames[:last] + [_square(side)] * (request.frames - last))


def _shot(tmp_path: Path) -> Plan:
    base = GenerationRequest("frameloom-mini", "a red square", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("shot", 60, window=25), tmp_path)
    assert plan.operation == "long_shot" and len(plan.windows) == 3
    return plan


def _run(plan: Plan, model: _GrowingModel, **kwargs: Any) -> tuple[np.ndarray, dict[str, float],
                                                                      float]:
    """The take, the windows made again (from the record) and the take's largest drift."""
    record: dict[str, float] = {}
    take = run_plan(plan, lambda *_: None, FakeCache(model),  # type: ignore[arg-type]
                    mended=record, **kwargs)
    again = {name: tries for name, tries in record.items() if name.endswith("made again")}
    return take, again, seam_measures(plan, take, join(plan, take))["max_delta_e_first"]


def test_a_window_whose_object_grows_is_made_again_and_the_steady_one_kept(
        tmp_path: Path) -> None:
    model = _GrowingModel((2, 0))  # as made, each window grows the square; made again, not
    take, record, drift = _run(_shot(tmp_path), model)
    assert record == {"window 1 made again": 1.0, "window 2 made again": 1.0}
    assert model.seeds == [0, 1, 1 + _RESEED, 2, 2 + _RESEED]
    assert {_side(frame) for frame in take} == {8} and drift < 1.0  # the codec's rounding


def test_progress_holds_while_a_window_is_made_again(tmp_path: Path) -> None:
    plan = _shot(tmp_path)
    steps: list[tuple[int, int, int, int]] = []
    run_plan(plan, lambda k, n, done, total, _: steps.append((k, n, done, total)),
             FakeCache(_GrowingModel((2, 0))))  # type: ignore[arg-type]
    assert steps == [(0, 3, 1, 2), (0, 3, 2, 2),
                     (1, 3, 1, 2), (1, 3, 2, 2), (1, 3, 2, 2), (1, 3, 2, 2),  # made again
                     (2, 3, 1, 2), (2, 3, 2, 2), (2, 3, 2, 2), (2, 3, 2, 2)]


def test_without_retries_the_growing_object_drifts_the_take(tmp_path: Path) -> None:
    model = _GrowingModel((2, 0))
    take, record, drift = _run(_shot(tmp_path), model, retries=0)
    assert record == {} and model.seeds == [0, 1, 2]
    assert _side(take[-1]) > 9 and drift > 3.0  # wider each window: many Delta E


def test_the_least_drifting_try_is_kept_when_none_is_within_the_limit(tmp_path: Path) -> None:
    assert DRIFT_RETRIES == 2
    model = _GrowingModel((6, 4, 5))  # the first retry drifts least, though still too much
    take, record, drift = _run(_shot(tmp_path), model)
    assert record == {"window 1 made again": 2.0, "window 2 made again": 2.0}
    assert len(model.seeds) == 1 + 2 * 3
    steady, _, least = _run(_shot(tmp_path / "steady"), _GrowingModel((4,)), retries=0)
    assert _side(take[-1]) == _side(steady[-1]) and drift == least > 3.0


def test_an_operation_s_window_is_never_made_again(tmp_path: Path) -> None:
    clip = Clip(str(write_video(np.stack([_square(8)] * 12), 24, tmp_path / "a.mp4")), 12)
    base = GenerationRequest("frameloom-mini", "a red square", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("extend_forward", 20, (clip,)), tmp_path)
    model = _GrowingModel((6, 0))
    _run(plan, model)
    assert model.seeds == [0]  # an operation continues its clip: no hold, no retry


def test_the_command_line_says_which_windows_were_made_again(tmp_path: Path) -> None:
    plan = _shot(tmp_path)
    record: dict[str, float] = {}
    take = run_plan(plan, lambda *_: None, FakeCache(_GrowingModel((2, 0))),  # type: ignore[arg-type]
                    mended=record)
    _, seams = write_outputs(plan, take, tmp_path / "take.mp4", mended=record)
    lines = seam_report(seams)
    assert len(seams["joins"]) == 2 and all(line.startswith("seam: ") for line in lines[:2])
    assert lines[2:] == [
        "note: window 1 drifted in colour and was made again 1 time with another seed.",
        "note: window 2 drifted in colour and was made again 1 time with another seed."]


def test_an_operation_s_retries_reach_the_runner_and_its_record(tmp_path: Path) -> None:
    base = GenerationRequest("frameloom-mini", "a red square", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("shot", 60, window=25, retries=0), tmp_path)
    assert plan.retries == 0 and plan.to_dict()["retries"] == 0
    model = _GrowingModel((2, 0))
    _run(plan, model)
    assert model.seeds == [0, 1, 2]  # the operation said never
    with pytest.raises(PlanError, match="0 to 8 times"):
        make_plan(base, ModelConstraints(32, (4, 1), 257),
                  Operation("shot", 60, window=25, retries=9), tmp_path)
    with pytest.raises(RequestError, match="retries"):
        OperationSpec("shot", 60, retries=-1)
    assert OperationSpec.from_dict(OperationSpec("shot", 60, retries=3).to_dict()).retries == 3


def test_the_command_line_flag_sets_an_operation_s_retries() -> None:
    parser = argparse.ArgumentParser()
    add_generate_flags(parser)
    base = GenerationRequest("frameloom-mini", "a red square", 192, 128, 25, 24, 0, 1, 1.0)
    asked = operation_spec_from_args(parser.parse_args(["--duration", "4", "--drift-retries",
                                                        "1"]), base)
    plain = operation_spec_from_args(parser.parse_args(["--duration", "4"]), base)
    assert asked is not None and asked.retries == 1
    assert plain is not None and plain.retries is None
    # Asked of a plain request, the flag makes it an operation, so the planner's note says
    # that a one-window take has no window to make again (rather than the flag doing nothing).
    one = operation_spec_from_args(parser.parse_args(["--drift-retries", "3"]), base)
    assert one is not None and (one.kind, one.retries) == ("shot", 3)
    assert operation_spec_from_args(parser.parse_args([]), base) is None


def test_retries_asked_of_a_one_window_take_are_noted(tmp_path: Path) -> None:
    base = GenerationRequest("frameloom-mini", "a red square", 32, 32, 9, 24, 0, 1, 1.0)
    constraints = ModelConstraints(32, (4, 1), 257)
    clip = Clip(str(write_video(np.stack([_square(8)] * 12), 24, tmp_path / "a.mp4")), 12)
    for op in (Operation("shot", 21, retries=2),
               Operation("extend_forward", 20, (clip,), retries=2)):
        plan = make_plan(base, constraints, op, tmp_path)
        assert [n for n in plan.notes if "drift retries" in n] == [
            "the drift retries (2) apply only to a long shot's later windows; this take has "
            "none, so none are made again."]
    for op in (Operation("shot", 60, window=25, retries=2), Operation("shot", 21),
               Operation("shot", 21, retries=0)):
        assert not [n for n in make_plan(base, constraints, op, tmp_path).notes
                    if "drift retries" in n]
