"""Timed prompts, bridges and retakes run on fake models: which prompt made each frame, and
where the frames go."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cli.main import main
from engine.operations.planner import Clip, Cue, Operation, make_plan, prompt_at
from engine.operations.runner import read_clip, run_plan
from engine.output.video import read_settings, write_video
from engine.protocol.requests import GenerationRequest, ModelConstraints
from support.fake_models import FakeCache, PinModel, motion_of, picture, prompt_level, prompt_of

BASE = GenerationRequest("frameloom-mini", "a red kite", 32, 32, 9, 24, seed=1, steps=1,
                         guidance=1.0)
TINY = ModelConstraints(32, (4, 1), 257)
PROMPTS = ["a red kite", "a yellow boat", "a green hill", "a blue moon"]
TOLERANCE = 5  # grey levels: the codec moves a flat level by one or two


def _clip(path: Path, frames: int, prompt: str, motion: float) -> Clip:
    pictures = np.stack([picture(prompt_level(prompt), motion) for _ in range(frames)])
    return Clip(str(write_video(pictures, 24, path)), frames)


def test_prompt_levels_are_distinct() -> None:
    levels = [prompt_level(p) for p in [*PROMPTS, "the source"]]
    assert len(set(levels)) == len(levels) and min(np.diff(sorted(levels))) >= 12


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["shot", "extend_forward", "extend_backward", "bridge", "loop"]),
       frames=st.integers(1, 45), window=st.sampled_from([13, 17, 33]),
       cues=st.lists(st.tuples(st.integers(0, 44), st.sampled_from(PROMPTS[1:])), max_size=3))
def test_every_frame_is_made_with_the_prompt_in_force(
        kind: str, frames: int, window: int, cues: list[tuple[int, str]]) -> None:
    timed = tuple(Cue(at, text) for at, text in cues if at < frames)
    model = PinModel()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        a = _clip(scratch / "a.mp4", 12, "the source", 30)
        b = _clip(scratch / "b.mp4", 12, "the source", 200)
        clips = {"shot": (), "extend_forward": (a,), "extend_backward": (b,), "bridge": (a, b),
                 "loop": (a,)}[kind]
        plan = make_plan(BASE, TINY, Operation(kind, frames, clips, window=window, cues=timed),
                         scratch)
        take = run_plan(plan, lambda *_: None, FakeCache(model))  # type: ignore[arg-type]
    want = [prompt_level(prompt_at(i, BASE.prompt, timed)) for i in range(frames)]
    got = [prompt_of(image) for image in take]
    assert all(abs(g - w) <= TOLERANCE for g, w in zip(got, want, strict=True)), (got, want)
    for request in model.requests:  # one prompt per window, and each is the one in force
        assert request.prompt in [BASE.prompt, *(cue.prompt for cue in timed)]


def test_the_issues_long_shot_keeps_the_main_prompt_until_its_timed_prompt() -> None:
    """``--duration 6 --prompt-at 3:...`` at 24 fps on frameloom-mini's rules (8k+1, 257),
    in one window and in windows of 49: frames 0-71 base, 72-143 the timed prompt."""
    mini = ModelConstraints(32, (8, 1), 257)
    timed = (Cue(72, "a yellow boat"),)
    for window in (None, 49):
        model = PinModel()
        with tempfile.TemporaryDirectory() as folder:
            plan = make_plan(BASE, mini, Operation("shot", 144, window=window, cues=timed),
                             Path(folder))
            take = run_plan(plan, lambda *_: None, FakeCache(model))  # type: ignore[arg-type]
        levels: list[Any] = [round(prompt_of(image)) for image in take]
        assert all(abs(v - prompt_level(BASE.prompt)) <= TOLERANCE for v in levels[:72])
        assert all(abs(v - prompt_level("a yellow boat")) <= TOLERANCE for v in levels[72:])


@pytest.mark.parametrize("window", [None, 13, 21])
def test_a_bridge_travels_from_a_to_b(tmp_path: Path, window: int | None) -> None:
    a = _clip(tmp_path / "a.mp4", 12, "the source", 30)
    b = _clip(tmp_path / "b.mp4", 12, "the source", 200)
    model = PinModel()
    plan = make_plan(BASE, TINY, Operation("bridge", 20, (a, b), window=window), tmp_path)
    take = run_plan(plan, lambda *_: None, FakeCache(model))  # type: ignore[arg-type]
    levels = [motion_of(image) for image in take]
    last = model.requests[-1]
    assert len({pin.path for pin in last.pins}) == 2  # A (or its chain) and B, one window
    assert all(later >= earlier - 2 for earlier, later in itertools.pairwise(levels))
    steps = np.diff([30, *levels, 200])
    assert levels[0] < 30 + 2 * max(steps) and levels[-1] > 200 - 2 * max(steps), levels
    assert max(steps) < 0.4 * 170  # no hard cut: the way from A to B is spread out
    if window is None:  # one window: an even ramp between A's last frame and B's first
        ramp = [30 + 170 * (i + 1) / 21 for i in range(20)]
        assert np.allclose(levels, ramp, atol=TOLERANCE), levels


def test_a_retake_leaves_every_frame_outside_its_range_byte_identical(
        tiny_model: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    source = write_video(rng.integers(0, 256, (20, 32, 32, 3)).astype(np.uint8), 24,
                         tmp_path / "clip.mp4")  # noise: the hardest case for a codec
    take, joined = tmp_path / "take.mp4", tmp_path / "joined.mp4"
    assert main(["generate", "--model", tiny_model, "--prompt", "a red circle", "--width", "32",
                 "--height", "32", "--steps", "1", "--retake", str(source), "--range", "6:13",
                 "-o", str(take), "--joined", str(joined)]) == 0
    before, after = read_clip(str(source), 32, 32), read_clip(str(joined), 32, 32)
    assert len(read_clip(str(take), 32, 32)) == 7 and len(after) == len(before) == 20
    assert np.array_equal(after[:6], before[:6]) and np.array_equal(after[13:], before[13:])
    assert not np.array_equal(after[6:13], before[6:13])
    settings = read_settings(take)
    assert settings["operation"] == "retake" and settings["spec"]["span"] == [6, 7]
