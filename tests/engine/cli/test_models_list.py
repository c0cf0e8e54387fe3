"""``frameloom-engine models list`` shows each catalog model's size, memory and licence."""

from __future__ import annotations

import pytest

from engine.cli import main as cli
from engine.models.catalog import CATALOG, catalog_entry


@pytest.mark.parametrize(("model_id", "family", "size", "vram", "licence"), [
    ("ltx-2", "ltx2", "~65.0 GB", "70/64/44/16", "LTX-2 Community License Agreement"),
    ("wan2.2-ti2v-5b", "wan", "~24.0 GB", "32/28/22/12", "Apache-2.0"),
    ("wan2.2-t2v-a14b", "wan", "~130.0 GB", "80/76/40/16", "Apache-2.0"),
    ("wan2.2-i2v-a14b", "wan", "~130.0 GB", "80/76/40/16", "Apache-2.0"),
    ("hunyuanvideo-1.5-480p-t2v", "hunyuan15", "~33.0 GB", "40/36/14/10",
     "Tencent Hunyuan Community License"),
    ("hunyuanvideo-1.5-480p-i2v", "hunyuan15", "~34.0 GB", "40/36/14/10",
     "Tencent Hunyuan Community License"),
])
def test_models_list_shows_the_new_families_with_size_memory_and_licence(
        capsys: pytest.CaptureFixture[str], model_id: str, family: str, size: str, vram: str,
        licence: str) -> None:
    assert cli.main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    (line,) = [line for line in lines if line.startswith(model_id + " ")]
    entry = catalog_entry(model_id)
    assert entry is not None and entry.family == family
    assert line.split()[1:7] == [family, "not", "installed", *size.split(), vram]
    assert licence in line and line.endswith(entry.description)
    assert lines[-1].startswith("VRAM GIB: the GPU memory each memory profile needs (full, "
                                "tiled, offload, sequential)")


def test_models_list_has_a_line_for_every_catalog_entry(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == [entry.id for entry in CATALOG]
