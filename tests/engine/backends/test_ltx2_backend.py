"""The LTX-2 backend on its tiny pipeline: constraints, pins on latent frames, sound, previews."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import BackendError, load_backend
from engine.models.installed import find_model
from engine.output.audio import sound_of
from engine.paths import models_dir
from engine.protocol.requests import Pin

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def backend(tiny_ltx2_dir: Path):
    loaded = load_backend("ltx2", tiny_ltx2_dir, "cpu", "full")
    yield loaded
    loaded.close()


def _clip(path: Path, count: int) -> str:
    from test_wan_backend import _clip as grey_clip

    return grey_clip(path, count)


def test_ltx2_is_listed_as_its_own_family_with_its_rules(tiny_ltx2_dir: Path, backend) -> None:
    (models_dir() / "tiny-ltx2").symlink_to(tiny_ltx2_dir, target_is_directory=True)
    info = find_model("tiny-ltx2")
    assert info.family == "ltx2" and info.description == "LTX2ConditionPipeline"
    assert info.constraints == backend.constraints
    c = info.constraints
    # The tiny VAE compresses 4x; the pipeline itself asks for sizes in multiples of 32.
    assert (c.size_multiple, c.frame_rule, c.max_frames, c.fps) == (32, (4, 1), 121, None)
    assert (info.defaults.width, info.defaults.height, info.defaults.frames) == (768, 512, 121)


@pytest.mark.parametrize(("frame", "index"), [(0, 0), (1, 1), (5, 2), (9, 3), (2, None),
                                              (4, None), (8, None)])
def test_ltx2_pins_start_on_latent_frames(frame: int, index: int | None) -> None:
    from engine.backends.ltx2 import latent_index

    assert latent_index(frame, 4) == index


def test_ltx2_makes_frames_with_sound_and_the_same_again(backend) -> None:
    request = tiny_request(backend, "tiny-ltx2")
    first = backend.generate(request, ignore_steps)
    assert first.shape == (9, 32, 32, 3) and first.dtype == np.uint8
    sound = sound_of(first)
    assert sound is not None and sound.rate == 16000 and sound.samples.shape[0] == 2
    # About as long as the 9 frames at 24 fps (0.375 s); the audio latents round it down.
    assert 0.25 < sound.samples.shape[1] / sound.rate <= 0.375
    again = backend.generate(request, ignore_steps)
    assert np.array_equal(first, again) and np.array_equal(sound.samples,
                                                            sound_of(again).samples)
    assert sound_of(first[1:]) is None  # a slice is another stretch of time: no sound
    other = backend.generate(dataclasses.replace(request, seed=9), ignore_steps)
    assert not np.array_equal(first, other)


def test_ltx2_holds_a_first_frame_a_keyframe_and_a_clip(backend, still: str,
                                                         tmp_path: Path) -> None:
    plain = tiny_request(backend, "tiny-ltx2")
    clip = _clip(tmp_path / "clip.mp4", 8)
    cases = [(Pin(still, 0),), (Pin(still, 0), Pin(still, 5, 0.8)),
             (Pin(clip, 0, frame_start=3, frame_count=5),)]
    made = [backend.generate(plain, ignore_steps)]
    for pins in cases:
        made.append(backend.generate(dataclasses.replace(plain, pins=pins), ignore_steps))
    for i, frames in enumerate(made):
        assert frames.shape == (9, 32, 32, 3)
        assert all(not np.array_equal(frames, other) for other in made[i + 1:])


@pytest.mark.parametrize(("pin", "words"), [
    ((8, None), "at frame 8 does not start on one"),
    ((2, None), "at frame 2 does not start on one"),
    ((0, 3), "is 3 frames long"),
])
def test_ltx2_refuses_pins_off_its_latent_frames(backend, still: str, tmp_path: Path,
                                                 pin, words: str) -> None:
    frame, count = pin
    clip = _clip(tmp_path / "clip.mp4", 4)
    made = Pin(still, frame) if count is None else Pin(clip, frame, frame_start=0,
                                                       frame_count=count)
    request = dataclasses.replace(tiny_request(backend, "tiny-ltx2"), pins=(made,))
    with pytest.raises(BackendError, match=words) as info:
        backend.generate(request, ignore_steps)
    assert info.value.code == "unsupported_pins" and "frames 1, 5, 9" in info.value.hint


def test_ltx2_previews_the_shot_with_a_keyframe_pinned(backend, still: str) -> None:
    request = dataclasses.replace(tiny_request(backend, "tiny-ltx2"),
                                  pins=(Pin(still, 5),))
    shapes: list[tuple[int, ...]] = []
    backend.generate(request, lambda done, total, preview: shapes.append(preview().shape))
    assert shapes == [(32, 32, 3)] * 2
