"""A take whose file carries sound (as an LTX-2 take does: AAC in its MP4) is marked as having
sound in the take's metadata; a silent take is not (issue 21)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from studio.document import persistence
from studio.engine_link.takes import take_for, take_sound


def _mp4(path: Path, *, sound: bool) -> Path:
    """Four grey 64x64 frames at 24 fps, with a 1/6 s AAC tone at 24 kHz when ``sound``."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        audio = container.add_stream("aac", rate=24_000, layout="mono") if sound else None
        for i in range(4):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 60 * i, np.uint8), "rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            tone = np.sin(np.arange(4000) / 24_000 * 2 * np.pi * 440).astype(np.float32)
            samples = av.AudioFrame.from_ndarray(tone[None], format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 24_000, 0
            container.mux(audio.encode(samples))
            container.mux(audio.encode(None))
    return path


def test_a_take_with_sound_is_marked_and_a_silent_one_is_not(tmp_path: Path,
                                                             sample_project: Path) -> None:
    project = persistence.open_project(sample_project).project
    shot = "shot-1"
    sound = take_sound(_mp4(tmp_path / "ltx2-take.mp4", sound=True))
    assert sound == {"codec": "aac", "sample_rate": 24_000, "channels": 1}
    take = take_for(project, shot, "job-1", "takes/a.mp4", {}, sound)
    assert take is not None and take.metadata == {"sound": sound}
    assert take_sound(_mp4(tmp_path / "silent.mp4", sound=False)) is None
    assert take_sound(tmp_path / "gone.mp4") is None
    silent = take_for(project, shot, "job-2", "takes/b.mp4", {}, None)
    assert silent is not None and "sound" not in silent.metadata
