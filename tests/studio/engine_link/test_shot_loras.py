"""A shot's LoRAs in the document and in its job (no Qt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.protocol import LoraChoice
from studio.document import edits, serialize
from studio.document.errors import EditError
from studio.document.model import GeneratedSpec, LoraUse, Project
from studio.engine_link.takes import request_for
from studio.ui.docks.inspector_loras import format_loras, parse_loras


def _spec(project: Project) -> GeneratedSpec:
    spec: GeneratedSpec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    return spec


def test_a_shots_loras_are_saved_and_sent_with_its_job(opened: tuple[Project, Path]) -> None:
    project, folder = opened
    assert "loras" not in serialize.encode(_spec(project))  # older files read as before
    uses = (LoraUse(name="grain", strength=0.5), LoraUse(name="glow"))
    edits.set_spec(project, "shot-1", loras=uses)
    encoded = serialize.encode(_spec(project))
    assert [lora["name"] for lora in encoded["loras"]] == ["grain", "glow"]
    assert serialize.decode(encoded, GeneratedSpec).loras == uses
    request, _ = request_for(project, folder, "shot-1")
    assert request.loras == (LoraChoice("grain", 0.5), LoraChoice("glow", 1.0))


@pytest.mark.parametrize(("loras", "words"), [
    ((LoraUse(name="a"), LoraUse(name="a")), "LoRAs must have names, each once"),
    ((LoraUse(name=" "),), "LoRAs must have names, each once"),
    ((LoraUse(name="a", strength=float("nan")),), "LoRA a needs a strength from -4 to 4"),
])
def test_loras_the_engine_would_refuse_are_refused_by_the_document(
        opened: tuple[Project, Path], loras: tuple[LoraUse, ...], words: str) -> None:
    project, _ = opened
    with pytest.raises(EditError, match=words):
        edits.set_spec(project, "shot-1", loras=loras)


def test_lora_text_reads_and_writes() -> None:
    uses = parse_loras(" grain:0.5 ,glow,, x:y:2 ")
    assert uses == (LoraUse(name="grain", strength=0.5), LoraUse(name="glow"),
                    LoraUse(name="x:y", strength=2.0))
    assert format_loras(uses) == "grain:0.5, glow, x:y:2"
    assert parse_loras("") == ()
    for bad in ("grain:", ":0.5", "grain:inf"):
        with pytest.raises(ValueError, match="is not NAME or NAME:STRENGTH"):
            parse_loras(bad)
