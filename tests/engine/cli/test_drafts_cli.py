"""``generate --draft`` makes a small, cached take that records its full settings, and
``generate --from DRAFT --final`` makes the exact take those settings make, bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.cli.main import main
from engine.operations.runner import read_clip
from engine.output.video import read_settings, write_video

FLAGS = ["--model", "tiny-ltx", "--width", "64", "--height", "64", "--frames", "9",
         "--steps", "4", "--seed", "5", "--prompt", "a green kite"]


def frames_of(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def test_a_draft_runs_small_and_records_its_full_settings(
        tiny_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.mp4"
    assert main(["generate", *FLAGS, "--draft", "-o", str(draft)]) == 0
    assert frames_of(draft).shape == (9, 32, 32, 3)
    settings = read_settings(draft)
    assert (settings["draft"], settings["width"], settings["height"], settings["steps"]) == (
        True, 64, 64, 4)
    run = settings["draft_run"]
    assert (run["width"], run["height"], run["steps"]) == (32, 32, 2)
    assert run["step_cache"].startswith("TaylorSeer")
    assert "note: draft: 32x32 with 2 steps (the final is 64x64 with 4)." in \
        capsys.readouterr().err


def test_make_final_reproduces_the_exact_take_bit_for_bit(tiny_model: str,
                                                          tmp_path: Path) -> None:
    draft, final, exact = (tmp_path / f"{n}.mp4" for n in ("draft", "final", "exact"))
    assert main(["generate", *FLAGS, "--draft", "-o", str(draft)]) == 0
    assert main(["generate", "--from", str(draft), "--final", "-o", str(final)]) == 0
    assert main(["generate", *FLAGS, "-o", str(exact)]) == 0
    assert np.array_equal(frames_of(final), frames_of(exact))
    assert final.read_bytes() == exact.read_bytes()
    assert read_settings(final)["draft"] is False and "draft_run" not in read_settings(final)


def test_a_draft_of_an_operation_and_its_final(tiny_model: str, tmp_path: Path) -> None:
    source = tmp_path / "source.mp4"
    write_video(np.stack([np.full((64, 64, 3), 12 * i, np.uint8) for i in range(17)]), 24,
                source)
    draft, final, exact = (tmp_path / f"{n}.mp4" for n in ("draft", "final", "exact"))
    extend = ["--extend-forward", str(source)]
    assert main(["generate", *FLAGS, *extend, "--draft", "-o", str(draft)]) == 0
    assert frames_of(draft).shape[1:3] == (32, 32)
    assert read_settings(draft)["base"]["draft"] is True
    assert main(["generate", "--from", str(draft), "--final", "-o", str(final)]) == 0
    assert main(["generate", *FLAGS, *extend, "-o", str(exact)]) == 0
    assert np.array_equal(read_clip(str(final), 64, 64), read_clip(str(exact), 64, 64))
    assert frames_of(final).shape[1:3] == (64, 64)


def test_final_is_refused_in_one_sentence_for_a_take_that_is_not_a_draft(
        tiny_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exact = tmp_path / "exact.mp4"
    assert main(["generate", *FLAGS, "-o", str(exact)]) == 0
    capsys.readouterr()
    assert main(["generate", "--from", str(exact), "--final"]) == 2
    assert capsys.readouterr().err == (
        f"frameloom-engine: {exact} cannot be made again: This take is not a draft, so it has "
        "no final to make; generate it again instead.\n")
    assert main(["generate", *FLAGS, "--final"]) == 2
    assert "--final goes with --from DRAFT.mp4" in capsys.readouterr().err
