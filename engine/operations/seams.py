"""Seam and drift measures of a take: the jump at each join and the colour drift across them."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.operations.colour import dominant_lab, to_lab

_EDGE = 8  # frames each side of a join whose mean colour is compared
NEAR = 12  # frames each side of a join whose changes ``worst_near`` takes the largest of
_FLOOR = 0.5  # grey levels: the least median change a still take is measured against
TRAVEL_MIN = 5.0  # Delta E between a bridge's two ends below which it has nothing to travel


@dataclass(frozen=True)
class Segment:
    """A run of the joined result: ``frames`` frames from ``start``, named ``name`` (a source
    clip, or a window of the take)."""

    name: str
    start: int
    frames: int


def frame_changes(frames: np.ndarray) -> np.ndarray:
    """Mean absolute change, in grey levels, from each frame to the next (``len - 1`` values)."""
    if len(frames) < 2:
        return np.zeros(0)
    values = frames.astype(np.int16)
    return np.asarray(np.abs(np.diff(values, axis=0)).reshape(len(frames) - 1, -1).mean(axis=1))


def mean_lab(frames: np.ndarray) -> np.ndarray:
    """The mean CIE Lab colour over every pixel of ``frames``."""
    return np.asarray(to_lab(frames).reshape(-1, 3).astype(np.float64).mean(axis=0))


def delta_e(first: np.ndarray, second: np.ndarray) -> float:
    """CIE76 Delta E (Euclidean distance in Lab) between the mean colours of two runs."""
    return float(np.linalg.norm(mean_lab(first) - mean_lab(second)))


def measure(joined: np.ndarray, segments: list[Segment], take: np.ndarray,
            wrap: bool = False) -> dict[str, Any]:
    """Measure every join between consecutive ``segments`` of ``joined``.

    Parameters
    ----------
    joined
        uint8 frames ``(N, H, W, 3)``: the sources and the take in time order.
    segments
        Consecutive runs covering ``joined`` in order; a join lies between each two.
    take
        The take's frames: its median frame-to-frame change is the unit of a jump.
    wrap
        Also measure the join from the last segment back to the first (a loop).

    Returns
    -------
    dict
        ``median_change`` (grey levels), and per join ``at`` (the joined frame after it),
        ``between`` (the two segments' names), ``jump`` (the change across it as a multiple
        of the median), ``worst_near`` (the largest change within :data:`NEAR` frames of it,
        the join's own included, as a multiple of the median: a jump spread over the frames
        around a join shows there), ``delta_e`` (the mean colours of up to 8 frames each side),
        ``delta_e_first`` (the later segment's mean colour against the first segment's) and
        ``dominant_delta_e_first`` (the same for their dominant colours,
        :func:`engine.operations.colour.dominant_lab`: what an object changing size leaves
        alone); then ``max_jump``, ``max_delta_e_first`` and ``max_dominant_delta_e_first`` over
        all joins (0 when there are none).
    """
    changes = frame_changes(take) if len(take) > 1 else frame_changes(joined)
    median = max(float(np.median(changes)) if len(changes) else 0.0, _FLOOR)
    first = joined[segments[0].start:segments[0].start + segments[0].frames]
    first_dominant = dominant_lab(first)
    pairs = list(itertools.pairwise(segments))
    if wrap and len(segments) > 1:
        pairs.append((segments[-1], segments[0]))
    joins: list[dict[str, Any]] = []
    jumps: list[float] = []
    drifts: list[float] = []
    dominant: list[float] = []
    for before, after in pairs:
        left = joined[before.start:before.start + before.frames]
        right = joined[after.start:after.start + after.frames]
        step = float(frame_changes(np.stack([left[-1], right[0]]))[0])
        around = np.concatenate([left[-NEAR - 1:], right[:NEAR + 1]])
        jumps.append(round(step / median, 3))
        drifts.append(round(delta_e(right, first), 3))
        dominant.append(round(float(np.linalg.norm(dominant_lab(right) - first_dominant)), 3))
        joins.append({"at": after.start, "between": [before.name, after.name],
                      "jump": jumps[-1],
                      "worst_near": round(float(frame_changes(around).max()) / median, 3),
                      "delta_e": round(delta_e(left[-_EDGE:], right[:_EDGE]), 3),
                      "delta_e_first": drifts[-1], "dominant_delta_e_first": dominant[-1]})
    return {"median_change": round(median, 3), "joins": joins,
            "max_jump": max(jumps, default=0.0), "max_delta_e_first": max(drifts, default=0.0),
            "max_dominant_delta_e_first": max(dominant, default=0.0)}


def travel(frames: np.ndarray) -> dict[str, Any] | None:
    """How a bridge moves from its first frame to its last: A's last frame, the take, B's first.

    Each frame's mean Lab colour is placed on the line from the first frame's to the last's
    (0 at A, 1 at B). A hard cut makes the whole change in one frame; a bridge that travels
    spreads it.

    Parameters
    ----------
    frames
        uint8 frames ``(N, H, W, 3)``, N >= 3: A's last, the take's, B's first.

    Returns
    -------
    dict or None
        ``delta_e`` (between the two ends' mean colours), ``largest_step`` (the largest share
        of the change made from one frame to the next; 1 is a cut) and ``frames_10_90`` (how
        many frames the change takes from 10% to 90% of the way); None when the ends differ by
        less than :data:`TRAVEL_MIN` Delta E.
    """
    labs = np.stack([mean_lab(frame[None]) for frame in frames])  # (N, 3)
    line = labs[-1] - labs[0]
    size = float(np.linalg.norm(line))
    if size < TRAVEL_MIN:
        return None
    progress = (labs - labs[0]) @ line / (size * size)  # (N,)
    first_10 = int(np.argmax(progress >= 0.1))
    first_90 = int(np.argmax(progress >= 0.9))
    return {"delta_e": round(size, 3),
            "largest_step": round(float(np.abs(np.diff(progress)).max()), 3),
            "frames_10_90": max(first_90 - first_10, 1)}
