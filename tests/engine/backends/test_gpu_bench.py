"""bench/gpu_generate.py, the GPU benchmark of real-size configs: its configurations are the
published sizes, and the script runs end to end (on the tiny pipelines, on the CPU)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "gpu_generate.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gpu_generate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("family", "transformer", "text_encoder"), [
    ("ltx", (1.8, 2.0), (4.7, 4.8)),  # LTX-Video 2B and T5-XXL
    ("wan", (1.3, 1.5), (5.6, 5.7)),  # Wan 2.1 1.3B (1.42B parameters) and UMT5-XXL
])
def test_the_real_configurations_have_the_published_sizes(
        bench: ModuleType, family: str, transformer: tuple[float, float],
        text_encoder: tuple[float, float]) -> None:
    import torch

    with torch.device("meta"):  # shapes only: nothing is allocated
        sizes = bench.parameters(bench.real_pipeline(family, "meta"))
    assert transformer[0] < sizes["transformer"] < transformer[1]
    assert text_encoder[0] < sizes["text_encoder"] < text_encoder[1]


def test_the_script_runs_on_the_tiny_pipelines(bench: ModuleType, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rows.json"
    assert bench.main(["--scale", "tiny", "--steps", "2", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [(r["family"], r["profile"]) for r in rows] == [("ltx", "full"), ("wan", "full")]
    for row in rows:
        assert row["backend"]["steps"] == row["plain"]["steps"] == 2
        assert row["backend"]["median_step_s"] > 0 and row["backend"]["previews"] >= 1
    assert "median step s" in capsys.readouterr().out


def test_the_script_times_drafts_against_exact_calls(bench: ModuleType, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rows.json"
    assert bench.main(["--scale", "tiny", "--family", "wan", "--steps", "4", "--draft",
                       "--json", str(out)]) == 0
    [row] = json.loads(out.read_text())["rows"]
    assert row["backend"]["steps"] == 4 and row["draft"]["steps"] == 2
    assert row["draft"]["total_s"] > 0
    assert "wan full draft:" in capsys.readouterr().out


def test_without_a_gpu_the_real_scale_says_so(bench: ModuleType,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert bench.main(["--family", "ltx"]) == 2
    assert "no CUDA device here" in capsys.readouterr().err
