"""Probing: exact counts, rates, rotation and codecs for every format; readable errors otherwise."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import fixtures as fx
import pytest
from fixtures import CLIPS

from studio.errors import MediaError
from studio.media import MediaInfo, probe
from studio.media.info import display_size

CODECS = {"cfr.mp4": "h264", "hevc.mp4": "hevc", "prores.mov": "prores", "vp9.webm": "vp9",
          "av1.mkv": "av1", "audio.mp4": "h264"}


@pytest.mark.parametrize("name", sorted(CODECS))
def test_probe_clip_per_codec(media: dict[str, Path], name: str) -> None:
    info = probe(media[name])
    assert info.kind == "clip"
    assert info.codec == CODECS[name]
    assert (info.width, info.height) == (320, 180)
    assert (info.display_width, info.display_height) == (320, 180)
    assert info.frames == CLIPS[name]["frames"]
    assert info.rate == 24 and not info.vfr
    assert info.duration == Fraction(info.frames, 24)
    assert info.rotation == 0 and info.sample_aspect == 1 and not info.has_alpha


def test_probe_audio(media: dict[str, Path]) -> None:
    info = probe(media["audio.mp4"])
    assert (info.has_audio, info.audio_codec, info.audio_rate) == (True, "aac", 48000)
    assert not probe(media["cfr.mp4"]).has_audio


def test_probe_vfr(media: dict[str, Path]) -> None:
    info = probe(media["vfr.mp4"])
    assert info.vfr and info.frames == 60
    # 20 cycles of 1/30 + 2/30 + 3/30 seconds; the muxer guesses the last frame's duration.
    assert Fraction(39, 10) < info.duration <= 4
    assert abs(info.rate - 15) < Fraction(1, 2)  # the average: 60 frames in about 4 s


def test_probe_rotated_phone_clip(media: dict[str, Path]) -> None:
    info = probe(media["rotated.mp4"])
    assert info.rotation == 90
    assert (info.width, info.height) == (320, 180)
    assert (info.display_width, info.display_height) == (180, 320)


def test_probe_one_frame_clip(media: dict[str, Path]) -> None:
    info = probe(media["one-frame.mp4"])
    assert (info.frames, info.duration) == (1, Fraction(1, 24))


def test_to_probe_is_json_safe(media: dict[str, Path]) -> None:
    data = probe(media["vfr.mp4"]).to_probe()
    assert json.loads(json.dumps(data)) == data
    assert data["frames"] == 60 and data["vfr"] is True and data["rate"].count("/") <= 1
    still = probe(media["still.png"]).to_probe()
    assert json.loads(json.dumps(still)) == still and "rate" not in still


@pytest.mark.parametrize("name, fmt", [("still.png", "png"), ("still.webp", "webp"),
                                       ("still.tiff", "tiff"), ("alpha.png", "png")])
def test_probe_stills(media: dict[str, Path], name: str, fmt: str) -> None:
    info = probe(media[name])
    assert (info.kind, info.codec, info.frames, info.rate) == ("still", fmt, 1, None)
    assert (info.display_width, info.display_height) == (64, 32)
    assert info.has_alpha == (name == "alpha.png")


def test_probe_exif_orientation(media: dict[str, Path]) -> None:
    info = probe(media["exif6.jpg"])
    assert (info.width, info.height, info.rotation) == (64, 32, 90)
    assert (info.display_width, info.display_height) == (32, 64)


BAD = {
    "empty.mp4": "empty",
    "text.mp4": "not a video",
    "truncated.mp4": "truncated",
    "huge.png": "too large",
    "unknown-codec.mkv": "codec",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_media_gives_readable_error(media: dict[str, Path], name: str) -> None:
    with pytest.raises(MediaError) as caught:
        probe(media[name])
    message = str(caught.value)
    assert name in message and BAD[name] in message
    assert "\n" not in message and message.endswith(".")


def test_truncated_faststart_mp4_counts_what_it_holds(tmp_path: Path) -> None:
    # With the header first (+faststart) a cut file still opens; its header claims 96 frames.
    whole = fx.write_clip(tmp_path / "whole.mp4", frames=96, fmt="mp4",
                          options={"preset": "veryfast"}, muxer={"movflags": "+faststart"})
    cut = fx.write_truncated(whole, tmp_path / "cut.mp4")
    with pytest.raises(MediaError, match=r"cut\.mp4 is truncated: it holds \d+ of its 96 frames"):
        probe(cut)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="nothing.mp4 does not exist"):
        probe(tmp_path / "nothing.mp4")
    with pytest.raises(MediaError, match="is a folder"):
        probe(tmp_path)


def test_display_size_applies_pixel_aspect_then_rotation() -> None:
    assert display_size(720, 576, Fraction(16, 15), 0) == (768, 576)
    assert display_size(720, 576, Fraction(16, 15), 270) == (576, 768)
    assert display_size(321, 180, Fraction(1), 0) == (321, 180)


def test_media_info_is_frozen(media: dict[str, Path]) -> None:
    info = probe(media["cfr.mp4"])
    with pytest.raises(AttributeError):
        info.frames = 3  # type: ignore[misc]
    assert isinstance(info, MediaInfo)
