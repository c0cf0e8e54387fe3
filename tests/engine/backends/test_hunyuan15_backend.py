"""HunyuanVideo 1.5 on tiny pipelines: constraints, guidance, steps, pins and sizes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import BackendError, load_backend
from engine.models.installed import find_model
from engine.paths import models_dir
from engine.protocol.requests import Pin

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def backends(tiny_hunyuan15_dirs: dict[str, Path]):
    loaded = {kind: load_backend("hunyuan15", folder, "cpu", "full")
              for kind, folder in tiny_hunyuan15_dirs.items()}
    yield loaded
    for backend in loaded.values():
        backend.close()


@pytest.mark.parametrize("kind", ["t2v", "i2v"])
def test_hunyuan15_constraints_from_json_match_the_loaded_pipeline(
        tiny_hunyuan15_dirs: dict[str, Path], backends, kind: str) -> None:
    folder = tiny_hunyuan15_dirs[kind]
    (models_dir() / folder.name).symlink_to(folder, target_is_directory=True)
    info = find_model(folder.name)
    assert info.family == "hunyuan15" and info.constraints == backends[kind].constraints
    c = info.constraints
    # The tiny VAE compresses 4x in space and 2x in time; a first-frame model pins one frame.
    assert (c.size_multiple, c.frame_rule, c.max_frames) == (4, (2, 1), 121)
    assert c.pin_frames == (1 if kind == "i2v" else None)


def test_hunyuan15_text_to_video_steps_guidance_and_seed(backends) -> None:
    backend = backends["t2v"]
    calls: list[int] = []
    backend._pipe.transformer.register_forward_hook(lambda *_: calls.append(1))
    request = tiny_request(backend, "h")
    steps: list[tuple[int, int, tuple[int, ...]]] = []
    frames = backend.generate(request, lambda done, total, preview: steps.append(
        (done, total, preview().shape)))
    assert frames.shape == (9, 32, 32, 3) and frames.dtype == np.uint8
    # The pipeline has no step callback: progress and previews come from the scheduler's steps.
    assert steps == [(1, 2, (32, 32, 3)), (2, 2, (32, 32, 3))]
    assert len(calls) == 4  # guidance 3: a conditional and an unconditional pass per step
    assert np.array_equal(frames, backend.generate(request, ignore_steps))
    for change in ({"guidance": 1.0}, {"seed": 4}, {"prompt": "a blue square"}):
        assert not np.array_equal(frames, backend.generate(
            dataclasses.replace(request, **change), ignore_steps)), change
    assert len(calls) == 4 + 2 + 4 + 4 + 4  # guidance 1 runs one pass a step


def test_hunyuan15_a_cancel_from_the_step_callback_stops_the_pipeline(backends) -> None:
    backend = backends["t2v"]

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int, preview: object) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        backend.generate(tiny_request(backend, "h"), cancel)
    assert "step" not in vars(backend._pipe.scheduler)  # the wrapper is gone again
    assert backend.generate(tiny_request(backend, "h"), ignore_steps).shape == (9, 32, 32, 3)


def test_hunyuan15_image_to_video_from_a_still_or_a_clip_frame(backends, still: str,
                                                              tmp_path: Path) -> None:
    from test_wan_backend import _clip

    backend = backends["i2v"]
    clip = _clip(tmp_path / "clip.mp4", 4)
    plain = tiny_request(backend, "h")
    made = [backend.generate(dataclasses.replace(plain, pins=pins), ignore_steps)
            for pins in ((Pin(still, 0),), (Pin(clip, 0, frame_start=3, frame_count=1),))]
    assert all(frames.shape == (9, 32, 32, 3) for frames in made)
    assert not np.array_equal(*made)


@pytest.mark.parametrize(("kind", "pins", "words"), [
    ("t2v", ((0, None),), "text-to-video only"),
    ("i2v", (), "needs exactly one still image pinned at the first frame"),
    ("i2v", ((4, None),), "needs exactly one still image pinned at the first frame"),
    ("i2v", ((0, 2),), "needs exactly one still image pinned at the first frame"),
])
def test_hunyuan15_refuses_pins_it_cannot_hold(backends, still: str, tmp_path: Path,
                                               kind: str, pins, words: str) -> None:
    from test_wan_backend import _clip

    clip = _clip(tmp_path / "clip.mp4", 3)
    request = dataclasses.replace(tiny_request(backends[kind], "h"), pins=tuple(
        Pin(still, t) if count is None else Pin(clip, t, frame_start=0, frame_count=count)
        for t, count in pins))
    with pytest.raises(BackendError, match=words) as info:
        backends[kind].generate(request, ignore_steps)
    assert info.value.code == "unsupported_pins"


def test_hunyuan15_image_to_video_refuses_a_size_it_does_not_make(backends, still: str) -> None:
    backend = backends["i2v"]
    request = tiny_request(backend, "h", width=64, height=32, pins=(Pin(still, 0),))
    with pytest.raises(BackendError, match="makes 40x20 for a 64x32 shot's shape") as info:
        backend.generate(request, ignore_steps)
    assert info.value.code == "unsupported_size" and info.value.hint == "Ask for 40x20."
