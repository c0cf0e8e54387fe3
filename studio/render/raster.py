"""Frame-level pixel work for the renderer: fitting, letterboxing, crossfades and placeholder cards.

Every function works on ``(H, W, 3)`` uint8 RGB arrays and stays in OpenCV/numpy so that the
per-frame cost is a few C calls, never a Python loop over pixels.
"""

from __future__ import annotations

import textwrap

import cv2
import numpy as np

#: Background of a placeholder card (RGB): dark slate, so it never reads as a black gap.
CARD_BACKGROUND = (28, 32, 40)
CARD_TEXT = (230, 230, 230)


def fit_size(src_w: int, src_h: int, dst_w: int, dst_h: int) -> tuple[int, int]:
    """Largest ``(w, h)`` with the source's aspect ratio that fits inside ``dst_w x dst_h``.

    A side within one pixel of the target snaps to it, so rounding never leaves a one-pixel
    black sliver on a frame whose aspect already matches.
    """
    scale = min(dst_w / src_w, dst_h / src_h)
    w = max(1, round(src_w * scale))
    h = max(1, round(src_h * scale))
    if abs(w - dst_w) <= 1:
        w = dst_w
    if abs(h - dst_h) <= 1:
        h = dst_h
    return min(w, dst_w), min(h, dst_h)


def black(width: int, height: int) -> np.ndarray:
    """A read-only black frame; shared by every gap frame, so it must never be written to."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame.flags.writeable = False
    return frame


def letterbox(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Centre ``image`` (already fitted) on a black ``width x height`` frame.

    Returns ``image`` itself when it already has the target size: the common case costs nothing.
    """
    h, w = image.shape[:2]
    if w == width and h == height:
        return image
    top, left = (height - h) // 2, (width - w) // 2
    return cv2.copyMakeBorder(image, top, height - h - top, left, width - w - left,
                              cv2.BORDER_CONSTANT, value=(0, 0, 0))


def fit(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale ``image`` to fit ``width x height`` keeping its aspect ratio, then letterbox it."""
    h, w = image.shape[:2]
    fw, fh = fit_size(w, h, width, height)
    if (fw, fh) != (w, h):
        shrinking = fw < w
        image = cv2.resize(image, (fw, fh),
                           interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
    return letterbox(image, width, height)


def mix(outgoing: np.ndarray, incoming: np.ndarray, alpha: float) -> np.ndarray:
    """``(1 - alpha) * outgoing + alpha * incoming``, rounded, as uint8 (a linear crossfade)."""
    if alpha <= 0.0:
        return outgoing
    if alpha >= 1.0:
        return incoming
    return cv2.addWeighted(outgoing, 1.0 - alpha, incoming, alpha, 0.0)


def placeholder_card(prompt: str, width: int, height: int,
                     title: str = "Not generated yet") -> np.ndarray:
    """A dark card showing ``title`` and the wrapped ``prompt``, for a generated item with no take.

    The text scales with the frame height so the card reads the same at 320x180 and 4K.
    """
    card = np.empty((height, width, 3), np.uint8)
    card[:] = CARD_BACKGROUND
    font = cv2.FONT_HERSHEY_SIMPLEX
    scale = max(0.3, height / 480)
    thickness = max(1, round(scale * 1.5))
    (char_w, line_h), _ = cv2.getTextSize("M", font, scale, thickness)
    # Hershey glyphs average about 0.85 of an "M"; wrap to what fits in 90% of the width.
    per_line = max(8, int(width * 0.9 / (char_w * 0.85)))
    lines = [title, ""] + textwrap.wrap(prompt or "(no prompt)", per_line)[:8]
    step = int(line_h * 1.8)
    y = max(line_h + 4, (height - step * len(lines)) // 2 + line_h)
    for line in lines:
        if line:
            (w, _), _ = cv2.getTextSize(line, font, scale, thickness)
            cv2.putText(card, line, (max(4, (width - w) // 2), y), font, scale, CARD_TEXT,
                        thickness, cv2.LINE_AA)
        y += step
    card.flags.writeable = False
    return card
