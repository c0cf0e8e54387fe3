"""``compile``: the transformer's repeated blocks run compiled for a job that asks (close to the
eager frames), and eager again for one that does not (exactly the eager frames). Compiling the
tiny model takes about a minute on two CPU cores, hence slow."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backend_cases import tiny_request

from engine.backends import load_backend

torch = pytest.importorskip("torch")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_compiled_blocks_for_the_job_that_asks_and_eager_after(tiny_ltx_dir: Path) -> None:
    backend = load_backend("ltx", tiny_ltx_dir, "cpu", "full")
    blocks = list(backend._pipe.transformer.transformer_blocks)
    compiled_during: list[bool] = []

    def on_step(done: int, total: int, preview: Any) -> None:
        compiled_during.append(all(b._compiled_call_impl is not None for b in blocks))

    eager = tiny_request(backend, "tiny", frames=5)
    before = backend.generate(eager, on_step)
    fused = backend.generate(dataclasses.replace(eager, compile=True), on_step)
    after = backend.generate(eager, on_step)
    assert compiled_during == [False, False, True, True, False, False]
    assert np.abs(fused.astype(int) - before.astype(int)).max() <= 2
    assert np.array_equal(after, before)
    backend.close()
