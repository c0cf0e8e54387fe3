"""What every backend inherits from engine.backends.common.LoadedPipeline, on each family."""

from __future__ import annotations

from pathlib import Path

import pytest
from backend_cases import tiny_request

from engine.backends import BackendError, load_backend

torch = pytest.importorskip("torch")

# The session fixture that builds each family's tiny model folder.
FOLDERS = {"ltx": "tiny_ltx_dir", "wan": "tiny_wan_t2v_dir"}


@pytest.fixture(params=sorted(FOLDERS))
def family(request: pytest.FixtureRequest) -> tuple[str, Path]:
    """A family and its tiny model's folder."""
    return request.param, request.getfixturevalue(FOLDERS[request.param])


def test_an_exception_in_on_step_propagates_unchanged(family: tuple[str, Path]) -> None:
    class Stop(Exception):
        pass

    def on_step(done: int, total: int, preview) -> None:
        raise Stop(done)

    name, folder = family
    backend = load_backend(name, folder, "cpu", "full")
    with pytest.raises(Stop) as info:
        backend.generate(tiny_request(backend, f"tiny-{name}"), on_step)
    assert info.value.args == (1,)
    backend.close()


def test_close_releases_the_pipeline(family: tuple[str, Path]) -> None:
    loaded = load_backend(*family, "cpu", "sequential")
    loaded.close()
    loaded.close()
    with pytest.raises(BackendError, match="unloaded"):
        loaded.memory_bytes()
