"""engine.protocol.drafts: a draft's size and steps, and the final a draft's record asks for."""

from __future__ import annotations

import pytest

from engine.protocol.drafts import draft_of, final_job, recorded_job
from engine.protocol.requests import (
    FrameRange,
    GenerationRequest,
    ModelConstraints,
    OperationSpec,
    RequestError,
    TimedPrompt,
)

BASE = GenerationRequest(model_id="m", prompt="a kite", width=1280, height=720, frames=49,
                         fps=24, seed=7, steps=30, guidance=4.0, draft=True)
RULES = ModelConstraints(size_multiple=32, frame_rule=(8, 1), max_frames=257)


def test_a_draft_runs_at_half_size_on_the_size_rule_and_half_the_steps() -> None:
    run, notes = draft_of(BASE, RULES)
    assert (run.width, run.height, run.steps) == (640, 352, 15)  # 360 is no multiple of 32
    assert (run.frames, run.seed, run.prompt, run.draft) == (49, 7, "a kite", True)
    assert notes == ["draft: 640x352 with 15 steps (the final is 1280x720 with 30)."]
    tiny = GenerationRequest(model_id="m", prompt="x", width=32, height=32, frames=9, fps=24,
                             seed=0, steps=1, guidance=1.0, draft=True)
    run, _ = draft_of(tiny, RULES)
    assert (run.width, run.height, run.steps) == (32, 32, 1)  # never below one multiple
    fine = ModelConstraints(size_multiple=16, frame_rule=(4, 1), max_frames=81)
    run, _ = draft_of(tiny, fine)
    assert (run.width, run.height) == (32, 32)  # nor below a request's least size


def test_the_final_of_a_shot_is_its_recorded_request_without_draft() -> None:
    settings = {**BASE.to_dict(), "model_family": "ltx", "notes": [], "draft_run": {}}
    request, operation = final_job(settings)
    assert request == GenerationRequest(**{**BASE.__dict__, "draft": False})
    assert operation is None
    assert recorded_job(settings) == (BASE, None)


def test_the_final_of_an_operation_keeps_its_recorded_operation() -> None:
    spec = {"kind": "extend_forward", "frames": 24, "clips": ["/clips/a.mp4"],
            "ranges": [[3, 40]], "context": 9, "window": None, "cues": [[12, "it dives"]],
            "span": None}
    request, operation = final_job({"base": BASE.to_dict(), "spec": spec, "windows": []})
    assert not request.draft and request.seed == 7
    assert operation == OperationSpec(kind="extend_forward", frames=24, clips=("/clips/a.mp4",),
                                      ranges=(FrameRange(3, 40),), context=9,
                                      cues=(TimedPrompt(12, "it dives"),))
    retake = {**spec, "kind": "retake", "span": [5, 24], "cues": []}
    assert final_job({"base": BASE.to_dict(), "spec": retake})[1].span == FrameRange(5, 24)


@pytest.mark.parametrize(("settings", "message"), [
    ({**BASE.to_dict(), "draft": False}, "This take is not a draft"),
    ({"seams": {}}, "The take records no request"),
    ({"base": BASE.to_dict()}, "The take records no operation"),
    ({"base": BASE.to_dict(), "spec": {"kind": "fly", "frames": 3}}, "kind must be one of"),
])
def test_a_record_that_has_no_final_is_refused_in_one_sentence(settings: dict[str, object],
                                                              message: str) -> None:
    with pytest.raises(RequestError, match=message):
        final_job(settings)
