"""Fixtures of the backend tests: a still image to pin."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def still(tmp_path: Path) -> str:
    """A 30x20 red PNG, smaller than the shots, so pinning it resizes it."""
    from PIL import Image

    path = tmp_path / "still.png"
    Image.fromarray(np.full((20, 30, 3), (250, 10, 10), np.uint8)).save(path)
    return str(path)
