"""Every operation the catalog declares for HunyuanVideo 1.5, through ``frameloom-engine
generate`` on its tiny random-weight pipelines (installed under the catalog's ids)."""

from __future__ import annotations

from pathlib import Path

import pytest
from family_cases import declared, generate, installer, still_png
from test_operations import assert_same_frames, coloured_clip

from engine.cli.main import main
from engine.operations.runner import read_clip
from engine.output.video import read_settings

# Catalog id -> the tiny kind built like it (tests/support/tiny_hunyuan15.py).
TINY = {"hunyuanvideo-1.5-480p-t2v": "t2v", "hunyuanvideo-1.5-480p-i2v": "i2v"}
CASES = declared(TINY)


@pytest.fixture
def install(tiny_hunyuan15_dirs: dict[str, Path]):
    return installer(tiny_hunyuan15_dirs, TINY)


@pytest.fixture
def still(tmp_path: Path) -> str:
    return still_png(tmp_path)


def test_hunyuan15_catalog_entries_declare_what_their_pipelines_hold() -> None:
    assert [op for model_id, op in CASES if TINY[model_id] == "t2v"] == ["shot"]
    # A long shot's first window pins nothing, which the image-to-video model needs.
    assert [op for model_id, op in CASES if TINY[model_id] == "i2v"] == ["shot",
                                                                          "extend_forward"]


@pytest.mark.parametrize(("model_id", "operation"), CASES)
def test_hunyuan15_runs_every_operation_its_catalog_entry_declares(
        install, still: str, tmp_path: Path, model_id: str, operation: str) -> None:
    install(model_id)
    out, joined = tmp_path / "take.mp4", tmp_path / "joined.mp4"
    if operation == "shot":
        pin = ["--pin", f"{still}@0"] if TINY[model_id] == "i2v" else []
        assert generate(model_id, *pin, "--frames", "9", "-o", str(out)) == 0
        assert len(read_clip(str(out), 32, 32)) == 9
        assert read_settings(out)["model_id"] == model_id
    else:
        assert operation == "extend_forward"
        clip = coloured_clip(tmp_path / "a.mp4", 12)
        assert generate(model_id, "--extend-forward", str(clip), "--frames", "7", "-o",
                         str(out), "--joined", str(joined)) == 0
        assert len(read_clip(str(out), 32, 32)) == 7
        assert_same_frames(read_clip(str(joined), 32, 32)[:12], read_clip(str(clip), 32, 32))
        (window,) = read_settings(out)["windows"]
        (pinned,) = window["request"]["pins"]
        assert (pinned["frame_start"], pinned["frame_count"], pinned["target_frame"]) == (11, 1, 0)


def test_hunyuan15_a_size_the_image_model_does_not_make_is_one_sentence(
        install, still: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install("hunyuanvideo-1.5-480p-i2v")
    out = tmp_path / "take.mp4"
    code = main(["generate", "--model", "hunyuanvideo-1.5-480p-i2v", "--prompt", "a",
                 "--width", "64", "--height", "32", "--steps", "2", "--frames", "9",
                 "--pin", f"{still}@0", "-o", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and not out.exists() and err.count("\n") == 1
    assert "makes 40x20 for a 64x32 shot's shape" in err and "Ask for 40x20" in err

