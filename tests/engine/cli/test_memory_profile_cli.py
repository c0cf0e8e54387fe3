"""``--memory-profile``: a job starts with the memory profile it asks for (recorded in the
take), and an offload profile, which has nowhere to offload to on a CPU, is refused there in
one sentence, for one request and for an operation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.cli.main import main
from engine.output.video import read_settings, write_video

FLAGS = ["generate", "--model", "tiny-ltx", "--width", "32", "--height", "32", "--frames", "9",
         "--steps", "2", "--prompt", "a paper lantern"]


def test_a_job_starts_with_the_profile_it_asks_for(tiny_model: str, tmp_path: Path) -> None:
    take = tmp_path / "take.mp4"
    assert main([*FLAGS, "--memory-profile", "tiled", "-o", str(take)]) == 0
    settings = read_settings(take)
    assert (settings["profile"], settings["memory_profile"]) == ("tiled", "tiled")
    assert main([*FLAGS, "-o", str(take)]) == 0
    assert (read_settings(take)["profile"], read_settings(take)["memory_profile"]) == (
        "auto", "full")


@pytest.mark.parametrize(("profile", "how"), [
    ("sequential", "group offloading with CUDA streams"), ("offload", "model offloading")])
def test_offload_profiles_are_refused_on_a_cpu(tiny_model: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               profile: str, how: str) -> None:
    sentence = (f"frameloom-engine: The {profile} memory profile ({how}) moves weights between "
                "the host's memory and a GPU's, and this engine runs on the CPU. Use the auto, "
                "full or tiled profile.\n")
    assert main([*FLAGS, "--memory-profile", profile]) == 2
    assert capsys.readouterr().err == sentence
    source = tmp_path / "source.mp4"
    write_video(np.zeros((9, 32, 32, 3), np.uint8), 24, source)
    assert main([*FLAGS, "--memory-profile", profile, "--extend-forward", str(source)]) == 2
    assert capsys.readouterr().err == sentence
