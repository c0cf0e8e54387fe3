"""Fake models for operation tests: frames that show the prompt they were made with and where
their pins pull them, so a take can be read back frame by frame."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

# Imported with this module, not first inside a hypothesis example: imported mid-example, later
# tiny-model reruns in the same session stopped matching bit for bit (tests/engine/cli/
# test_reproduce.py); the cause inside hypothesis's random-state handling is not pinned down.
from engine.backends.common import clip_frames

SIZE = 32
# Columns of a fake frame: black (so colour matching sees contrast), the prompt, the motion.
_PROMPT, _MOTION = slice(8, 20), slice(20, 32)


def prompt_level(prompt: str) -> int:
    """The grey level a fake model paints for ``prompt``: 60 to 240 in steps of 12."""
    return 60 + 12 * (zlib.crc32(prompt.encode()) % 16)


def picture(prompt: int, motion: float) -> np.ndarray:
    """A fake frame: a black stripe, the prompt's level, then the motion level."""
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    image[:, _PROMPT] = prompt
    image[:, _MOTION] = round(motion)
    return image


def prompt_of(image: Any) -> float:
    """The prompt level a fake frame shows."""
    return float(np.asarray(image)[:, _PROMPT].mean())


def motion_of(image: Any) -> float:
    """The motion level a fake frame shows."""
    return float(np.asarray(image)[:, _MOTION].mean())


class PinModel:
    """Pinned frames come back as pinned; every free frame shows the request's prompt and a
    motion level interpolated between the nearest pinned frames on either side (held from the
    one side there is; the prompt's level when nothing is pinned). A model that honours both
    ends of a bridge therefore makes frames that travel from A to B."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def generate(self, request: Any, on_step: Any) -> np.ndarray:
        self.requests.append(request)
        frames: dict[int, np.ndarray] = {}
        for pin in request.pins:
            assert pin.frame_start is not None
            for j, image in enumerate(clip_frames(pin, pin.frame_start, pin.frame_count,
                                                  SIZE, SIZE)):
                frames[pin.target_frame + j] = np.asarray(image)
        level = prompt_level(request.prompt)
        out = []
        for j in range(request.frames):
            if j in frames:
                out.append(frames[j])
                continue
            before = max((p for p in frames if p < j), default=None)
            after = min((p for p in frames if p > j), default=None)
            if before is not None and after is not None:
                a, b = motion_of(frames[before]), motion_of(frames[after])
                motion = a + (b - a) * (j - before) / (after - before)
            elif before is not None or after is not None:
                motion = motion_of(frames[before if before is not None else after])  # type: ignore[index]
            else:
                motion = level
            out.append(picture(level, motion))
        on_step(1, 1, None)
        return np.stack(out)


class FakeCache:
    """A pipeline cache that hands out one fake model."""

    device = "cpu"

    def __init__(self, model: Any) -> None:
        self.model = model

    def first_profile(self, _info: object, asked: str = "auto") -> str:
        return "full" if asked == "auto" else asked

    def get(self, _info: object, _profile: str) -> Any:
        return self.model
