"""Session-wide media fixtures, generated once into a temporary folder (nothing downloaded)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import fixtures as fx

os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints its whole configuration otherwise

FAST = {"preset": "veryfast", "crf": "20"}
CLIPS = {
    # 96 frames, a keyframe every 12: seeks land mid-GOP and B-frames are reordered.
    "cfr.mp4": dict(frames=96, options={**FAST, "g": "12", "keyint_min": "12",
                                        "sc_threshold": "0"}),
    # Durations of 1, 2 and 3 thirtieths of a second, cycled.
    "vfr.mp4": dict(frames=60, durations=(3000, 6000, 9000), options={**FAST, "g": "12"}),
    # A phone held upright: stored landscape, shown turned 90 degrees clockwise.
    "rotated.mp4": dict(frames=24, rotation=-90, options=FAST),
    "one-frame.mp4": dict(frames=1, options=FAST),
    "hevc.mp4": dict(codec="libx265", frames=24, options={"x265-params": "log-level=none"}),
    "prores.mov": dict(codec="prores_ks", pix_fmt="yuv422p10le", frames=24),
    "vp9.webm": dict(codec="libvpx-vp9", frames=24,
                     options={"deadline": "realtime", "cpu-used": "8"}),
    "av1.mkv": dict(codec="libsvtav1", frames=24, options={"preset": "12"}),
    "audio.mp4": dict(frames=24, audio=True, options=FAST),
}
STILLS = {
    "still.png": dict(fmt="PNG"),
    "alpha.png": dict(fmt="PNG", alpha=True),
    "exif6.jpg": dict(fmt="JPEG", orientation=6),
    "still.webp": dict(fmt="WEBP"),
    "still.tiff": dict(fmt="TIFF"),
}


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture file by name: good clips and stills, and bad files."""
    folder = tmp_path_factory.mktemp("media")
    files = {name: fx.write_clip(folder / name, **spec) for name, spec in CLIPS.items()}
    files.update({name: fx.write_still(folder / name, **spec) for name, spec in STILLS.items()})
    files["truncated.mp4"] = fx.write_truncated(files["cfr.mp4"], folder / "truncated.mp4")
    files["empty.mp4"] = folder / "empty.mp4"
    files["empty.mp4"].write_bytes(b"")
    files["text.mp4"] = folder / "text.mp4"
    files["text.mp4"].write_text("This is not a video, just some notes.\n" * 20)
    files["huge.png"] = fx.write_huge_png_header(folder / "huge.png")
    files["unknown-codec.mkv"] = fx.write_unknown_codec(files["vp9.webm"],
                                                        folder / "unknown-codec.mkv")
    files["audio-only.m4a"] = folder / "audio-only.m4a"
    fx.write_audio_only(files["audio-only.m4a"])
    return files
