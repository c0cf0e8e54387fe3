"""The Wan backend on tiny pipelines of each kind: catalog, shapes, determinism, pins, progress."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import BackendError, load_backend
from engine.models.installed import find_model, list_models
from engine.paths import models_dir
from engine.protocol.requests import GenerationRequest, Pin

torch = pytest.importorskip("torch")

KINDS = ("t2v", "i2v", "vace")


@pytest.fixture(scope="module")
def folders(tiny_wan_t2v_dir: Path, tiny_wan_i2v_dir: Path,
            tiny_wan_vace_dir: Path) -> dict[str, Path]:
    return {"t2v": tiny_wan_t2v_dir, "i2v": tiny_wan_i2v_dir, "vace": tiny_wan_vace_dir}


@pytest.fixture(scope="module")
def backends(folders: dict[str, Path]):
    loaded = {kind: load_backend("wan", folder, "cpu", "full") for kind, folder in folders.items()}
    yield loaded
    for backend in loaded.values():
        backend.close()


def _request(backend, **changes) -> GenerationRequest:
    return tiny_request(backend, "tiny-wan", **changes)


def _clip(path: Path, count: int) -> str:
    """A lossless 32x32 clip whose frame i is flat grey 20 * i, so decoded frames are exact."""
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264rgb", rate=16, options={"qp": "0"})
        stream.width = stream.height = 32
        stream.pix_fmt = "rgb24"
        for i in range(count):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 20 * i, np.uint8), "rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return str(path)


def test_list_models_finds_every_kind_as_wan(folders: dict[str, Path]) -> None:
    for folder in folders.values():
        (models_dir() / folder.name).symlink_to(folder, target_is_directory=True)
    models = {info.id: info for info in list_models()}
    for kind in KINDS:
        info = models[f"tiny-wan-{kind}"]
        assert info.family == "wan" and info.description.startswith("Wan")
        c = info.constraints
        assert (c.size_multiple, c.frame_rule, c.max_frames, c.fps) == (16, (4, 1), 81, 16)


@pytest.mark.parametrize("kind", KINDS)
def test_constraints_from_json_match_the_loaded_pipeline(
        folders: dict[str, Path], backends, still: str, kind: str) -> None:
    (models_dir() / folders[kind].name).symlink_to(folders[kind], target_is_directory=True)
    info = find_model(folders[kind].name)
    assert info.constraints == backends[kind].constraints
    assert backends[kind].kind == kind and backends[kind].memory_bytes() > 0
    tiled = load_backend("wan", info.path, "cpu", "tiled")  # tiling and slicing on the Wan VAE
    assert tiled.constraints == info.constraints and tiled.profile == "tiled"
    pins = (Pin(still, 0),) if kind == "i2v" else ()
    assert tiled.generate(_request(tiled, pins=pins), ignore_steps).shape == (9, 32, 32, 3)
    tiled.close()


def test_text_to_video_shape_and_determinism(backends) -> None:
    backend = backends["t2v"]
    request = _request(backend, width=70, height=40, frames=10)
    assert (request.width, request.height, request.frames, request.fps) == (64, 48, 13, 16)
    first = backend.generate(request, ignore_steps)
    assert first.shape == (13, 48, 64, 3) and first.dtype == np.uint8
    assert np.array_equal(first, backend.generate(request, ignore_steps))
    assert not np.array_equal(first, backend.generate(dataclasses.replace(request, seed=4),
                                                      ignore_steps))


def test_first_and_last_frame_image_to_video(backends, still: str) -> None:
    backend = backends["i2v"]
    plain = _request(backend)
    first_only = dataclasses.replace(plain, pins=(Pin(still, 0),))
    both = dataclasses.replace(plain, pins=(Pin(still, 0), Pin(still, 8, 0.5)))
    frames = backend.generate(both, ignore_steps)
    assert frames.shape == (9, 32, 32, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames, backend.generate(both, ignore_steps))
    assert not np.array_equal(frames, backend.generate(first_only, ignore_steps))


@pytest.mark.parametrize(("pins", "words"), [
    ((), "needs a still image pinned at the first frame"),
    (((8, None),), "needs a still image pinned at the first frame"),
    (((0, None), (4, None)), "first and last frames only"),
    (((0, 0),), "first and last frames only"),
])
def test_image_to_video_refuses_pins_it_cannot_hold(
        backends, still: str, tmp_path: Path, pins, words: str) -> None:
    clip = _clip(tmp_path / "clip.mp4", 3)
    request = dataclasses.replace(_request(backends["i2v"]), pins=tuple(
        Pin(still, t) if start is None else Pin(clip, t, frame_start=start, frame_count=2)
        for t, start in pins))
    with pytest.raises(BackendError, match=words) as info:
        backends["i2v"].generate(request, ignore_steps)
    assert info.value.code == "unsupported_pins" and "VACE" in info.value.hint


def test_a_text_to_video_model_refuses_pins(backends, still: str) -> None:
    request = dataclasses.replace(_request(backends["t2v"]), pins=(Pin(still, 0),))
    with pytest.raises(BackendError, match="makes text-to-video only; pinned frames need a VACE"
                                           " or image-to-video Wan model") as info:
        backends["t2v"].generate(request, ignore_steps)
    assert info.value.code == "unsupported_pins"


def test_vace_holds_an_image_in_the_middle_and_a_clip(
        backends, still: str, tmp_path: Path) -> None:
    from engine.backends.wan import vace_inputs

    backend = backends["vace"]
    clip = _clip(tmp_path / "clip.mp4", 6)
    plain = _request(backend)
    request = dataclasses.replace(plain, pins=(
        Pin(clip, 0, frame_start=2, frame_count=3), Pin(still, 4), Pin(still, 8, 0.7)))
    video, mask = vace_inputs(request)
    pixels = np.stack([np.asarray(frame) for frame in video])  # (9, 32, 32, 3)
    masks = np.stack([np.asarray(frame) for frame in mask])  # (9, 32, 32)
    assert pixels.shape == (9, 32, 32, 3) and masks.shape == (9, 32, 32)
    assert [int(pixels[i].mean()) for i in (0, 1, 2)] == [40, 60, 80]  # the clip's frames 2..4
    assert np.abs(pixels[4].astype(int) - (250, 10, 10)).max() <= 2
    assert (pixels[[3, 5, 6, 7]] == 128).all()
    assert [int(masks[i].max()) for i in range(9)] == [0, 0, 0, 255, 0, 255, 255, 255, 77]
    frames = backend.generate(request, ignore_steps)
    assert frames.shape == (9, 32, 32, 3) and frames.dtype == np.uint8
    assert np.array_equal(frames, backend.generate(request, ignore_steps))
    assert not np.array_equal(frames, backend.generate(plain, ignore_steps))


def test_a_clip_pin_past_the_clip_end_is_a_backend_error(
        backends, tmp_path: Path) -> None:
    clip = _clip(tmp_path / "short.mp4", 3)
    request = dataclasses.replace(_request(backends["vace"]),
                                  pins=(Pin(clip, 0, frame_start=1, frame_count=5),))
    with pytest.raises(BackendError, match="fewer than 6 frames") as info:
        backends["vace"].generate(request, ignore_steps)
    assert info.value.code == "bad_pin"


@pytest.mark.parametrize("kind", ["t2v", "vace"])
def test_on_step_counts_steps_and_previews_are_small_images(
        backends, kind: str) -> None:
    seen = []

    def on_step(done: int, total: int, preview) -> None:
        image = preview()
        seen.append((done, total, image.shape, str(image.dtype)))

    backends[kind].generate(_request(backends[kind], steps=3, width=48), on_step)
    assert [(d, t) for d, t, _, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert {(shape, dtype) for _, _, shape, dtype in seen} == {((32, 48, 3), "uint8")}


def test_folders_it_cannot_run_are_readable_errors(
        tiny_wan_t2v_dir: Path, tiny_ltx_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="not Wan") as info:
        load_backend("wan", tiny_ltx_dir, "cpu", "full")
    assert info.value.code == "wrong_family"
    folder = Path(shutil.copytree(tiny_wan_t2v_dir, tmp_path / "animate"))
    index = json.loads((folder / "model_index.json").read_text())
    (folder / "model_index.json").write_text(json.dumps({**index,
                                                         "_class_name": "WanAnimatePipeline"}))
    with pytest.raises(BackendError, match="WanAnimatePipeline is not one Frameloom runs"):
        load_backend("wan", folder, "cpu", "full")
    (folder / "model_index.json").write_text(json.dumps(index))
    weights = folder / "text_encoder" / "model.safetensors"
    weights.rename(weights.with_suffix(".bin"))
    with pytest.raises(BackendError, match="text_encoder weights .* are not safetensors"):
        load_backend("wan", folder, "cpu", "full")
    shutil.rmtree(folder / "text_encoder")
    with pytest.raises(BackendError, match="text_encoder weights are missing"):
        load_backend("wan", folder, "cpu", "full")


def test_an_image_to_video_model_without_a_last_frame_refuses_one(
        tiny_wan_i2v_dir: Path, still: str) -> None:
    loaded = load_backend("wan", tiny_wan_i2v_dir, "cpu", "full")
    # Wan 2.2's 5B model is this pipeline with timesteps expanded per frame; it has no last frame.
    loaded._pipe.register_to_config(expand_timesteps=True)
    request = dataclasses.replace(_request(loaded), pins=(Pin(still, 0), Pin(still, 8)))
    with pytest.raises(BackendError, match="pins the first frame only; a last frame needs"):
        loaded.generate(request, ignore_steps)
    loaded.close()
