"""Shared test set-up: headless Qt, an isolated FRAMELOOM_HOME, and the gpu marker."""

from __future__ import annotations

import os

import pytest

from document_factory import build_document

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every data, cache and runtime path of the app inside a temporary folder."""
    monkeypatch.setenv("FRAMELOOM_HOME", str(tmp_path_factory.mktemp("frameloom-home")))


# Tests that start real engine processes (each imports torch and diffusers in its worker), train
# frameloom-mini or generate through the shipped model: about two thirds of the suite's time.
# `pytest -m "not slow"` is the quick local run; CI runs everything.
SLOW_PATHS = ("tests/engine/service/", "tests/engine/mini/test_train.py",
              "tests/engine/mini/test_shipped.py", "tests/engine/operations/test_operations.py",
              "tests/engine/cli/test_reproduce.py", "tests/engine/cli/test_model_commands.py",
              "tests/engine/operations/test_wan22_operations.py",
              "tests/engine/operations/test_ltx2_operations.py",
              "tests/engine/operations/test_hunyuan15_operations.py",
              "tests/studio/engine_link/test_real_engine.py",
              "tests/studio/ui/generation/test_engine_bridge.py",
              "tests/studio/ui/generation/test_family_generate_menu.py", "tests/test_typing.py",
              "tests/test_boundaries.py", "tests/engine/cluster/test_cluster.py",
              "tests/engine/cluster/test_head_loss.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if where.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return  # importing torch costs seconds; only pay it when a gpu test is collected
    try:
        import torch

        has_gpu = torch.cuda.is_available()
    except ImportError:
        has_gpu = False
    if not has_gpu:
        skip = pytest.mark.skip(reason="needs a CUDA GPU")
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture
def document():
    """A fresh project with every item kind, both transition kinds, pins and takes."""
    return build_document()


@pytest.fixture(scope="session")
def _pristine_sample(tmp_path_factory: pytest.TempPathFactory):
    from studio.sample import make_sample_project  # av and cv2 only for tests that use it

    return make_sample_project(tmp_path_factory.mktemp("pristine") / "sample")


@pytest.fixture
def sample_project(_pristine_sample, tmp_path):
    """The procedural sample's ``.frameloom`` file, in a folder of its own the test may change."""
    import shutil
    from pathlib import Path

    folder = shutil.copytree(_pristine_sample.parent, tmp_path / "sample")
    return Path(folder) / _pristine_sample.name
