"""Fade out a pin's error where a take meets a source clip, so the join shows no jump.

A model gives back a pinned frame close to the clip's, not equal to it: frameloom-mini's pinned
frames come back 2-5 median frame changes off (a trip through its VAE), while its own next frame
follows the pinned one within about 1.5 (``bench/seams.py``). So the visible jump at a join is
the pin's error, not the model's motion. Here the error at each end of the take that meets a
clip (the clip's frame next to the take minus the model's version of that same frame) is added
to the take's frames there, fully on the frame next to the clip and fading to nothing over
:data:`FADE` frames: the model's motion is kept, and the error spreads over half a second
instead of one cut. Where the model moved an object a little, the fading difference can show
as a faint ghost of the clip's frame for a few frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.operations.plans import Clip, Window

FADE = 12
"""Frames over which a pin's error fades out of the take (half a second at 24 fps)."""
LIMIT = 16.0
"""Mean error in grey levels above which an end is not mended: a pin comes back 5-10 levels off
(``bench/seams.py``), while a take that ends far from its clip (a bridge that never reaches B)
did not honour the pin, and fading that in would hide a failed take behind a dissolve; its seam
is measured and shown instead."""


@dataclass(frozen=True)
class Edge:
    """One end of a take that meets a source clip: which end, and the pin's error there.

    ``error`` is float32 ``(H, W, 3)``: the clip's frame minus the model's version of it.
    """

    side: str
    error: np.ndarray

    @property
    def size(self) -> float:
        """The mean absolute error in grey levels."""
        return float(np.abs(self.error).mean())


def error(wanted: np.ndarray, made: np.ndarray) -> np.ndarray:
    """How far the frame a join shows (``wanted``) is from the model's version of it (float32)."""
    return np.asarray(wanted.astype(np.float32) - made.astype(np.float32))


def pinned_source(window: Window, index: int, clips: tuple[Clip, ...]) -> tuple[str, int] | None:
    """The source clip and its frame that ``window`` pins at its frame ``index``, if any.

    Only the operation's own clips count: a pin of a previous window's output (a long shot's
    chain) or a user's still is not a frame of the joined result.
    """
    paths = {clip.path for clip in clips}
    for pin in window.request.pins:
        if (pin.path in paths and pin.frame_start is not None
                and pin.target_frame <= index < pin.target_frame + pin.frame_count):
            return pin.path, pin.frame_start + index - pin.target_frame
    return None


def edge(side: str, window: Window, frames: np.ndarray, clips: tuple[Clip, ...],
         read: Any) -> Edge | None:
    """The pin error at the ``side`` ("start" or "end") of the frames ``window`` keeps.

    Parameters
    ----------
    frames
        The window's whole output, uint8 ``(N, H, W, 3)``, colour-matched as it is kept.
    read
        ``read(path, width, height)``: a clip's frames as the joined result shows them.

    Returns
    -------
    Edge or None
        None when the frame beyond that end of the kept range is not a pinned clip frame, or
        when the model's frame there is more than :data:`LIMIT` off the clip's.
    """
    index = window.keep.start - 1 if side == "start" else window.keep.end
    if not 0 <= index < len(frames):
        return None
    source = pinned_source(window, index, clips)
    if source is None:
        return None
    path, number = source
    _, height, width, _ = frames.shape
    clip = read(path, width, height)
    if number >= len(clip):
        return None
    found = Edge(side, error(clip[number], frames[index]))
    return found if found.size <= LIMIT else None


def weights(count: int, fade: int) -> np.ndarray:
    """Weights of an error over a take's first ``count`` frames: ``1 - (i + 1) / (n + 1)`` for
    ``i < n = min(fade, count)``, then 0; the frame next to the clip gets ``n / (n + 1)``."""
    n = min(fade, count)
    i = np.arange(count, dtype=np.float32)
    return np.asarray(np.clip(1.0 - (i + 1.0) / (n + 1.0), 0.0, 1.0))


def mend(take: np.ndarray, edges: list[Edge], fade: int = FADE) -> np.ndarray:
    """``take`` with each edge's error faded in at its end (a new uint8 array).

    With both ends mended, each fade stops one frame short of the other end, so neither
    disturbs the other's match.
    """
    if not edges:
        return take
    count = len(take) - 1 if len(edges) == 2 else len(take)
    ramp = weights(len(take), min(fade, max(count, 1)))
    mended = take.astype(np.float32)
    for found in edges:
        w = ramp if found.side == "start" else ramp[::-1]
        mended += w.reshape(-1, 1, 1, 1) * found.error
    return np.asarray(np.clip(mended + 0.5, 0, 255), dtype=np.uint8)


def record(edges: list[Edge]) -> dict[str, float]:
    """What a take's seam record says of its mended ends: each end's mean error (grey levels)."""
    return {found.side: round(found.size, 3) for found in edges}
