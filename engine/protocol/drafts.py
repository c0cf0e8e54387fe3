"""Draft and final: what a draft request runs as, and the final job a draft take's record asks for.

A draft request (``GenerationRequest.draft``) keeps the user's full settings; the engine runs
it as :func:`draft_of` says and records the full settings with ``draft`` set, so a draft take's
record, with ``draft`` cleared, is its final (:func:`final_job`): the same prompt, pins, seed
and operation at full size and steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from engine.protocol.requests import (
    GenerationRequest,
    ModelConstraints,
    OperationSpec,
    RequestError,
    round_size,
)

#: A draft's size and steps are the request's divided by this.
DRAFT_DIVISOR = 2


def draft_of(request: GenerationRequest,
             constraints: ModelConstraints) -> tuple[GenerationRequest, list[str]]:
    """The request a draft runs: half the width and height, rounded to the model's size
    multiple (never below one multiple, nor below a request's least size), and half the steps
    (at least one); frames, frame rate, seed and pins stay, so the draft shows the take's
    timing. Returns it with a note saying so.
    """
    multiple, least = constraints.size_multiple, GenerationRequest.LIMITS["width"][0]
    width = round_size(max(least, request.width // DRAFT_DIVISOR), multiple)
    height = round_size(max(least, request.height // DRAFT_DIVISOR), multiple)
    steps = max(1, request.steps // DRAFT_DIVISOR)
    note = (f"draft: {width}x{height} with {steps} steps (the final is "
            f"{request.width}x{request.height} with {request.steps}).")
    return dataclasses.replace(request, width=width, height=height, steps=steps), [note]


def draft_record(run: GenerationRequest, cache: str | None) -> dict[str, Any]:
    """What a draft take records of how it ran, beside its full settings (``draft_run``)."""
    return {"width": run.width, "height": run.height, "steps": run.steps,
            "step_cache": cache or "none: this model's transformer takes no cache, so the "
                                   "draft is faster by its fewer steps and smaller frames only"}


def _operation(spec: Mapping[str, Any]) -> OperationSpec:
    """An operation as a take records it (``engine.operations.runner.replay_settings``:
    ranges, cues and span as lists) in the protocol's form."""
    span = spec.get("span")
    return OperationSpec.from_dict({
        "kind": spec.get("kind"), "frames": spec.get("frames"),
        "clips": list(spec.get("clips") or []),
        "ranges": [{"start": start, "frames": frames}
                   for start, frames in spec.get("ranges") or []],
        "context": spec.get("context"), "window": spec.get("window"),
        "retries": spec.get("retries"),
        "cues": [{"frame": frame, "prompt": prompt} for frame, prompt in spec.get("cues") or []],
        "span": {"start": span[0], "frames": span[1]} if span else None}, where="spec.")


def recorded_job(settings: Mapping[str, Any]) -> tuple[GenerationRequest, OperationSpec | None]:
    """The request (and operation, for an operation's take) a take's settings record.

    Raises
    ------
    RequestError
        If the settings record no request, or one that is not valid.
    """
    planned = "base" in settings
    source = settings.get("base") if planned else settings
    if not isinstance(source, Mapping):
        raise RequestError("The take records no request to make it again from.")
    names = {f.name for f in dataclasses.fields(GenerationRequest)}
    fields = {key: value for key, value in source.items() if key in names}
    if not fields:
        raise RequestError("The take records no request to make it again from.")
    request = GenerationRequest.from_dict(fields)
    spec = settings.get("spec")
    if planned and not isinstance(spec, Mapping):
        raise RequestError("The take records no operation to make it again from.")
    return request, _operation(spec) if isinstance(spec, Mapping) else None


def final_job(settings: Mapping[str, Any]) -> tuple[GenerationRequest, OperationSpec | None]:
    """The final of a draft take: its recorded request (and operation) without ``draft``.

    Raises
    ------
    RequestError
        If the settings are not a draft's, or record no valid request.
    """
    request, operation = recorded_job(settings)
    if not request.draft:
        raise RequestError("This take is not a draft, so it has no final to make; generate "
                           "it again instead.")
    return dataclasses.replace(request, draft=False), operation

