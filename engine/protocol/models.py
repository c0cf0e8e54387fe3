"""The model record the engine's ``list_models`` reply carries, and a reader that older
engines' records also pass through (stdlib only).

``Ok.data["models"]`` is a list of JSON objects, one per model the engine can run. Every engine
sends ``id``, ``family``, ``path``, ``description``, ``defaults`` and ``constraints``; since
issue 21 it also sends what the model catalog says about the model, each None for a model the
catalog does not know:

- ``operations``: the operations it can run (``shot``, ``extend_forward``,
  ``extend_backward``, ``bridge``, ``loop``, ``long_shot``);
- ``min_vram_gib``: GPU memory per memory profile, in GiB, the catalog's figures (several are
  estimates, said as such in the catalog);
- ``licence``: the weights' licence name;
- ``profile``: the memory profile the engine would start the model with on the GPU it has
  (``tiled`` without a GPU; the worker picks again by free memory when it loads the model);
- ``fits``: False when even the cheapest profile needs more memory than that GPU has, True
  when one fits, None when the engine does not know (no GPU reported yet, or not in the
  catalog);
- ``fit_reason``: one sentence saying why it does not fit, when ``fits`` is False;
- ``loras``: the names of the LoRAs added to it (``frameloom-engine models add-lora``), for a
  shot to choose from.

Clients ignore keys they do not know, and an older engine's record (without these keys) reads
as "not known", so the change is backward-compatible both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelRecord:
    """What a client needs from one model record; None wherever the engine did not say.

    Parameters
    ----------
    id
        The model id.
    operations
        The operations the catalog says it can run, or None (not known: everything is offered
        and the engine refuses what it cannot do).
    min_vram_gib
        GiB per memory profile (catalog figures, several estimated), or None.
    profile
        The memory profile the engine would start with, or None.
    fits
        Whether the model fits the engine's GPU; None when not known.
    fit_reason
        Why it does not fit, one sentence; None when it fits or nobody knows.
    max_frames
        The longest shot one window makes (longer shots are long shots), or None.
    licence
        The weights' licence name, or None.
    loras
        The names of the LoRAs added to the model, or None (an older engine).
    """

    id: str
    operations: tuple[str, ...] | None = None
    min_vram_gib: Mapping[str, float] | None = None
    profile: str | None = None
    fits: bool | None = None
    fit_reason: str | None = None
    max_frames: int | None = None
    licence: str | None = None
    loras: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelRecord:
        """Read a record, keeping only well-formed values (anything else reads as unknown)."""
        ops = data.get("operations")
        memory = data.get("min_vram_gib")
        constraints = data.get("constraints")
        max_frames = constraints.get("max_frames") if isinstance(constraints, Mapping) else None
        fits = data.get("fits")
        loras = data.get("loras")
        return cls(
            id=str(data.get("id", "")),
            operations=tuple(str(o) for o in ops) if isinstance(ops, list) else None,
            min_vram_gib={str(k): float(v) for k, v in memory.items()
                          if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if isinstance(memory, Mapping) else None,
            profile=_text(data.get("profile")),
            fits=fits if isinstance(fits, bool) else None,
            fit_reason=_text(data.get("fit_reason")),
            max_frames=max_frames if isinstance(max_frames, int) else None,
            licence=_text(data.get("licence")),
            loras=tuple(str(n) for n in loras if isinstance(n, str))
            if isinstance(loras, list) else None)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
