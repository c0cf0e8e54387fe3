"""The models behind an export's generated takes and their licences, read from the takes' records.

The engine records a take's model licence in the take's own settings (its ``comment`` tag, key
``licence``); exports (video and OTIO) carry these records, so whoever receives the file can see
which models made it and under which terms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.document.model import Generation, Project

UNKNOWN = "unknown (not recorded in the take)"
"""The licence of a take made before takes recorded one, or by a model the catalog lacks."""


@dataclass(frozen=True)
class ModelLicence:
    """One model whose takes an export uses, and its licence as its takes recorded it.

    Parameters
    ----------
    model_id
        The model's id.
    licence
        The licence's name, or :data:`UNKNOWN`.
    restriction
        What the licence restricts, in one sentence, or None.
    url
        Where its full terms are, or None.
    """

    model_id: str
    licence: str
    restriction: str | None = None
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record an export's metadata holds."""
        return {"model_id": self.model_id, "licence": self.licence,
                "restriction": self.restriction, "url": self.url}


def _take_settings(path: Path) -> dict[str, Any]:
    """The settings in a take's ``comment`` tag; empty when the file or the tag is unreadable."""
    import av

    try:
        with av.open(str(path)) as container:
            text = container.metadata.get("comment")
        value = json.loads(text) if text else {}
    except (OSError, ValueError, av.FFmpegError):
        return {}
    return value if isinstance(value, dict) else {}


def _generations(project: Project) -> list[Generation]:
    return [generation for track in project.timeline.tracks for item in track.items
            if (generation := getattr(item, "generation", None)) is not None]


def export_licences(project: Project, base: Path) -> list[ModelLicence]:
    """Each model whose active, finished takes are on the timeline, with its licence.

    Parameters
    ----------
    project
        The project being exported.
    base
        The folder its take paths are relative to.

    Returns
    -------
    list[ModelLicence]
        One per model id, in timeline order; a take whose record names no licence gives
        :data:`UNKNOWN` (the model id then comes from the item's spec).
    """
    found: dict[str, ModelLicence] = {}
    for generation in _generations(project):
        take = generation.active_take
        if take is None or take.status != "done":
            continue
        settings = _take_settings(base / take.path)
        record = settings.get("licence")
        if isinstance(record, dict) and isinstance(record.get("name"), str):
            model = ModelLicence(str(record.get("model_id") or generation.spec.model_id),
                                 record["name"], record.get("restriction") or None,
                                 record.get("url") or None)
        else:
            model = ModelLicence(generation.spec.model_id, UNKNOWN)
        known = found.get(model.model_id)
        if known is None or known.licence == UNKNOWN:
            found[model.model_id] = model
    return list(found.values())


def licences_tag(licences: list[ModelLicence]) -> str:
    """The export's readable licence tag: every model and its licence, on one line."""
    return "Generated with " + "; ".join(f"{m.model_id} ({m.licence})" for m in licences) + "."


def restricted_note(licences: list[ModelLicence]) -> str | None:
    """One line for the export dialog and the command line when a restricted licence is
    involved, or None when none is."""
    restricted = [m for m in licences if m.restriction]
    if not restricted:
        return None
    named = ", ".join(f"{m.model_id} ({m.licence}: {m.restriction.rstrip('.')})"
                      for m in restricted if m.restriction)
    return f"This export uses takes from models under restricted licences: {named}."
