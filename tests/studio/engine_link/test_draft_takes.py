"""Draft specs to draft jobs, draft takes that keep their recorded job, and their finals (no Qt)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from engine.protocol import RequestError
from studio.document import edits, serialize
from studio.document.model import GeneratedSpec, Project, Take
from studio.engine_link.drafts import draft_record, final_job_of, is_draft
from studio.engine_link.takes import request_for, take_for


def _spec(project: Project) -> GeneratedSpec:
    spec: GeneratedSpec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    return spec


def _done_settings(project: Project, folder: Path) -> dict[str, Any]:
    """What the engine reports for a studio job: its request as ``base``, its operation in the
    take record's form (lists, as ``engine.operations.runner.replay_settings`` writes)."""
    request, operation = request_for(project, folder, "shot-1")
    spec = {"kind": operation.kind, "frames": operation.frames, "clips": list(operation.clips),
            "ranges": [], "context": None, "window": None, "cues": [], "span": None}
    return {"base": request.to_dict(), "spec": spec, "windows": [],
            "draft_run": {"width": 256, "height": 144, "steps": 15, "step_cache": "TaylorSeer"}}


def test_a_draft_spec_sends_a_draft_request_and_is_saved_only_when_set(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    assert not request_for(project, folder, "shot-1")[0].draft
    assert "draft" not in serialize.encode(_spec(project))  # older files read as before
    edits.set_spec(project, "shot-1", draft=True)
    assert request_for(project, folder, "shot-1")[0].draft
    encoded = serialize.encode(_spec(project))
    assert encoded["draft"] is True
    assert serialize.decode(encoded, GeneratedSpec) == _spec(project)


def test_a_draft_take_keeps_its_job_and_its_final_is_that_job_without_draft(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    edits.set_spec(project, "shot-1", draft=True)
    settings = _done_settings(project, folder)
    take = take_for(project, "shot-1", "job-1", "takes/a.mp4", settings)
    assert take is not None and is_draft(take)
    assert take.metadata["draft"]["run"]["steps"] == 15
    assert take.spec_hash == serialize.spec_hash(_spec(project))
    # The spec changes afterwards; the final still makes what the draft stood for.
    edits.set_spec(project, "shot-1", prompt="something else", seed=99, draft=False)
    request, operation = final_job_of(take)
    drafted, _ = request_for(project, folder, "shot-1")
    assert not request.draft and request.prompt != "something else" and request.seed == 0
    assert request == dataclasses.replace(drafted, prompt=request.prompt, seed=0)
    assert (operation.kind, operation.frames) == ("shot", 48)
    # A final's take is hashed as made by the spec without draft.
    final = take_for(project, "shot-1", "job-2", "takes/b.mp4",
                     {"base": request.to_dict(), "spec": settings["spec"]})
    assert final is not None and not is_draft(final)
    assert final.spec_hash == serialize.spec_hash(_spec(project))


def test_a_take_that_is_no_draft_has_no_final(opened: tuple[Project, Path]) -> None:
    project, folder = opened
    settings = _done_settings(project, folder)
    assert draft_record(settings) is None and draft_record(None) is None
    take = take_for(project, "shot-1", "job-1", "takes/a.mp4", settings)
    assert take is not None and not is_draft(take)
    with pytest.raises(RequestError, match="This take is not a draft"):
        final_job_of(take)
    damaged = Take(id="t", job_id="j", path="p", spec_hash="h", status="done", created="now",
                   metadata={"draft": {"base": {"prompt": "x"}, "spec": {}}})
    with pytest.raises(RequestError):
        final_job_of(damaged)
