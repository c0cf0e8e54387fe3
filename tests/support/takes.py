"""Take files for tests: a short H.264 MP4, with AAC sound as an LTX-2 take has, or silent."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_take(path: Path, *, sound: bool, frames: int = 4) -> Path:
    """``frames`` grey 64x64 frames at 24 fps (4: 1/6 s), with a mono AAC tone at 24 kHz as
    long when ``sound``."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        audio = container.add_stream("aac", rate=24_000, layout="mono") if sound else None
        for i in range(frames):
            grey = 60 * i % 256
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), grey, np.uint8), "rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            tone = np.sin(np.arange(frames * 1000) / 24_000 * 2 * np.pi * 440).astype(np.float32)
            samples = av.AudioFrame.from_ndarray(tone[None], format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 24_000, 0
            container.mux(audio.encode(samples))
            container.mux(audio.encode(None))
    return path
