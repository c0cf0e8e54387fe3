"""Worker parts without a process: verified outputs, the pipeline cache, faults, OOM detection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.backends import BackendError
from engine.backends import cache as worker_cache
from engine.models.installed import ModelDefaults, ModelInfo
from engine.output import video as video_out
from engine.output.video import OutputError, count_frames, read_settings, write_video
from engine.protocol.requests import ModelConstraints
from engine.worker.faults import Faults


def frames(n: int = 5, h: int = 32, w: int = 48) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def test_write_video_puts_a_decodable_file_in_place_with_its_settings(tmp_path: Path) -> None:
    out = write_video(frames(7), 24, tmp_path / "take.mp4", {"seed": 9, "prompt": "ünïcode"})
    assert count_frames(out) == 7 and read_settings(out) == {"seed": 9, "prompt": "ünïcode"}
    assert [p.name for p in tmp_path.iterdir()] == ["take.mp4"]  # no .partial left
    odd = write_video(frames(2, 33, 31), 24, tmp_path / "odd.mp4")  # padded to even
    assert count_frames(odd) == 2


@pytest.mark.parametrize("bad", [np.zeros((0, 8, 8, 3), np.uint8), np.zeros((2, 8, 8), np.uint8),
                                 np.zeros((2, 8, 8, 3), np.float32)])
def test_write_video_refuses_bad_frames_and_leaves_nothing(tmp_path: Path,
                                                           bad: np.ndarray) -> None:
    with pytest.raises(OutputError, match="not a non-empty"):
        write_video(bad, 24, tmp_path / "take.mp4")
    assert list(tmp_path.iterdir()) == []


def test_an_output_that_does_not_decode_whole_is_never_put_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video_out, "count_frames", lambda path: 3)
    with pytest.raises(OutputError, match="decodes to 3 frames instead of 5"):
        write_video(frames(5), 24, tmp_path / "take.mp4")
    assert list(tmp_path.iterdir()) == []


class FakeBackend:
    def __init__(self, size: int) -> None:
        self.size, self.closed = size, False

    def memory_bytes(self) -> int:
        return self.size

    def close(self) -> None:
        self.closed = True


def model(name: str, tmp_path: Path) -> ModelInfo:
    return ModelInfo(id=name, family="ltx", path=tmp_path / name,
                     constraints=ModelConstraints(32, (8, 1), 257), description="",
                     defaults=ModelDefaults(768, 512, 97, 24))


def test_pipeline_cache_keeps_models_loaded_and_evicts_least_recently_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[tuple[str, str]] = []
    sizes = {"a": 40, "b": 40, "c": 40}

    def load(family: str, folder: Path, device: str, profile: str) -> Any:
        loads.append((folder.name, profile))
        return FakeBackend(sizes[folder.name])

    monkeypatch.setattr(worker_cache, "load_backend", load)
    monkeypatch.setattr(worker_cache, "quiet_libraries", lambda: None)
    cache = worker_cache.PipelineCache(device="cpu", budget=100)
    a, b = model("a", tmp_path), model("b", tmp_path)
    first = cache.get(a, "full")
    assert cache.get(a, "full") is first and loads == [("a", "full")]  # kept between jobs
    cache.get(b, "full")
    cache.get(a, "full")  # a is now the most recently used
    cache.get(model("c", tmp_path), "full")  # 120 > 100: b goes, not a
    assert loads[-1] == ("c", "full") and cache.loaded_bytes() == 80
    assert not first.closed
    cache.get(b, "full")  # reloaded; now a is the least recently used and goes
    assert loads[-1] == ("b", "full") and first.closed and cache.loaded_bytes() == 80
    cache.clear()
    assert cache.loaded_bytes() == 0


def test_the_pipeline_in_use_is_kept_even_over_budget(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_cache, "load_backend", lambda *a: FakeBackend(500))
    monkeypatch.setattr(worker_cache, "quiet_libraries", lambda: None)
    cache = worker_cache.PipelineCache(device="cpu", budget=100)
    backend = cache.get(model("a", tmp_path), "full")
    assert cache.get(model("a", tmp_path), "full") is backend


def test_out_of_memory_errors_are_recognised() -> None:
    import torch

    assert worker_cache.is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory"))
    assert worker_cache.is_out_of_memory(RuntimeError("CUDA error: out of memory"))
    assert not worker_cache.is_out_of_memory(RuntimeError("shape mismatch"))
    assert not worker_cache.is_out_of_memory(ValueError("out of memory"))


def test_faults_only_act_when_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    prompt = "[fault oom_attempts=2] [fault sleep_per_step_ms=1] a cat"
    assert Faults(enabled=False).for_prompt(prompt) == {}
    monkeypatch.setenv("FRAMELOOM_ENGINE_FAULTS", "1")
    faults = Faults.from_env().for_prompt(prompt)
    assert faults == {"oom_attempts": 2, "sleep_per_step_ms": 1}
    import torch

    with pytest.raises(torch.OutOfMemoryError):
        Faults.inject(faults, step=1, attempt=2)
    Faults.inject(faults, step=1, attempt=3)  # past the injected attempts: nothing
    with pytest.raises(ValueError, match="unknown fault 'typo'"):
        Faults(enabled=True).for_prompt("[fault typo=1]")


def test_the_first_profile_comes_from_free_vram_on_a_gpu(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(worker_cache, "quiet_libraries", lambda: None)
    cpu = worker_cache.PipelineCache(device="cpu", budget=1)
    assert cpu.first_profile(model("wan2.1-t2v-1.3b", tmp_path)) == "full"
    gpu = worker_cache.PipelineCache(device="cuda", budget=1)
    for free_gib, expected in ((79, "full"), (12, "offload"), (4, "sequential")):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda f=free_gib: (f << 30, 80 << 30))
        assert gpu.first_profile(model("wan2.1-t2v-1.3b", tmp_path)) == expected
    assert gpu.first_profile(model("not-in-the-catalog", tmp_path)) == "full"
    # A job that asks for a profile starts with it; an offload profile only where a GPU is.
    assert gpu.first_profile(model("wan2.1-t2v-1.3b", tmp_path), "sequential") == "sequential"
    assert cpu.first_profile(model("wan2.1-t2v-1.3b", tmp_path), "tiled") == "tiled"
    with pytest.raises(BackendError, match="The offload memory profile"):
        cpu.first_profile(model("wan2.1-t2v-1.3b", tmp_path), "offload")
