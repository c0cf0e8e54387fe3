"""Sound files for tests: float PCM in WAV, which decodes back bit for bit."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def write_sound(path: Path, samples: np.ndarray, rate: int = 48_000) -> Path:
    """A WAV file of float32 ``samples`` ``(channels, n)`` (1 or 2 channels)."""
    layout = "stereo" if samples.shape[0] == 2 else "mono"
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_f32le", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.T.reshape(1, -1), np.float32), format="flt",
            layout=layout)
        frame.sample_rate, frame.pts = rate, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path
