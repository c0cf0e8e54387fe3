"""Session-wide media fixtures, generated once into a temporary folder (nothing downloaded)."""

from __future__ import annotations

import os
from pathlib import Path

import fixtures as fx
import pytest
from fixtures import CLIPS, STILLS

os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 prints its whole configuration otherwise

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
