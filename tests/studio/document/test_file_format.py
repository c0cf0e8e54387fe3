"""What a project file can hold is recorded for its format number, so a change to it cannot go
out under the old number (an older Frameloom would then refuse the file on an unknown field or
kind, where a new number makes it say the project is from a newer Frameloom).

The record of format N is ``tests/data/file_format_N.json``: every schema's fields with their
types (literals list their values) and the values checked on load. After a deliberate change,
bump ``studio.document.migrations.SCHEMA_VERSION`` with an upgrade step, then write the new
record with ``python tests/studio/document/test_file_format.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from engine.protocol import ATTENTION_BACKENDS
from studio.document import migrations, serialize

DATA = Path(__file__).parents[2] / "data"


def described() -> dict[str, Any]:
    """The schemas a file may hold, each field as ``type`` or ``type (optional)``."""
    out: dict[str, Any] = {}
    for name, cls in sorted(serialize.SCHEMAS.items()):
        out[name] = {field: _shown(hint) + ("" if required else " (optional)")
                     for field, hint, required in serialize._fields(cls)}
    out["values checked on load"] = {"GeneratedSpec.attention": list(ATTENTION_BACKENDS)}
    return out


def _shown(hint: Any) -> str:
    """``str``, ``Literal['still', 'clip']``, ``tuple[Pin, ...]``: a type without modules."""
    if isinstance(hint, type):
        return hint.__name__
    return re.sub(r"\b(studio\.document\.\w+|typing|fractions)\.", "", str(hint))


def record(version: int) -> Path:
    return DATA / f"file_format_{version}.json"


def test_the_file_format_is_the_one_its_number_says() -> None:
    version = migrations.SCHEMA_VERSION
    file = record(version)
    hint = (f"What a project file can hold differs from what format {version} holds "
            f"({file.name}): bump SCHEMA_VERSION with an upgrade step and record the new "
            f"format (see this module's docstring).")
    assert file.exists(), hint
    assert described() == json.loads(file.read_text(encoding="utf-8")), hint


def test_the_format_2_record_predates_imported_sound() -> None:
    """Format 3 is format 2 with audio files in the pool, a shot's LoRAs, draft, attention
    and compile, and nothing else."""
    two, three = (json.loads(record(v).read_text(encoding="utf-8")) for v in (2, 3))
    assert "audio" not in two["MediaRef"]["kind"] and "audio" in three["MediaRef"]["kind"]
    assert set(three) - set(two) == {"LoraUse"}
    added = {f"{name}.{field}" for name, fields in three.items() if name in two
             and name in serialize.SCHEMAS for field in fields if field not in two[name]}
    assert added == {"GeneratedSpec.loras", "GeneratedSpec.draft", "GeneratedSpec.attention",
                     "GeneratedSpec.compile"}



def _added(older: int, newer: int) -> set[str]:
    """``Schema.field`` of each field format ``newer`` has and ``older`` has not; every
    schema and field of ``older`` is in ``newer`` as it was."""
    old, new = (json.loads(record(v).read_text(encoding="utf-8")) for v in (older, newer))
    assert set(new) == set(old)
    assert all(new[name][field] == value for name, fields in old.items()
               for field, value in fields.items())
    return {f"{name}.{field}" for name, fields in new.items()
            for field in fields if field not in old[name]}


def test_format_4_adds_only_a_long_shot_s_drift_retries() -> None:
    assert _added(3, 4) == {"GeneratedSpec.drift_retries"}


def test_format_5_adds_only_a_track_s_lock() -> None:
    assert _added(4, 5) == {"Track.locked"}


def test_format_6_adds_only_the_timeline_s_markers() -> None:
    five, six = (json.loads(record(v).read_text(encoding="utf-8")) for v in (5, 6))
    assert set(six) - set(five) == {"Marker"}
    assert {f"{name}.{field}" for name, fields in six.items() if name in five
            for field in fields if field not in five[name]} == {"Timeline.markers"}
    assert all(six[name][field] == value for name, fields in five.items()
               for field, value in fields.items())


if __name__ == "__main__":
    written = record(migrations.SCHEMA_VERSION)
    written.write_text(json.dumps(described(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {written}")
