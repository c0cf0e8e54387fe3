"""The LTX backend on the tiny pipeline: shapes, determinism, pins, progress, cancel, bad input."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import PROFILES, BackendError, load_backend, next_profile
from engine.models.installed import find_model
from engine.protocol.requests import GenerationRequest, Pin

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def backend(tiny_ltx_dir: Path):
    loaded = load_backend("ltx", tiny_ltx_dir, "cpu", "full")
    yield loaded
    loaded.close()


def _request(backend, **changes) -> GenerationRequest:
    return tiny_request(backend, "tiny-ltx", **changes)


def test_constraints_from_json_match_the_loaded_pipeline(tiny_model: str, backend) -> None:
    info = find_model(tiny_model)
    assert info.constraints == backend.constraints
    loaded = load_backend(info.family, info.path, "cpu", "tiled")  # through the symlink
    assert loaded.constraints == info.constraints and loaded.profile == "tiled"
    assert loaded.memory_bytes() == backend.memory_bytes() > 0
    loaded.close()


def test_text_to_video_shape_and_determinism(backend) -> None:
    request = _request(backend, width=70, height=40, frames=10)
    assert (request.width, request.height, request.frames) == (64, 32, 13)
    first = backend.generate(request, ignore_steps)
    assert first.shape == (13, 32, 64, 3) and first.dtype == np.uint8
    assert np.array_equal(first, backend.generate(request, ignore_steps))
    other = backend.generate(dataclasses.replace(request, seed=4), ignore_steps)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("where", ["first", "last", "both"])
def test_image_pins_at_first_and_last_frame(backend, still: str, where: str) -> None:
    plain = _request(backend)
    last = plain.frames - 1
    targets = {"first": [0], "last": [last], "both": [0, last]}[where]
    request = dataclasses.replace(plain, pins=tuple(Pin(still, t) for t in targets))
    frames = backend.generate(request, ignore_steps)
    assert frames.shape == (9, 32, 32, 3)
    assert not np.array_equal(frames, backend.generate(plain, ignore_steps))


def _write_clip(path: Path, count: int) -> str:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for i in range(count):
            image = np.full((32, 32, 3), (i * 20, 100, 255 - i * 20), np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())
    return str(path)


@pytest.mark.parametrize(("target", "count"), [(0, 5), (0, 3), (4, 5)])
def test_clip_pins(backend, tmp_path: Path, target: int, count: int) -> None:
    clip = _write_clip(tmp_path / "clip.mp4", 8)
    request = dataclasses.replace(
        _request(backend), pins=(Pin(clip, target, 0.9, frame_start=2, frame_count=count),))
    previews = []
    frames = backend.generate(request, lambda done, total, preview: previews.append(preview()))
    assert frames.shape == (9, 32, 32, 3)
    # The pin's own latent tokens are left out of the preview, which shows the shot alone.
    assert [p.shape for p in previews] == [(32, 32, 3)] * 2


def test_a_clip_pin_past_the_clip_end_is_a_backend_error(backend, tmp_path: Path) -> None:
    clip = _write_clip(tmp_path / "short.mp4", 3)
    request = dataclasses.replace(_request(backend), pins=(Pin(clip, 0, frame_start=1,
                                                               frame_count=5),))
    with pytest.raises(BackendError, match="fewer than 6 frames") as info:
        backend.generate(request, ignore_steps)
    assert info.value.code == "bad_pin"


def test_on_step_counts_steps_and_previews_are_small_images(backend) -> None:
    seen = []

    def on_step(done: int, total: int, preview) -> None:
        image = preview()
        seen.append((done, total, image.shape, image.dtype))

    backend.generate(_request(backend, steps=3), on_step)
    assert [(d, t) for d, t, _, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    for _, _, shape, dtype in seen:
        assert dtype == np.uint8 and shape[2] == 3 and 0 < shape[0] <= 256 >= shape[1] > 0


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))


def test_bin_weights_are_refused(tiny_ltx_dir: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_ltx_dir, tmp_path / "pickled")
    weights = folder / "vae" / "diffusion_pytorch_model.safetensors"
    weights.rename(weights.with_suffix(".bin"))
    with pytest.raises(BackendError, match="vae weights .* are not safetensors") as info:
        load_backend("ltx", folder, "cpu", "full")
    assert info.value.code == "not_safetensors" and info.value.hint


def test_corrupt_safetensors_are_a_readable_error(tiny_ltx_dir: Path, tmp_path: Path) -> None:
    folder = _copy(tiny_ltx_dir, tmp_path / "corrupt")
    (folder / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"\0garbage" * 9)
    with pytest.raises(BackendError, match="could not be loaded") as info:
        load_backend("ltx", folder, "cpu", "full")
    assert info.value.code == "corrupt_weights" and "download" in info.value.hint


def test_missing_files_wrong_family_and_unknown_family(tiny_ltx_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="no model_index.json"):
        load_backend("ltx", tmp_path, "cpu", "full")
    folder = _copy(tiny_ltx_dir, tmp_path / "no-vae")
    shutil.rmtree(folder / "vae")
    with pytest.raises(BackendError, match="vae weights are missing") as info:
        load_backend("ltx", folder, "cpu", "full")
    assert info.value.code == "missing_files"
    (folder / "model_index.json").write_text('{"_class_name": "WanPipeline"}')
    with pytest.raises(BackendError, match="not LTX-Video"):
        load_backend("ltx", folder, "cpu", "full")
    with pytest.raises(BackendError, match="not supported"):
        load_backend("sdxl", folder, "cpu", "full")


def test_offload_without_accelerate_is_a_readable_error(
        tiny_ltx_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "accelerate" else find_spec(name, *a))
    with pytest.raises(BackendError, match="'offload' memory profile needs the accelerate") as info:
        load_backend("ltx", tiny_ltx_dir, "cuda", "offload")
    assert info.value.code == "offload_unavailable"


def test_profiles_step_down_to_none() -> None:
    assert [next_profile(p) for p in PROFILES] == [*PROFILES[1:], None]
    with pytest.raises(ValueError, match="unknown memory profile"):
        next_profile("huge")
