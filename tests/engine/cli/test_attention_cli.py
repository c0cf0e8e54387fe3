"""``generate --attention``: the take records its attention backend (``--from`` runs it again),
and a backend this machine cannot run is refused in one sentence, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main
from engine.output.video import read_settings

FLAGS = ["generate", "--model", "tiny-ltx", "--width", "32", "--height", "32", "--frames", "9",
         "--steps", "2", "--prompt", "a kettle"]


def test_the_take_records_its_attention_backend(tiny_model: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    take, again = tmp_path / "take.mp4", tmp_path / "again.mp4"
    assert main([*FLAGS, "--attention", "math", "-o", str(take)]) == 0
    assert read_settings(take)["attention"] == "math"
    assert main(["generate", "--from", str(take), "-o", str(again)]) == 0
    assert read_settings(again)["attention"] == "math" and again.read_bytes() == take.read_bytes()
    capsys.readouterr()
    assert main([*FLAGS, "--attention", "flash"]) == 2
    assert capsys.readouterr().err == (
        "frameloom-engine: The flash attention backend needs a CUDA GPU, and this engine runs "
        "on the CPU. Use native attention (the default).\n")
    assert main([*FLAGS, "--attention", "fast"]) == 2
    assert "attention must be one of native, math" in capsys.readouterr().err
