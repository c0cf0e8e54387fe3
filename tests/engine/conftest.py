"""Engine test fixtures: tiny random-weight LTX and Wan pipelines, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.paths import models_dir

TINY_ID = "tiny-ltx"


@pytest.fixture(scope="session")
def tiny_ltx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny LTX pipeline saved as safetensors; built once per session, never modified."""
    import torch

    from support.tiny import build_tiny_ltx  # imports torch, so only tests that need it pay

    # Tiny models gain nothing from intra-op threads, and spinning threads make a 30 ms job take
    # over a second whenever another process shares the cores.
    torch.set_num_threads(1)
    return build_tiny_ltx(tmp_path_factory.mktemp("tiny") / TINY_ID)


@pytest.fixture
def tiny_model(tiny_ltx_dir: Path) -> str:
    """The tiny pipeline installed (as a symlink) in this test's models folder; its model id."""
    (models_dir() / TINY_ID).symlink_to(tiny_ltx_dir, target_is_directory=True)
    return TINY_ID


def _tiny_wan(factory: pytest.TempPathFactory, kind: str) -> Path:
    import torch

    from support.tiny import build_tiny_wan

    torch.set_num_threads(1)  # as for tiny_ltx_dir
    return build_tiny_wan(factory.mktemp("tiny") / f"tiny-wan-{kind}", kind=kind)


@pytest.fixture(scope="session")
def tiny_wan_t2v_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny text-to-video ``WanPipeline`` saved as safetensors; built once per session."""
    return _tiny_wan(tmp_path_factory, "t2v")


@pytest.fixture(scope="session")
def tiny_wan_i2v_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Wan 2.2-style ``WanImageToVideoPipeline`` (no image encoder); built once."""
    return _tiny_wan(tmp_path_factory, "i2v")


@pytest.fixture(scope="session")
def tiny_wan_vace_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ``WanVACEPipeline`` saved as safetensors; built once per session."""
    return _tiny_wan(tmp_path_factory, "vace")


@pytest.fixture(scope="session")
def tiny_wan22_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny Wan 2.2 pipelines by kind: TI2V-5B-style and the two A14B expert pairs; built once."""
    return {kind: _tiny_wan(tmp_path_factory, kind) for kind in ("ti2v", "t2v-a14b", "i2v-a14b")}


@pytest.fixture(scope="session")
def tiny_ltx2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny ``LTX2ConditionPipeline`` (video and audio) saved as safetensors; built once."""
    import torch

    from support.tiny_ltx2 import build_tiny_ltx2

    torch.set_num_threads(1)  # as for tiny_ltx_dir
    return build_tiny_ltx2(tmp_path_factory.mktemp("tiny") / "tiny-ltx2")


@pytest.fixture(scope="session")
def tiny_hunyuan15_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny HunyuanVideo 1.5 pipelines by kind (``t2v``, ``i2v``) as safetensors; built once."""
    import torch

    from support.tiny_hunyuan15 import HUNYUAN15_KINDS, build_tiny_hunyuan15

    torch.set_num_threads(1)  # as for tiny_ltx_dir
    folder = tmp_path_factory.mktemp("tiny")
    return {kind: build_tiny_hunyuan15(folder / f"tiny-hunyuan15-{kind}", kind=kind)
            for kind in HUNYUAN15_KINDS}
