"""The list_models record: the catalog's operations, memory, licence and fit (issue 21), read
back through the protocol's reader, which also takes an older engine's record."""

from __future__ import annotations

from pathlib import Path

from engine.models.installed import ModelDefaults, ModelInfo
from engine.models.store import model_record
from engine.protocol import ModelRecord
from engine.protocol.requests import ModelConstraints

_GIB = 2**30


def _info(model_id: str) -> ModelInfo:
    return ModelInfo(id=model_id, family="ltx2", path=Path("/models") / model_id,
                     constraints=ModelConstraints(size_multiple=32, frame_rule=(8, 1),
                                                  max_frames=121, fps=None, pin_frames=None),
                     description="test", defaults=ModelDefaults(768, 512, 121, 24))


def test_a_catalog_model_carries_its_operations_memory_and_fit() -> None:
    small = ModelRecord.from_dict(model_record(_info("ltx-2"), 24 * _GIB))
    assert small.operations == ("shot", "extend_forward", "long_shot")
    assert small.min_vram_gib == {"full": 70, "tiled": 64, "offload": 44, "sequential": 16}
    assert small.licence == "LTX-2 Community License Agreement"
    assert (small.profile, small.fits, small.fit_reason, small.max_frames) == (
        "sequential", True, None, 121)
    tiny = ModelRecord.from_dict(model_record(_info("ltx-2"), 8 * _GIB))
    assert tiny.fits is False
    assert tiny.fit_reason == ("The model ltx-2 needs at least 16 GiB of GPU memory even in its "
                               "cheapest profile (a catalog estimate), more than this GPU has "
                               "(8.0 GiB).")
    cpu = ModelRecord.from_dict(model_record(_info("ltx-2"), None))
    assert (cpu.profile, cpu.fits) == ("tiled", None)


def test_a_model_the_catalog_lacks_and_an_older_engines_record_read_as_unknown() -> None:
    record = model_record(_info("my-finetune"), 24 * _GIB)
    assert record["operations"] is None and record["defaults"]["width"] == 768
    old = ModelRecord.from_dict(_info("ltx-2").to_dict())  # before issue 21: no catalog keys
    assert (old.operations, old.min_vram_gib, old.fits, old.profile) == (None, None, None, None)
    assert old.max_frames == 121
