"""Operations through ``frameloom-engine generate`` on the tiny LTX pipeline; seam colour maths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.cli.main import main
from engine.operations.colour import (
    HOLD_LIMIT,
    crossfade,
    crossfade_weights,
    dominant_lab,
    hold_colour,
    lab_stats,
    match_colour,
)
from engine.operations.mend import FADE, Edge, error, mend, weights
from engine.operations.planner import Operation, make_plan
from engine.operations.runner import read_clip, run_plan
from engine.output.video import read_settings, write_video
from engine.protocol.requests import FrameRange, GenerationRequest, ModelConstraints
from support.fake_models import FakeCache

SIZE = ["--width", "32", "--height", "32", "--steps", "1", "--fps", "24"]


def coloured_clip(path: Path, frames: int, offset: int = 0, fps: int = 24) -> Path:
    """A 32x32 clip whose frame i is one flat colour, far from every other frame's."""
    levels = [((offset + i) * 23) % 256 for i in range(frames)]
    pictures = np.stack([np.full((32, 32, 3), (v, 255 - v, (v * 3) % 256), np.uint8)
                         for v in levels])
    return write_video(pictures, fps, path)


def assert_same_frames(got: np.ndarray, source: np.ndarray) -> None:
    """Each frame of ``got`` is nearest to the source frame at its own index."""
    assert len(got) == len(source)
    means = source.reshape(len(source), -1, 3).mean(axis=1)
    for index, frame in enumerate(got):
        distances = np.abs(means - frame.reshape(-1, 3).mean(axis=0)).sum(axis=1)
        assert int(distances.argmin()) == index


def generate(*args: str) -> int:
    return main(["generate", "--model", "tiny-ltx", "--prompt", "a red circle", *SIZE, *args])


@pytest.fixture
def clips(tmp_path: Path) -> tuple[Path, Path]:
    return coloured_clip(tmp_path / "a.mp4", 12), coloured_clip(tmp_path / "b.mp4", 10, 50)


@pytest.mark.parametrize(("flags", "sources", "take"), [
    (["--extend-forward", "A", "--frames", "7"], "A", 7),
    (["--extend-backward", "B", "--frames", "6"], "B", 6),
    (["--bridge", "A", "B", "--frames", "5"], "AB", 5),
    (["--loop", "A", "--duration", "0.25"], "A", 6),
    (["--bridge", "A", "B", "--frames", "30", "--window", "17"], "AB", 30),  # chained
    (["--extend-backward", "B", "--frames", "30", "--window", "17"], "B", 30),  # chained
])
def test_operation_writes_take_and_joined(tiny_model: str, clips: tuple[Path, Path],
                                          tmp_path: Path, flags: list[str], sources: str,
                                          take: int) -> None:
    named = {"A": str(clips[0]), "B": str(clips[1])}
    take_path, joined_path = tmp_path / "take.mp4", tmp_path / "joined.mp4"
    code = generate(*[named.get(f, f) for f in flags], "-o", str(take_path),
                    "--joined", str(joined_path))
    assert code == 0
    assert len(read_clip(str(take_path), 32, 32)) == take
    joined = read_clip(str(joined_path), 32, 32)
    a, b = (read_clip(str(c), 32, 32) for c in clips)
    parts = {"A": [a], "B": [b], "AB": [a, b]}[sources]
    assert len(joined) == take + sum(len(p) for p in parts)
    if flags[0] == "--extend-backward":
        assert_same_frames(joined[take:], b)
    else:
        assert_same_frames(joined[:len(a)], a)
    if sources == "AB":
        assert_same_frames(joined[len(a) + take:], b)
    settings = read_settings(take_path)
    assert settings["operation"] == flags[0][2:].replace("-", "_")
    assert settings["part"] == "take" and settings["take_frames"] == take
    assert read_settings(joined_path)["part"] == "joined"


def test_long_shot_chains_windows_with_timed_prompts(tiny_model: str, tmp_path: Path) -> None:
    out = tmp_path / "long.mp4"
    code = generate("--duration", "1", "--window", "9", "--prompt-at", "0.5:a blue square",
                    "-o", str(out))
    assert code == 0
    assert len(read_clip(str(out), 32, 32)) == 24
    settings = read_settings(out)
    windows = settings["windows"]
    assert settings["operation"] == "long_shot" and len(windows) == 5  # 9 + 4 * (9 - 5) >= 24
    assert [w["request"]["prompt"] for w in windows] == ["a red circle"] * 2 + ["a blue square"] * 3
    assert all(w["request"]["frames"] == 9 for w in windows)


def test_a_plain_shot_past_the_model_s_window_is_chained(
        tiny_ltx_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A model that records its training length (as frameloom-mini does) has a window of about
    # twice it; a longer plain request is made as a long shot in that window, and says so.
    import json
    import shutil

    from engine.paths import models_dir

    folder = models_dir() / "tiny-trained"
    shutil.copytree(tiny_ltx_dir, folder)
    index = json.loads((folder / "model_index.json").read_text())
    index["_frameloom_trained"] = {"frames": 5}
    (folder / "model_index.json").write_text(json.dumps(index))
    out = tmp_path / "long.mp4"
    args = ["generate", "--model", "tiny-trained", "--prompt", "a red circle", *SIZE]
    assert main([*args, "--frames", "17", "-o", str(out)]) == 0
    assert "17 frames is longer than tiny-trained's 9-frame window" in capsys.readouterr().err
    settings = read_settings(out)
    assert settings["operation"] == "long_shot" and len(settings["windows"]) > 1
    assert all(w["request"]["frames"] <= 9 for w in settings["windows"])
    assert len(read_clip(str(out), 32, 32)) == 17
    # Within the window it stays one request, as before.
    assert main([*args, "--frames", "9", "-o", str(out)]) == 0
    assert "windows" not in read_settings(out) and "window" not in capsys.readouterr().err


def test_refusals_are_one_sentence(tiny_model: str, clips: tuple[Path, Path], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "o.mp4")
    assert generate("--loop", str(clips[0]), "--extend-forward", str(clips[1]), "-o", out) == 2
    assert "Use one operation at a time" in capsys.readouterr().err
    assert generate("--extend-forward", str(tmp_path / "none.mp4"), "-o", out) == 2
    assert "does not exist" in capsys.readouterr().err
    assert generate("--extend-forward", str(clips[0]), "--context", "13", "-o", out) == 2
    assert "fewer than the 13" in capsys.readouterr().err
    assert not Path(out).exists()


def test_the_prompt_policy_covers_operations_and_timed_prompts(
        tiny_model: str, clips: tuple[Path, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.mp4"
    assert generate("--extend-forward", str(clips[0]), "--prompt-at",
                    "0.2:an erotic toddler", "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("frameloom-engine: The prompt was refused by the rule")
    assert err.count("\n") == 1 and not out.exists()


def test_a_clip_at_another_rate_is_noted(tiny_model: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    clip = coloured_clip(tmp_path / "c30.mp4", 6, fps=30)
    assert generate("--extend-forward", str(clip), "--frames", "2", "-o",
                    str(tmp_path / "t.mp4")) == 0
    assert "plays at 30 fps, not 24" in capsys.readouterr().err


def test_without_fps_an_operation_takes_its_clips_rate(tiny_model: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from engine.operations.runner import clip_rate

    clip = coloured_clip(tmp_path / "c30.mp4", 6, fps=30)
    take = tmp_path / "t.mp4"
    assert main(["generate", "--model", "tiny-ltx", "--prompt", "a red circle", "--width", "32",
                 "--height", "32", "--steps", "1", "--extend-forward", str(clip), "--frames",
                 "2", "-o", str(take)]) == 0
    assert clip_rate(str(take)) == 30 and "fps" not in capsys.readouterr().err


def test_cli_in_a_fresh_process(tiny_ltx_dir: Path, clips: tuple[Path, Path],
                                tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "tiny-ltx").symlink_to(tiny_ltx_dir, target_is_directory=True)
    env = {**os.environ, "FRAMELOOM_HOME": str(home), "OMP_NUM_THREADS": "1"}
    take, joined = tmp_path / "take.mp4", tmp_path / "joined.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "engine.cli", "generate", "--model", "tiny-ltx", "--prompt", "a",
         *SIZE, "--extend-forward", str(clips[0]), "--frames", "3", "-o", str(take),
         "--joined", str(joined)], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(take), str(joined)]
    assert len(read_clip(str(joined), 32, 32)) == 15


def test_match_colour_pulls_a_shifted_window_to_the_reference() -> None:
    rng = np.random.default_rng(0)
    reference = rng.integers(60, 190, (3, 16, 16, 3)).astype(np.uint8)
    shifted = np.clip(reference.astype(int) * 0.8 + 30, 0, 255).astype(np.uint8)
    matched = match_colour(shifted, shifted, reference)
    want_mean, want_std = lab_stats(reference)
    got_mean, got_std = lab_stats(matched)
    before_mean, _ = lab_stats(shifted)
    assert np.abs(got_mean - want_mean).max() < 1.0 < np.abs(before_mean - want_mean).max()
    assert np.allclose(got_std, want_std, rtol=0.05, atol=0.5)


def test_crossfade_weights_are_exact() -> None:
    assert crossfade_weights(4).tolist() == [0.2, 0.4, 0.6, 0.8]
    outgoing = np.zeros((3, 2, 2, 3), np.uint8)
    incoming = np.full((3, 2, 2, 3), 200, np.uint8)
    assert crossfade(outgoing, incoming)[:, 0, 0, 0].tolist() == [50, 100, 150]


class _FakeBackend:
    """Window k's frames: one fixed random picture per frame, brightened by 30 * k."""

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, request: GenerationRequest, on_step: Any) -> np.ndarray:
        rng = np.random.default_rng(1)
        base = rng.integers(40, 160, (request.frames, request.height, request.width, 3))
        on_step(1, 1, None)
        self.calls += 1
        return (base + 30 * (self.calls - 1)).astype(np.uint8)


class _FakeCache:
    def __init__(self) -> None:
        self.backend = _FakeBackend()

    def first_profile(self, info: object, asked: str = "auto") -> str:
        return "full" if asked == "auto" else asked

    def get(self, info: object, profile: str) -> _FakeBackend:
        return self.backend


def test_run_plan_matches_and_crossfades_each_seam(tiny_model: str, tmp_path: Path) -> None:
    base = GenerationRequest(tiny_model, "p", 32, 32, 9, 24, 0, 1, 3.0)
    plan = make_plan(base, ModelConstraints(32, (4, 1), 257), Operation("shot", 12, window=9),
                     tmp_path)
    assert [(w.keep, w.blend) for w in plan.windows] == [
        (FrameRange(0, 9), 0), (FrameRange(0, 8), 5)]  # 9 + 3 new frames = 12
    steps: list[tuple[int, int]] = []
    take = run_plan(plan, lambda k, n, step, total, _: steps.append((k, n)),
                    cache=_FakeCache())  # type: ignore[arg-type]
    assert steps == [(0, 2), (1, 2)] and take.shape == (12, 32, 32, 3)
    first = _FakeBackend().generate(plan.windows[0].request, lambda *_: None)
    second = _FakeBackend()
    second.calls = 1
    raw = second.generate(plan.windows[1].request, lambda *_: None)
    matched = match_colour(raw, raw[:5], first[4:9])
    assert np.array_equal(take[:4], first[:4])
    seam = crossfade(first[4:9], matched[:5])
    assert np.array_equal(take[4:9], seam)
    # The window's rest is held to the first window's dominant colour, fading in from the seam,
    # and what the crossfade's last frame is off the window's own fades out of it.
    rest, moved = hold_colour(matched[5:8], dominant_lab(first[:9]), 1.0 - weights(3, FADE))
    assert 0 < moved < HOLD_LIMIT
    assert np.array_equal(take[9:], mend(rest, [Edge("start", error(seam[-1], matched[4]))]))
    assert not np.array_equal(take[9:], matched[5:8])
    assert abs(float(take[9:].mean()) - float(first.mean())) < 3  # the +30 drift is gone
    assert len(read_clip(plan.windows[0].output or "", 32, 32)) == 9


# -- chains, checked in time: a fake model that continues whatever its pins say ---------------

STEP = 4  # grey levels per frame of time: a frame off by one is 4 levels off, the codec 1 or 2


class _TimeModel:
    """A 'model' for checking plans: every frame shows its own time (mod ``period``) as a grey
    level, and a window's free frames continue the time its pinned frames show, so a take
    assembled from consistent windows shows consecutive times; pins that disagree fail."""

    def __init__(self, period: int) -> None:
        self.period = period

    @staticmethod
    def frame(time: int) -> np.ndarray:
        image = np.zeros((32, 32, 3), np.uint8)
        image[:, 16:] = STEP * time  # half black, so colour matching sees some contrast
        return image

    @staticmethod
    def level(image: Any) -> float:
        return float(np.asarray(image)[:, 20:].mean())

    def generate(self, request: GenerationRequest, on_step: Any) -> np.ndarray:
        from engine.backends.common import clip_frames

        offsets = []
        for pin in request.pins:
            assert pin.frame_start is not None and pin.frame_start >= 0
            frames = clip_frames(pin, pin.frame_start, pin.frame_count, 32, 32)
            offsets += [(round(self.level(f) / STEP) - pin.target_frame - j) % self.period
                        for j, f in enumerate(frames)]
        assert len(set(offsets)) <= 1, f"pins disagree about time: {offsets}"
        offset = offsets[0] if offsets else 0
        on_step(1, 1, None)
        return np.stack([self.frame((offset + j) % self.period) for j in range(request.frames)])


def _timed_clip(path: Path, times: range) -> Path:
    return write_video(np.stack([_TimeModel.frame(t) for t in times]), 24, path)


@pytest.mark.parametrize("window", [13, 17, 33])
@pytest.mark.parametrize("frames", [3, 20, 37])
@pytest.mark.parametrize("kind", ["extend_forward", "extend_backward", "bridge", "loop"])
def test_chained_windows_make_a_take_continuous_in_time(tmp_path: Path, kind: str, frames: int,
                                                        window: int) -> None:
    from engine.operations.planner import Clip

    length = 9  # each clip; times stay under 64, so STEP * time fits a byte
    a = Clip(str(_timed_clip(tmp_path / "a.mp4", range(0, length))), length)
    b_start = frames + 5 if kind == "extend_backward" else length + frames
    b = Clip(str(_timed_clip(tmp_path / "b.mp4", range(b_start, b_start + length))), length)
    clips = {"extend_forward": (a,), "extend_backward": (b,), "bridge": (a, b), "loop": (a,)}
    period = length + frames if kind == "loop" else 64  # a loop's clip follows its take again
    base = GenerationRequest("frameloom-mini", "p", 32, 32, 9, 24, seed=1, steps=1,
                             guidance=1.0)
    constraints = ModelConstraints(32, (4, 1), 257)
    plan = make_plan(base, constraints, Operation(kind, frames, clips[kind], window=window),
                     tmp_path)
    cache: Any = FakeCache(_TimeModel(period))
    take = run_plan(plan, lambda *_args: None, cache)
    first = b_start - frames if kind == "extend_backward" else length
    levels = [_TimeModel.level(f) for f in take]
    expected = [STEP * ((first + i) % period) for i in range(frames)]
    assert len(take) == frames
    assert all(abs(got - want) <= STEP / 2 for got, want in zip(levels, expected)), \
        (levels, expected, [(w.keep, w.blend) for w in plan.windows])
    c = 5  # the context for a 4k+1 rule
    needed = frames + (2 * c if kind in ("bridge", "loop") else c)
    assert (len(plan.windows) > 1) == (needed > window)  # one window when it fits, else a chain
