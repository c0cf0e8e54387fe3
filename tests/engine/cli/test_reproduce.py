"""Reproducibility: takes record what made them, and ``generate --from`` makes them again, bit for
bit on a CPU (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from engine.cli.main import main
from engine.operations.runner import read_clip
from engine.output import record as reproduce
from engine.output.record import (
    changes_since,
    fingerprint,
    model_revision,
    request_from_settings,
)
from engine.output.video import read_settings, write_video
from engine.protocol.requests import GenerationRequest, Pin, RequestError

FLAGS = ["--model", "tiny-ltx", "--width", "32", "--height", "32", "--frames", "9",
         "--steps", "2", "--seed", "11"]


def frames_of(path: Path) -> np.ndarray:
    return read_clip(str(path), 32, 32)


def test_a_take_records_versions_the_model_revision_and_pin_fingerprints(
        tiny_model: str, tmp_path: Path) -> None:
    still = tmp_path / "still.png"
    Image.new("RGB", (32, 32), (240, 210, 40)).save(still)
    out = tmp_path / "take.mp4"
    assert main(["generate", *FLAGS, "--prompt", "a yellow star", "--pin", f"{still}@0",
                 "-o", str(out)]) == 0
    settings = read_settings(out)
    assert settings["frameloom_version"] and settings["memory_profile"] == "full"
    assert settings["model_revision"].startswith("local:sha256:")
    assert settings["pin_fingerprints"] == [fingerprint(still)]
    assert settings["pins"][0]["path"] == str(still) and settings["seed"] == 11


def test_the_same_settings_make_bit_identical_frames_and_from_reruns_them(
        tiny_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, again = (tmp_path / f"{n}.mp4" for n in ("first", "second", "again"))
    for out in (first, second):
        assert main(["generate", *FLAGS, "--prompt", "a red circle", "-o", str(out)]) == 0
    assert np.array_equal(frames_of(first), frames_of(second))
    assert main(["generate", "--from", str(first), "-o", str(again)]) == 0
    assert np.array_equal(frames_of(first), frames_of(again))
    assert first.read_bytes() == again.read_bytes()  # the encoder is deterministic too
    assert "may differ" not in capsys.readouterr().err


def test_from_reruns_an_operation_take(tiny_model: str, tmp_path: Path) -> None:
    source = tmp_path / "source.mp4"
    ramp = np.stack([np.full((32, 32, 3), 10 * i, np.uint8) for i in range(17)])
    write_video(ramp, 24, source)
    take, again = tmp_path / "take.mp4", tmp_path / "again.mp4"
    assert main(["generate", *FLAGS, "--prompt", "a blue square", "--extend-forward",
                 str(source), "-o", str(take)]) == 0
    assert main(["generate", "--from", str(take), "-o", str(again)]) == 0
    assert np.array_equal(frames_of(take), frames_of(again))
    assert read_settings(again)["spec"]["kind"] == "extend_forward"


def test_from_reruns_an_operation_on_part_of_a_clip(tiny_model: str, tmp_path: Path) -> None:
    from engine.cli.generate import run_operation
    from engine.operations.planner import Clip, Operation

    source = tmp_path / "source.mp4"
    write_video(np.stack([np.full((32, 32, 3), 10 * i, np.uint8) for i in range(20)]), 24, source)
    request = GenerationRequest("tiny-ltx", "a blue square", 32, 32, 9, 24, seed=11, steps=2,
                                guidance=3.0)
    take, again = tmp_path / "take.mp4", tmp_path / "again.mp4"
    used = Clip(str(source), 12, start=3)  # a trimmed clip: its frames 3-14
    assert run_operation(request, Operation("extend_forward", 9, (used,)), str(take), None) == 0
    assert read_settings(take)["spec"]["ranges"] == [[3, 12]]
    assert main(["generate", "--from", str(take), "-o", str(again)]) == 0
    assert np.array_equal(frames_of(take), frames_of(again))
    [pin] = read_settings(again)["windows"][0]["request"]["pins"]
    assert pin["frame_start"] + pin["frame_count"] == 15  # still ends at the used part's end


def test_from_says_what_changed_since_the_take(tiny_model: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    still = tmp_path / "still.png"
    Image.new("RGB", (32, 32), (50, 90, 220)).save(still)
    take = tmp_path / "take.mp4"
    assert main(["generate", *FLAGS, "--prompt", "x", "--pin", f"{still}@0", "-o",
                 str(take)]) == 0
    Image.new("RGB", (32, 32), (220, 50, 50)).save(still)
    assert main(["generate", "--from", str(take), "-o", str(tmp_path / "again.mp4")]) == 0
    assert f"the pinned file {still} has changed or is missing" in capsys.readouterr().err


def test_from_a_file_frameloom_did_not_make_is_one_sentence(
        tiny_model: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = write_video(np.zeros((3, 32, 32, 3), np.uint8), 24, tmp_path / "plain.mp4")
    assert main(["generate", "--from", str(plain)]) == 2
    err = capsys.readouterr().err
    assert "carries no Frameloom generation settings" in err and err.count("\n") == 1
    assert main(["generate", "--from", str(tmp_path / "gone.mp4")]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert main(["generate", "--model", "x"]) == 2
    assert "--prompt is required (or --from TAKE.mp4)" in capsys.readouterr().err


def test_model_revision_prefers_the_hub_commit_and_else_fingerprints_the_files(
        tmp_path: Path) -> None:
    folder = tmp_path / "model"
    (folder / "transformer").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "LTXPipeline"}))
    weights = folder / "transformer" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(b"a" * 100)
    local = model_revision(folder)
    assert local.startswith("local:sha256:") and model_revision(folder) == local
    other = tmp_path / "other"
    (other / "transformer").mkdir(parents=True)
    (other / "model_index.json").write_text(json.dumps({"_class_name": "LTXPipeline"}))
    (other / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"b" * 100)
    assert model_revision(other) != local
    marker = folder / ".cache" / "huggingface" / "download" / "model_index.json.metadata"
    marker.parent.mkdir(parents=True)
    marker.write_text("0123abc\netag\n1700000000\n")
    reproduce._model_revision.cache_clear()  # a revision is cached per folder for a worker
    assert model_revision(folder) == "hub:0123abc"


def test_fingerprints_see_both_ends_of_a_file(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(3 << 20))
    before = fingerprint(big)
    with open(big, "r+b") as handle:
        handle.seek((3 << 20) - 1)
        handle.write(b"\x01")
    assert fingerprint(big) != before


def test_request_from_settings_and_changes_since(tmp_path: Path) -> None:
    request = GenerationRequest(model_id="m", prompt="p", width=32, height=32, frames=9, fps=24,
                                seed=1, steps=2, guidance=1.0,
                                pins=(Pin(str(tmp_path / "gone.png"), 0),))
    settings = {**request.to_dict(), "memory_profile": "full", "model_revision": "hub:old",
                "pin_fingerprints": ["sha256:before"]}
    assert request_from_settings(settings) == request
    with pytest.raises(RequestError, match="no Frameloom generation settings"):
        request_from_settings({"encoder": "x"})
    (tmp_path / "m").mkdir()
    notes = changes_since(settings, request, tmp_path / "m")
    assert len(notes) == 2 and "not the revision" in notes[0] and "gone.png" in notes[1]


def test_small_takes_encode_to_the_same_file_every_time(tiny_model: str, tmp_path: Path) -> None:
    # x264's macroblock tree made one of a few files from the same 64x64 frames, changing with
    # the process's memory: `--from` reruns of small takes failed about one run in three.
    from engine.cli.generate import run_operation
    from engine.operations.planner import Clip, Operation

    source = tmp_path / "source.mp4"
    write_video(np.stack([np.full((64, 64, 3), 10 * i, np.uint8) for i in range(20)]), 24, source)
    request = GenerationRequest("tiny-ltx", "a blue square", 64, 64, 9, 24, seed=11, steps=2,
                                guidance=3.0)
    streams = set()
    for n in range(12):
        out = tmp_path / f"take-{n}.mp4"
        assert run_operation(request, Operation("extend_forward", 9, (Clip(str(source), 20),)),
                             str(out), None) == 0
        with av.open(str(out)) as container:
            streams.add(b"".join(bytes(packet) for packet in container.demux(video=0)))
    assert len(streams) == 1
