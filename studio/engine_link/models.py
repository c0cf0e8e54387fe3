"""What each model can do and needs, from the engine's model records (no Qt).

:class:`ModelBook` answers, in one sentence each, why a model cannot run an operation (the
catalog's operations in the record) or cannot run on the engine's GPU (its ``fits``), and
says what a model needs: its GPU memory per profile and the profile the engine would use.
The memory figures are the catalog's, most of them estimates, and are always said to be.
A model the records do not describe (not in the catalog, or an older engine) is refused
nothing: the engine still refuses what it cannot do when the job runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.protocol import ModelRecord

__all__ = ["ACTION_OPERATIONS", "ModelBook"]

#: The catalog operation each Generate-menu action (or item kind) needs. Animating a still is
#: a shot with a pin at frame 0. A retake pins the frames on both sides of what it remakes, as
#: a bridge does, and the catalog names no retake, so it needs what a bridge needs.
ACTION_OPERATIONS = {"new_shot": "shot", "shot": "shot", "animate": "shot",
                     "extend_forward": "extend_forward", "extend_backward": "extend_backward",
                     "bridge": "bridge", "loop": "loop", "retake": "bridge"}

_DOING = {"shot": "make a shot", "extend_forward": "extend a clip forward",
          "extend_backward": "extend a clip backward", "bridge": "bridge two clips",
          "loop": "loop a clip", "long_shot": "make a long shot (several windows)"}
_RETAKE = "retake frames (a retake pins frames after them, as a bridge does)"


class ModelBook:
    """The engine's model records by id.

    Parameters
    ----------
    records
        The ``list_models`` reply's records (see :mod:`engine.protocol.models`).
    """

    def __init__(self, records: Iterable[Mapping[str, Any]] = ()) -> None:
        read = (ModelRecord.from_dict(r) for r in records if isinstance(r, Mapping))
        self.records = {record.id: record for record in read}

    def refusal(self, model_id: str, action: str, frames: int | None = None) -> str | None:
        """Why ``model_id`` cannot do ``action`` (a key of :data:`ACTION_OPERATIONS`) for a
        shot of ``frames`` frames, in one sentence; None when it can, or nobody knows."""
        record = self.records.get(model_id)
        operation = ACTION_OPERATIONS.get(action)
        if record is None or record.operations is None or operation is None:
            return None
        if operation not in record.operations:
            doing = _RETAKE if action == "retake" else _DOING.get(operation, operation)
            return (f"The model {model_id} cannot {doing} (the model catalog says so); pick "
                    "a model that can in the inspector.")
        if (action in ("shot", "new_shot") and frames is not None and record.max_frames
                and frames > record.max_frames and "long_shot" not in record.operations):
            return (f"The model {model_id} makes at most {record.max_frames} frames in one shot "
                    f"and cannot chain longer ones; make the shot shorter or pick another "
                    f"model.")
        return None

    def fit_refusal(self, model_id: str) -> str | None:
        """The engine's sentence for a model its GPU cannot hold; None otherwise."""
        record = self.records.get(model_id)
        if record is None or record.fits is not False:
            return None
        return record.fit_reason or (f"The model {model_id} needs more GPU memory than the "
                                     f"engine's GPU has.")

    def needs(self, model_id: str) -> str | None:
        """One line on what the model needs: the profile that will run and its memory, then
        every profile's figure, said to be the catalog's (most are estimates); None when the
        engine gave no figures (a model the catalog lacks, an older engine, no engine yet)."""
        record = self.records.get(model_id)
        if record is None or not record.min_vram_gib:
            return None
        memory = record.min_vram_gib
        # Most memory first: the profiles' own order, fastest first (Qt's maps sort keys).
        every = ", ".join(f"{name} {gib:g}" for name, gib in
                          sorted(memory.items(), key=lambda item: -item[1]))
        line = (f"GPU memory per profile: {every} GiB (the catalog's figures, most of them "
                f"estimates).")
        if record.fits is None and record.profile is not None:
            # No GPU reported (a CPU, or a worker not started yet): nothing to say it fits.
            line = f"No GPU reported by the engine; it would start as {record.profile}. " + line
        elif record.profile is not None and record.profile in memory:
            line = (f"Runs as {record.profile}: about {memory[record.profile]:g} GiB of GPU "
                    f"memory. " + line)
        if record.fits is False:
            line = "Does not fit this GPU. " + line
        return line
