"""Wan 2.2 on tiny pipelines: TI2V-5B's two pipelines over one model, and the A14B experts."""

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
def backends(tiny_wan22_dirs: dict[str, Path]):
    loaded = {kind: load_backend("wan", folder, "cpu", "full")
              for kind, folder in tiny_wan22_dirs.items()}
    yield loaded
    for backend in loaded.values():
        backend.close()


def _calls(module) -> list[int]:
    """A list that grows by one every time ``module`` runs forward."""
    calls: list[int] = []
    module.register_forward_hook(lambda *_: calls.append(1))
    return calls


@pytest.mark.parametrize("kind", ["ti2v", "t2v-a14b", "i2v-a14b"])
def test_wan22_constraints_from_json_match_the_loaded_pipeline(
        tiny_wan22_dirs: dict[str, Path], backends, kind: str) -> None:
    folder = tiny_wan22_dirs[kind]
    (models_dir() / folder.name).symlink_to(folder, target_is_directory=True)
    info = find_model(folder.name)
    assert info.family == "wan" and info.constraints == backends[kind].constraints
    # TI2V-5B's VAE compresses 16x, so sizes are multiples of 32; the A14B VAE is Wan 2.1's.
    assert info.constraints.size_multiple == (32 if kind == "ti2v" else 16)
    # Models that hold a first frame pin one frame of context; text-to-video takes no pins.
    assert info.constraints.pin_frames == (None if kind == "t2v-a14b" else 1)
    assert backends[kind].kind == {"ti2v": "ti2v", "t2v-a14b": "t2v", "i2v-a14b": "i2v"}[kind]


@pytest.mark.parametrize("kind", ["t2v-a14b", "i2v-a14b"])
def test_wan22_a14b_runs_the_high_noise_expert_then_the_low_noise_one(
        backends, still: str, kind: str) -> None:
    backend = backends[kind]
    pipe = backend._pipe
    high, low = _calls(pipe.transformer), _calls(pipe.transformer_2)
    pins = (Pin(still, 0),) if kind == "i2v-a14b" else ()
    # Two steps at shift 7 are timesteps 1000 and ~47, one each side of the boundary (875 for
    # text-to-video, 900 for image-to-video); guidance runs each expert twice per step.
    frames = backend.generate(tiny_request(backend, "w", pins=pins), ignore_steps)
    assert frames.shape == (9, 32, 32, 3)
    assert (len(high), len(low)) == (2, 2)


def test_wan22_ti2v_makes_text_to_video_and_image_to_video_with_one_model(
        backends, still: str) -> None:
    backend = backends["ti2v"]
    calls = _calls(backend._pipe.transformer)
    text = tiny_request(backend, "w")
    image = dataclasses.replace(text, pins=(Pin(still, 0),))
    from_text = backend.generate(text, ignore_steps)
    from_still = backend.generate(image, ignore_steps)
    assert from_text.shape == from_still.shape == (9, 32, 32, 3)
    assert len(calls) == 8  # both ran the one loaded transformer (2 steps x 2 with guidance)
    assert not np.array_equal(from_text, from_still)
    assert np.array_equal(from_still, backend.generate(image, ignore_steps))


@pytest.mark.parametrize(("kind", "pins", "words"), [
    ("ti2v", ((8, None),), "needs a still image pinned at the first frame"),
    ("ti2v", ((0, None), (8, None)), "pins the first frame only"),
    ("ti2v", ((0, 2),), "first and last frames only"),
    ("i2v-a14b", (), "needs a still image pinned at the first frame"),
])
def test_wan22_refuses_pins_it_cannot_hold(backends, still: str, tmp_path: Path, kind: str,
                                           pins, words: str) -> None:
    from test_wan_backend import _clip

    clip = _clip(tmp_path / "clip.mp4", 3)
    request = dataclasses.replace(tiny_request(backends[kind], "w"), pins=tuple(
        Pin(still, t) if count is None else Pin(clip, t, frame_start=0, frame_count=count)
        for t, count in pins))
    with pytest.raises(BackendError, match=words) as info:
        backends[kind].generate(request, ignore_steps)
    assert info.value.code == "unsupported_pins"


def test_wan22_one_frame_of_a_clip_pins_like_a_still(backends, tmp_path: Path) -> None:
    from test_wan_backend import _clip

    backend = backends["ti2v"]
    clip = _clip(tmp_path / "clip.mp4", 4)
    plain = tiny_request(backend, "w")
    frame_1 = dataclasses.replace(plain, pins=(Pin(clip, 0, frame_start=1, frame_count=1),))
    frame_3 = dataclasses.replace(plain, pins=(Pin(clip, 0, frame_start=3, frame_count=1),))
    assert not np.array_equal(backend.generate(frame_1, ignore_steps),
                              backend.generate(frame_3, ignore_steps))
