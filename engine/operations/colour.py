"""Long-shot seams: match a window's colour to the previous one over their overlap; crossfade."""

from __future__ import annotations

import cv2
import numpy as np

# A flat overlap (std near zero) would blow the gain up; real seams drift by a few percent, so a
# gain outside these bounds means the statistics are not worth trusting, not a real correction.
_MIN_GAIN, _MAX_GAIN = 0.5, 2.0
_EPS = 1e-3


def to_lab(frames: np.ndarray) -> np.ndarray:
    """uint8 RGB frames (..., H, W, 3) as float32 CIE Lab (L 0..100, a and b about -127..127)."""
    flat = frames.reshape(-1, frames.shape[-2], 3).astype(np.float32) / 255.0
    return np.asarray(cv2.cvtColor(flat, cv2.COLOR_RGB2LAB)).reshape(frames.shape)


def from_lab(lab: np.ndarray) -> np.ndarray:
    """float32 Lab frames back to uint8 RGB, rounded and clipped."""
    flat = lab.reshape(-1, lab.shape[-2], 3).astype(np.float32)
    rgb = np.asarray(cv2.cvtColor(flat, cv2.COLOR_LAB2RGB)).reshape(lab.shape)
    return np.asarray(np.clip(rgb * 255.0 + 0.5, 0, 255), dtype=np.uint8)


def lab_stats(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation in Lab over every pixel of ``frames``."""
    lab = to_lab(frames).reshape(-1, 3).astype(np.float64)
    return lab.mean(axis=0), lab.std(axis=0)


def match_colour(frames: np.ndarray, own: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Shift ``frames`` so that ``own`` would have ``reference``'s Lab mean and std per channel.

    Parameters
    ----------
    frames
        uint8 RGB frames (N, H, W, 3) to correct: a whole window.
    own
        The window's overlap frames (its first frames, the ones pinned to the previous window).
    reference
        The previous window's frames over the same overlap.

    Returns
    -------
    numpy.ndarray
        The corrected frames, uint8, same shape. The gain per channel is limited to
        0.5 .. 2, since a near-flat overlap says little about the colour of the rest.
    """
    own_mean, own_std = lab_stats(own)
    ref_mean, ref_std = lab_stats(reference)
    gain = np.clip(ref_std / np.maximum(own_std, _EPS), _MIN_GAIN, _MAX_GAIN)
    lab = to_lab(frames).astype(np.float64)
    corrected = (lab - own_mean) * gain + ref_mean
    return from_lab(corrected.astype(np.float32))


def crossfade_weights(count: int) -> np.ndarray:
    """Weights of the incoming window over ``count`` overlap frames: ``(i + 1) / (count + 1)``.

    Strictly between 0 and 1, so neither side's overlap is wasted and the fade never repeats a
    frame of either side exactly.
    """
    return (np.arange(count, dtype=np.float64) + 1.0) / (count + 1.0)


def crossfade(outgoing: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    """Blend two equally long uint8 runs of frames, fading from ``outgoing`` to ``incoming``."""
    if outgoing.shape != incoming.shape:
        raise ValueError(f"crossfade needs equal shapes, got {outgoing.shape} and {incoming.shape}")
    weights = crossfade_weights(len(outgoing)).reshape(-1, 1, 1, 1)
    mixed = outgoing.astype(np.float64) * (1.0 - weights) + incoming.astype(np.float64) * weights
    return np.asarray(np.clip(mixed + 0.5, 0, 255), dtype=np.uint8)


HOLD_LIMIT = 10.0
"""Delta E from the held colour below which a later window is held to it: the slow drift of a
chain is a few Delta E, while a timed prompt that asks for other colours (a night, another
backdrop) moves a frame's dominant colour by tens, and is left alone."""


_DOMINANT_FRAMES = 16  # frames a dominant colour is read from, evenly spaced: a long window of
# a real model's size in Lab would take gigabytes, and the median of a sample is as good


def dominant_lab(frames: np.ndarray) -> np.ndarray:
    """The per-channel median CIE Lab colour of ``frames`` (up to 16 of them, evenly spaced):
    the colour most of the picture has, which an object growing, shrinking or changing colour
    barely moves."""
    picked = np.linspace(0, len(frames) - 1, min(len(frames), _DOMINANT_FRAMES)).round()
    lab = to_lab(frames[picked.astype(int)]).reshape(-1, 3)
    return np.asarray(np.median(lab, axis=0), dtype=np.float64)


def hold_colour(frames: np.ndarray, anchor: np.ndarray, ramp: np.ndarray
                ) -> tuple[np.ndarray, float]:
    """Shift ``frames`` so that their dominant colour moves towards ``anchor`` by ``ramp``.

    The shift is measured on the dominant colour (:func:`dominant_lab`), not the mean: an
    object that grows from window to window moves the mean, and holding the mean back then
    tinted the whole background (seen on frameloom-mini's long shots), while a drift of the
    picture's colour moves both.

    Parameters
    ----------
    frames
        uint8 RGB frames ``(N, H, W, 3)``: a window's new frames, after its overlap.
    anchor
        The dominant Lab colour to hold to (:func:`dominant_lab` of an earlier window).
    ramp
        ``(N,)`` weights: 0 next to the overlap, so the hold adds no jump there, rising to 1.

    Returns
    -------
    frames, moved
        The held frames (``frames`` itself when their dominant colour is :data:`HOLD_LIMIT` or
        more away, or already equal) and the Delta E held back (0 when left alone).
    """
    if not len(frames):
        return frames, 0.0
    shift = anchor - dominant_lab(frames)
    moved = float(np.linalg.norm(shift))
    if moved >= HOLD_LIMIT or moved == 0.0:
        return frames, 0.0
    held = to_lab(frames).astype(np.float64) + ramp.reshape(-1, 1, 1, 1) * shift
    return from_lab(held.astype(np.float32)), moved
