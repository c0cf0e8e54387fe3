"""Every operation the catalog declares for a Wan 2.2 model, through ``frameloom-engine generate``
on its tiny random-weight pipeline (installed under the catalog's id)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from family_cases import declared, generate, installer, still_png
from test_operations import assert_same_frames, coloured_clip

from engine.models.catalog import catalog_entry
from engine.operations.runner import read_clip
from engine.output.video import read_settings

# Catalog id -> the tiny kind built like it (tests/support/tiny.py).
TINY = {"wan2.2-ti2v-5b": "ti2v", "wan2.2-t2v-a14b": "t2v-a14b", "wan2.2-i2v-a14b": "i2v-a14b"}
# Image-to-video models make nothing without a still at the first frame.
NEEDS_STILL = {"wan2.2-i2v-a14b"}
CASES = declared(TINY)


@pytest.fixture
def install(tiny_wan22_dirs: dict[str, Path]):
    return installer(tiny_wan22_dirs, TINY)


@pytest.fixture
def still(tmp_path: Path) -> str:
    return still_png(tmp_path)


def _generate(model_id: str, *args: str) -> int:
    return generate(model_id, "--fps", "16", *args)


def test_wan22_catalog_entries_declare_what_their_pipelines_hold() -> None:
    assert {op for _, op in CASES} <= {"shot", "extend_forward", "long_shot"}
    assert catalog_entry("wan2.2-t2v-a14b").operations == ("shot",)  # type: ignore[union-attr]
    # A long shot pins nothing in its first window, which an image-to-video model needs.
    assert catalog_entry("wan2.2-i2v-a14b").operations == (  # type: ignore[union-attr]
        "shot", "extend_forward")


@pytest.mark.parametrize(("model_id", "operation"), CASES)
def test_wan22_runs_every_operation_its_catalog_entry_declares(
        install, still: str, tmp_path: Path, model_id: str, operation: str) -> None:
    install(model_id)
    out, joined = tmp_path / "take.mp4", tmp_path / "joined.mp4"
    pin = ["--pin", f"{still}@0"] if model_id in NEEDS_STILL else []
    if operation == "shot":
        assert _generate(model_id, *pin, "--frames", "9", "-o", str(out)) == 0
        assert len(read_clip(str(out), 32, 32)) == 9
        assert read_settings(out)["model_id"] == model_id
    elif operation == "extend_forward":
        clip = coloured_clip(tmp_path / "a.mp4", 12, fps=16)
        assert _generate(model_id, "--extend-forward", str(clip), "--frames", "7", "-o",
                         str(out), "--joined", str(joined)) == 0
        assert len(read_clip(str(out), 32, 32)) == 7
        assert_same_frames(read_clip(str(joined), 32, 32)[:12], read_clip(str(clip), 32, 32))
        (window,) = read_settings(out)["windows"]
        # One frame of context (the clip's last), which a first-frame model holds as a still.
        (pinned,) = window["request"]["pins"]
        assert (pinned["frame_start"], pinned["frame_count"], pinned["target_frame"]) == (11, 1, 0)
    else:
        assert operation == "long_shot"
        assert _generate(model_id, *pin, "--duration", "1.5", "--window", "9", "-o",
                         str(out)) == 0
        assert len(read_clip(str(out), 32, 32)) == 24
        windows = read_settings(out)["windows"]
        assert len(windows) == 3  # 9 + 8 + 8 new frames, each window pinned to one before it
        assert all(w["request"]["pins"][0]["frame_count"] == 1 for w in windows[1:])


def test_wan22_ti2v_shot_from_a_still_differs_from_text_alone(install, still: str,
                                                              tmp_path: Path) -> None:
    install("wan2.2-ti2v-5b")
    text, image = tmp_path / "t.mp4", tmp_path / "i.mp4"
    assert _generate("wan2.2-ti2v-5b", "--frames", "9", "-o", str(text)) == 0
    assert _generate("wan2.2-ti2v-5b", "--pin", f"{still}@0", "--frames", "9", "-o",
                     str(image)) == 0
    assert not np.array_equal(read_clip(str(text), 32, 32), read_clip(str(image), 32, 32))


def test_wan22_a_clip_context_is_refused_in_one_sentence(
        install, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install("wan2.2-ti2v-5b")
    clip = coloured_clip(tmp_path / "a.mp4", 12, fps=16)
    out = tmp_path / "take.mp4"
    code = _generate("wan2.2-ti2v-5b", "--extend-forward", str(clip), "--context", "5",
                     "--frames", "7", "-o", str(out))
    assert code == 2 and not out.exists()
    assert "first and last frames only" in capsys.readouterr().err

