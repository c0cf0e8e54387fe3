"""Engine test fixtures: a tiny random-weight LTX pipeline, built once and linked in per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.paths import models_dir

TINY_ID = "tiny-ltx"


@pytest.fixture(scope="session")
def tiny_ltx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny LTX pipeline saved as safetensors; built once per session, never modified."""
    import torch

    from engine.tiny import build_tiny_ltx  # imports torch, so only tests that need it pay

    # Tiny models gain nothing from intra-op threads, and spinning threads make a 30 ms job take
    # over a second whenever another process shares the cores.
    torch.set_num_threads(1)
    return build_tiny_ltx(tmp_path_factory.mktemp("tiny") / TINY_ID)


@pytest.fixture
def tiny_model(tiny_ltx_dir: Path) -> str:
    """The tiny pipeline installed (as a symlink) in this test's models folder; its model id."""
    (models_dir() / TINY_ID).symlink_to(tiny_ltx_dir, target_is_directory=True)
    return TINY_ID
