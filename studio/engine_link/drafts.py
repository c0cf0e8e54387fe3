"""Draft takes and their finals (no Qt).

A job made from a spec with ``draft`` set runs small and cached, and its settings record the
full request and operation it stands for. :func:`draft_record` keeps that record in the draft
take's metadata (under ``draft``), so the take can be made final later even if the item's spec
has changed since, or the engine no longer holds the job: :func:`final_job_of` is the recorded
job with ``draft`` cleared, the same prompt, pins, clips and seed at full size and steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.protocol import GenerationRequest, OperationSpec, RequestError, final_job
from studio.document.model import Take

__all__ = ["draft_record", "final_job_of", "is_draft", "ran_as_draft"]


def ran_as_draft(settings: Mapping[str, Any] | None) -> bool:
    """Whether a finished job's settings say it ran as a draft."""
    base = (settings or {}).get("base", settings or {})
    return isinstance(base, Mapping) and base.get("draft") is True


def draft_record(settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What a draft take keeps of its job's settings: the request (``base``) and operation
    (``spec``) it stands for, and how it ran (``run``); None for a job that was no draft."""
    if not ran_as_draft(settings) or settings is None or "base" not in settings:
        return None
    record = {"base": dict(settings["base"]), "spec": dict(settings.get("spec") or {})}
    if isinstance(settings.get("draft_run"), Mapping):
        record["run"] = dict(settings["draft_run"])
    return record


def is_draft(take: Take) -> bool:
    """Whether the take is a draft (its metadata keeps its recorded job)."""
    return isinstance(take.metadata.get("draft"), Mapping)


def final_job_of(take: Take) -> tuple[GenerationRequest, OperationSpec]:
    """The job that makes ``take``'s final: its recorded request without ``draft``.

    Raises
    ------
    RequestError
        With one sentence, for a take that is no draft or whose record is damaged.
    """
    record = take.metadata.get("draft")
    if not isinstance(record, Mapping):
        raise RequestError("This take is not a draft, so it has no final to make; generate "
                           "the item again instead.")
    request, operation = final_job(record)
    if operation is None:
        raise RequestError("The draft take does not record its operation, so its final "
                           "cannot be made; turn Draft off and generate the item again.")
    return request, operation
