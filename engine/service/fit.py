"""Whether a model can run on a cluster's GPUs at all, from the catalog's memory figures."""

from __future__ import annotations

from collections.abc import Sequence

from engine.models.catalog import catalog_entry


def gpu_refusal(model_id: str, totals: Sequence[int | None]) -> tuple[str, str, str] | None:
    """Refuse a model whose cheapest memory profile needs more GPU memory (catalog figures)
    than the largest of ``totals`` (bytes, one per placed slot); None while no slot has said
    its memory (none placed yet, or logical GPUs without CUDA) or for a model the catalog
    lacks. Returns the refusal's code, sentence and hint."""
    entry = catalog_entry(model_id)
    if entry is None or not totals or None in totals:
        return None
    need = min(entry.min_vram_gib.values())
    largest = max(int(total or 0) for total in totals) / 2**30
    if need <= largest:
        return None
    return ("does_not_fit", f"The model {model_id} needs at least {need:g} GiB of GPU "
            f"memory, more than the cluster's largest GPU has ({largest:.1f} GiB).",
            "Add a node with a larger GPU to the cluster, or pick a smaller model.")
