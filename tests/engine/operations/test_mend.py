"""A pin's error fades out of the take where it meets a clip: the join's jump goes, the rest of
the take is the model's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engine.operations.runner as runner
from engine.backends.common import clip_frames
from engine.operations.colour import dominant_lab, hold_colour, to_lab
from engine.operations.mend import FADE, LIMIT, Edge, mend, weights
from engine.operations.planner import Clip, Cue, Operation, make_plan
from engine.operations.runner import join, run_plan, seam_measures, write_outputs
from engine.output.video import write_video
from engine.protocol.requests import FrameRange, GenerationRequest, ModelConstraints
from support.fake_models import FakeCache, PinModel, picture, prompt_level

_OFF = 10  # grey levels every frame of the shifted model is off, its pinned frames included
_STEP = 2  # grey levels a frame of time adds, on the right half of a frame


def _frame(time: int) -> np.ndarray:
    image = np.zeros((32, 32, 3), np.uint8)
    image[:, 16:] = _STEP * time  # half black, so the colour grading sees some contrast
    return image


class _ShiftedModel:
    """A model that continues the time its pinned frames show (each frame shows its time as a
    grey level) but gives every frame back ``off`` levels lighter, its pinned ones included, as
    a model whose VAE shifts colours does: its free frames follow its own version of the pins."""

    def __init__(self, period: int, off: int) -> None:
        self.period, self.off = period, off

    def generate(self, request: Any, on_step: Any) -> np.ndarray:
        offsets: list[int] = []
        for pin in request.pins:
            assert pin.frame_start is not None
            for j, image in enumerate(clip_frames(pin, pin.frame_start, pin.frame_count, 32, 32)):
                time = round(float(np.asarray(image)[:, 20:].mean()) / _STEP)
                offsets.append((time - pin.target_frame - j) % self.period)
        offset = max(set(offsets), key=offsets.count)  # the codec moves a level or so
        on_step(1, 1, None)
        frames = np.stack([_frame((offset + j) % self.period) for j in range(request.frames)])
        return np.asarray(frames.astype(np.int16) + self.off, dtype=np.uint8)


def _take(tmp_path: Path, kind: str, mended: bool, monkeypatch: pytest.MonkeyPatch,
          off: int = _OFF) -> tuple[np.ndarray, dict[str, Any], dict[str, float]]:
    length, frames = (30, 16) if kind == "retake" else (12, 30)
    starts = {"extend_backward": (frames + 5,), "bridge": (0, length + frames)}.get(kind, (0,))
    clips = tuple(Clip(str(write_video(np.stack([_frame(t) for t in range(at, at + length)]), 24,
                                       tmp_path / f"{i}.mp4")), length)
                  for i, at in enumerate(starts))
    span = FrameRange(4, frames) if kind == "retake" else None
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation(kind, frames, clips, span=span), tmp_path)
    if not mended:
        monkeypatch.setattr(runner, "mend", lambda take, _edges, *_: take)
    record: dict[str, float] = {}
    period = length + frames if kind == "loop" else 64  # a loop's clip follows its take again
    take = run_plan(plan, lambda *_: None, FakeCache(_ShiftedModel(period, off)),  # type: ignore[arg-type]
                    mended=record)
    monkeypatch.undo()
    # Measured before write_outputs grades the take's colour again, which would hide the shift.
    seams = seam_measures(plan, take, join(plan, take))
    _, written = write_outputs(plan, take, tmp_path / f"{kind}-{mended}.mp4", mended=record)
    assert written["mended"] == record
    return take, seams, record


@pytest.mark.parametrize("kind", ["extend_forward", "extend_backward", "bridge", "loop",
                                  "retake"])
def test_a_pins_error_fades_out_of_every_operations_joins(
        tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, before, _ = _take(tmp_path, kind, False, monkeypatch)
    take, after, record = _take(tmp_path, kind, True, monkeypatch)
    ends = {"extend_forward": ["start"], "extend_backward": ["end"]}.get(kind, ["start", "end"])
    assert sorted(record) == sorted(ends)
    assert all(abs(size - _OFF) < 3 for size in record.values())
    for old, new in zip(before["joins"], after["joins"], strict=True):
        if kind == "loop" and new["at"] == 0:
            # The fake's time wraps to 0 there (a jump of its own); the take's last frame must
            # show the time before the clip's first again, as the model made it, unshifted.
            wanted = _STEP * (len(take) + 12 - 1)
            assert abs(float(raw[-1][:, 20:].mean()) - wanted) > _OFF - 2
            assert abs(float(take[-1][:, 20:].mean()) - wanted) < _OFF / 5
            continue
        assert old["jump"] > 5 and new["jump"] <= 2.0, (old, new)
    if len(take) > 2 * FADE:  # the middle of a long take is the model's own
        assert np.array_equal(take[FADE:-FADE], raw[FADE:-FADE])


def test_a_take_whose_pins_come_back_exact_is_left_alone(tmp_path: Path) -> None:
    clip = Clip(str(write_video(np.stack([picture(prompt_level("a kite"), 40 + 2 * t)
                                          for t in range(12)]), 24,
                                tmp_path / "a.mp4")), 12)
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("extend_forward", 20, (clip,)), tmp_path)
    record: dict[str, float] = {}
    run_plan(plan, lambda *_: None, FakeCache(PinModel()),  # type: ignore[arg-type]
             mended=record)
    assert record["start"] < 1.0  # the codec's rounding only


def test_the_fade_spreads_the_error_evenly_and_stops() -> None:
    assert weights(5, 3).tolist() == [0.75, 0.5, 0.25, 0.0, 0.0]
    take = np.zeros((6, 2, 2, 3), np.uint8)
    error = np.full((2, 2, 3), 40.0, np.float32)
    mended = mend(take, [Edge("start", error), Edge("end", error)], fade=12)
    # Each end gets n / (n + 1) of its error with n = 5 (one short of the other end); the
    # two fades cross and add up.
    assert mended[:, 0, 0, 0].tolist() == [33] * 6
    assert mend(take, []) is take


class _DriftingModel:
    """Pinned frames come back as pinned; every free frame is the last pinned one (a grey
    picture when nothing is pinned) ``step`` levels lighter: each window of a chain drifts.
    With ``steps``, the k-th call drifts by ``steps[k]`` instead."""

    def __init__(self, step: int, steps: tuple[int, ...] = ()) -> None:
        self.step, self.steps, self.calls = step, steps, 0

    def generate(self, request: Any, on_step: Any) -> np.ndarray:
        if self.steps:
            self.step = self.steps[self.calls]
        self.calls += 1
        frames = [picture(100, 60)] * request.frames
        for pin in request.pins:
            assert pin.frame_start is not None
            for j, image in enumerate(clip_frames(pin, pin.frame_start, pin.frame_count, 32, 32)):
                frames[pin.target_frame + j] = np.asarray(image)
        last = max((pin.target_frame + pin.frame_count for pin in request.pins), default=0)
        lighter = np.clip(frames[max(last - 1, 0)].astype(np.int16) + self.step, 0, 255)
        free = lighter.astype(np.uint8) if request.pins else frames[0]
        on_step(1, 1, None)
        return np.stack(frames[:last] + [free] * (request.frames - last))


@pytest.mark.parametrize(("step", "held"), [(4, True), (40, False)])
def test_a_long_shot_is_held_to_its_first_window_s_colour_unless_it_moves_far(
        tmp_path: Path, step: int, held: bool) -> None:
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("shot", 60, window=25), tmp_path)
    assert plan.operation == "long_shot" and len(plan.windows) == 3
    record: dict[str, float] = {}
    take = run_plan(plan, lambda *_: None, FakeCache(_DriftingModel(step)),  # type: ignore[arg-type]
                    mended=record)
    drift = seam_measures(plan, take, join(plan, take))["max_delta_e_first"]
    if held:  # two windows of 4 levels each would be about 3 Delta E off
        assert sorted(record) == ["window 1", "window 2"] and drift < 1.0
    else:  # a change this large is taken as asked for
        assert record == {} and drift > 10


def test_a_take_far_from_its_clip_is_not_dissolved_into_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, seams, record = _take(tmp_path, "extend_forward", True, monkeypatch, off=40)
    assert LIMIT < 40 and record == {} and seams["max_jump"] > 5


def test_a_window_that_starts_a_timed_prompt_is_held_too(tmp_path: Path) -> None:
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("shot", 60, window=25, cues=(Cue(25, "a kite at noon"),)), tmp_path)
    assert [w.request.prompt for w in plan.windows] == ["a kite", "a kite at noon",
                                                        "a kite at noon"]
    record: dict[str, float] = {}
    take = run_plan(plan, lambda *_: None, FakeCache(_DriftingModel(4)),  # type: ignore[arg-type]
                    mended=record)
    assert sorted(record) == ["window 1", "window 2"]
    assert seam_measures(plan, take, join(plan, take))["max_delta_e_first"] < 1.0


def test_a_window_that_moves_far_holds_the_windows_after_it(tmp_path: Path) -> None:
    base = GenerationRequest("frameloom-mini", "a kite", 32, 32, 9, 24, 0, 1, 1.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257),
                     Operation("shot", 80, window=25), tmp_path)
    assert len(plan.windows) == 4
    record: dict[str, float] = {}
    model = _DriftingModel(0, steps=(0, 40, 4, 4))  # a jump asked for, then a drift
    take = run_plan(plan, lambda *_: None, FakeCache(model),  # type: ignore[arg-type]
                    mended=record)
    assert sorted(record) == ["window 2", "window 3"]  # window 1 moved far: left as made
    light = [float(dominant_lab(take[at:at + 5])[0]) for at in (30, 50, 75)]
    assert light[0] > float(dominant_lab(take[:20])[0]) + 10  # the jump stays
    assert max(light) - min(light) < 1.5  # and what follows is held to it


def test_an_object_changing_size_does_not_tint_the_held_frames() -> None:
    frames = np.full((4, 32, 32, 3), (50, 90, 220), np.uint8)  # blue, a red square growing
    first = frames.copy()
    first[:, 12:18, 12:18] = (220, 50, 50)
    later = frames.copy()
    later[:, 8:22, 8:22] = (220, 50, 50)  # the mean moves by Delta Es, the background not
    assert np.linalg.norm(to_lab(first).reshape(-1, 3).mean(0)
                          - to_lab(later).reshape(-1, 3).mean(0)) > 5
    held, moved = hold_colour(later, dominant_lab(first), np.ones(4))
    assert moved == 0.0 and held is later
    tinted = np.clip(later.astype(np.int16) + 6, 0, 255).astype(np.uint8)
    held, moved = hold_colour(tinted, dominant_lab(first), np.ones(4))
    assert moved > 0 and np.abs(held[:, 0, 0].astype(int) - (50, 90, 220)).max() <= 2
