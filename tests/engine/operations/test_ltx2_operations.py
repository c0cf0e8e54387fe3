"""Every operation the catalog declares for LTX-2, through ``frameloom-engine generate`` on its
tiny random-weight pipeline (installed under the catalog's id), and the take's sound."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from family_cases import generate, installer, still_png
from test_operations import assert_same_frames, coloured_clip

from engine.models.catalog import catalog_entry
from engine.operations.runner import read_clip
from engine.output.video import read_settings

MODEL = "ltx-2"
ENTRY = catalog_entry(MODEL)
assert ENTRY is not None


@pytest.fixture
def installed(tiny_ltx2_dir: Path) -> str:
    return installer({"ltx2": tiny_ltx2_dir}, {MODEL: "ltx2"})(MODEL)


@pytest.fixture
def still(tmp_path: Path) -> str:
    return still_png(tmp_path)


def _generate(*args: str) -> int:
    return generate(MODEL, *args)


def generate_from(take: Path, out: Path) -> int:
    from engine.cli.main import main

    return main(["generate", "--from", str(take), "-o", str(out)])


def _streams(path: Path) -> dict[str, tuple[str, float]]:
    """Each stream's kind -> (codec, seconds)."""
    with av.open(str(path)) as container:
        return {s.type: (s.codec_context.name, float(s.duration * s.time_base))
                for s in container.streams}


def test_ltx2_catalog_entry_declares_what_its_pins_allow() -> None:
    # Extend backward, bridge and loop pin the last frame, which is never a latent frame start.
    assert ENTRY.family == "ltx2" and ENTRY.operations == ("shot", "extend_forward", "long_shot")


@pytest.mark.parametrize("operation", ENTRY.operations)
def test_ltx2_runs_every_operation_its_catalog_entry_declares(
        installed: str, still: str, tmp_path: Path, operation: str) -> None:
    out, joined = tmp_path / "take.mp4", tmp_path / "joined.mp4"
    if operation == "shot":
        # A first frame and a keyframe at frame 5 (latent 2 of the tiny 4x VAE).
        assert _generate("--pin", f"{still}@0", "--pin", f"{still}@5", "--frames", "9", "-o",
                         str(out)) == 0
        assert len(read_clip(str(out), 32, 32)) == 9
        assert [p["target_frame"] for p in read_settings(out)["pins"]] == [0, 5]
    elif operation == "extend_forward":
        clip = coloured_clip(tmp_path / "a.mp4", 12)
        assert _generate("--extend-forward", str(clip), "--frames", "7", "-o", str(out),
                         "--joined", str(joined)) == 0
        assert len(read_clip(str(out), 32, 32)) == 7
        assert_same_frames(read_clip(str(joined), 32, 32)[:12], read_clip(str(clip), 32, 32))
        (window,) = read_settings(out)["windows"]
        (pinned,) = window["request"]["pins"]
        assert (pinned["frame_count"], pinned["target_frame"]) == (5, 0)  # 4k+1, from frame 0
    else:
        assert operation == "long_shot"
        assert _generate("--duration", "1", "--window", "9", "-o", str(out)) == 0
        assert len(read_clip(str(out), 32, 32)) == 24
        assert len(read_settings(out)["windows"]) == 5


def test_ltx2_a_shot_keeps_its_sound_as_aac(installed: str, tmp_path: Path) -> None:
    out = tmp_path / "take.mp4"
    assert _generate("--frames", "9", "-o", str(out)) == 0
    streams = _streams(out)
    assert streams["video"][0] == "h264" and streams["audio"][0] == "aac"
    assert abs(streams["audio"][1] - streams["video"][1]) < 0.1  # 9 frames at 24 fps: 0.375 s
    with av.open(str(out)) as container:
        sound = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    assert sound.shape[0] == 2 and np.abs(sound).max() > 0


def _sound(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)


def test_ltx2_a_one_window_operation_keeps_the_sound_of_the_frames_it_keeps(
        installed: str, tmp_path: Path) -> None:
    # The studio sends every shot as an operation: a 12-frame shot is one 13-frame window (4k+1)
    # trimmed to 12, and its take keeps those 12 frames' sound (the plain 13-frame job's, cut).
    plain, shot = tmp_path / "plain.mp4", tmp_path / "shot.mp4"
    assert _generate("--frames", "13", "-o", str(plain)) == 0
    assert _generate("--duration", "0.5", "-o", str(shot)) == 0
    assert len(read_clip(str(shot), 32, 32)) == 12 and read_settings(shot)["operation"] == "shot"
    streams = _streams(shot)
    assert streams["audio"][0] == "aac" and abs(streams["audio"][1] - 0.5) < 0.01
    assert _streams(plain)["audio"][1] > 0.52  # 13 frames' sound: 0.54 s
    whole, kept = _sound(plain), _sound(shot)
    half = kept.shape[1] // 2  # the same samples, but for the AAC coding near the cut
    assert np.corrcoef(kept[:, :half].ravel(), whole[:, :half].ravel())[0, 1] > 0.99


def test_ltx2_a_take_with_sound_is_made_again_byte_for_byte(installed: str,
                                                            tmp_path: Path) -> None:
    first, again = tmp_path / "take.mp4", tmp_path / "again.mp4"
    assert _generate("--frames", "9", "-o", str(first)) == 0
    assert generate_from(first, again) == 0
    assert set(_streams(again)) == {"video", "audio"}
    assert first.read_bytes() == again.read_bytes()


def test_ltx2_an_operation_take_is_silent_for_now(installed: str, tmp_path: Path) -> None:
    # Windows are trimmed and joined as frames; their sound is not joined yet, so it is dropped
    # rather than put beside frames it was not made with.
    out = tmp_path / "take.mp4"
    assert _generate("--duration", "1", "--window", "9", "-o", str(out)) == 0
    assert set(_streams(out)) == {"video"}


def test_ltx2_a_pin_off_its_latent_frames_is_refused_in_one_sentence(
        installed: str, still: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "take.mp4"
    assert _generate("--pin", f"{still}@8", "--frames", "9", "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert "LTX-2 holds pins on its latent frames only" in err and err.count("\n") == 1
    assert not out.exists()

