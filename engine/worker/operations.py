"""Operation jobs in the worker: plan an extend, bridge, loop or long shot; run and write it."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from engine.backends import Preview
from engine.models.installed import ModelInfo
from engine.operations.planner import Cue, Operation, PlanError, make_plan
from engine.output.video import OutputError
from engine.paths import cache_dir
from engine.protocol.drafts import draft_record
from engine.protocol.requests import GenerationRequest, OperationSpec

StepCallback = Callable[[int, int, Preview | None], None]


class OperationFailure(Exception):
    """An operation that cannot run; carries the worker's failure code, sentence and hint."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def joined_path(take: Path) -> Path:
    """Where an operation job writes its joined result, beside the take."""
    return take.with_name(f"{take.stem}-joined{take.suffix}")


def run_operation_job(request: GenerationRequest, spec: OperationSpec, info: ModelInfo,
                      cache: Any, on_step: StepCallback, output: Path,
                      profile: str | None = None, originals: Mapping[str, str] | None = None
                      ) -> tuple[list[str], dict[str, Any], dict[str, float]]:
    """Plan and run an operation job; returns the take and joined paths, settings and timings.

    ``profile`` is the memory profile to load the model with; None lets the cache choose.
    ``originals``: on a cluster node, copy path -> the engine's path of each source clip, so
    the files record the originals, as a plain job's pins do.

    Progress counts the steps of all windows together. Errors of the model, such as running
    out of memory, propagate for the worker to report; planning errors become
    :class:`OperationFailure`.
    """
    from engine.operations.runner import clips_in, replay_settings, run_plan, write_outputs

    started = time.perf_counter()
    try:
        clips = clips_in(spec.clips, [(r.start, r.frames) for r in spec.ranges])
    except PlanError as exc:
        raise OperationFailure("missing_media", str(exc),
                               "Relink or re-import the clip, then submit again.") from None
    operation = Operation(kind=spec.kind, frames=spec.frames, clips=clips, context=spec.context,
                          window=spec.window, retries=spec.retries,
                          cues=tuple(Cue(cue.frame, cue.prompt) for cue in spec.cues),
                          span=spec.span)
    with tempfile.TemporaryDirectory(prefix="plan-", dir=cache_dir()) as scratch:
        try:
            plan = make_plan(request, info.constraints, operation, Path(scratch))
        except PlanError as exc:
            raise OperationFailure("bad_request", str(exc),
                                   "Change the operation and submit it again.") from None

        def window_step(window: int, windows: int, step: int, total: int,
                        preview: Preview | None) -> None:
            on_step(window * total + step, windows * total, preview)

        profile = profile or cache.first_profile(info)
        mended: dict[str, float] = {}
        take: np.ndarray = run_plan(plan, window_step, cache, profile, mended)
        generated = time.perf_counter()
        try:
            written, seams = write_outputs(plan, take, output, joined_path(output),
                                           replay_settings(request, operation), originals,
                                           mended)
        except OutputError as exc:
            raise OperationFailure("output_failed", str(exc),
                                   "Check that the disk has free space, then try again.") from None
    settings = {**plan.to_dict(), **replay_settings(request, operation), "seams": seams,
                "memory_profile": profile, "device": cache.device}
    if request.draft:
        # The windows ran at the draft's size and steps; the take records the full request.
        settings["draft_run"] = draft_record(plan.windows[0].request,
                                             cache.get(info, profile).draft_cache())
    timings = {"generate_s": generated - started, "encode_s": time.perf_counter() - generated}
    return [str(path) for path in written], settings, timings
