"""What the per-family operation tests share: installing a tiny pipeline under a catalog id,
running ``frameloom-engine generate`` on it at the tiny size, and a still to pin."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from engine.cli.main import main
from engine.models.catalog import catalog_entry
from engine.paths import models_dir


def declared(tiny: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(catalog id, operation)`` for every operation the catalog declares for these ids."""
    cases = []
    for model_id in tiny:
        entry = catalog_entry(model_id)
        assert entry is not None, model_id
        cases += [(model_id, operation) for operation in entry.operations]
    return cases


def installer(folders: Mapping[str, Path], tiny: Mapping[str, str]) -> Callable[[str], str]:
    """A function that links the tiny folder of a catalog id's kind in as that id."""
    def install(model_id: str) -> str:
        (models_dir() / model_id).symlink_to(folders[tiny[model_id]], target_is_directory=True)
        return model_id
    return install


def generate(model_id: str, *args: str) -> int:
    """``frameloom-engine generate`` at 32x32, 2 steps, 24 fps, seed 5, with ``args``."""
    return main(["generate", "--model", model_id, "--prompt", "a red circle", "--width", "32",
                 "--height", "32", "--steps", "2", "--fps", "24", "--seed", "5", *args])


def still_png(folder: Path) -> str:
    """A 30x20 red PNG in ``folder``, smaller than the shots, so pinning it resizes it."""
    from PIL import Image

    path = folder / "still.png"
    Image.fromarray(np.full((20, 30, 3), (250, 10, 10), np.uint8)).save(path)
    return str(path)
