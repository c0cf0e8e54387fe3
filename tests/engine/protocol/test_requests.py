"""GenerationRequest and Pin: round trips, readable validation errors, and fitting to a model."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from engine.protocol.requests import (
    GenerationRequest,
    ModelConstraints,
    Pin,
    RequestError,
    fit_request,
    parse_frame_rule,
)

LTX = ModelConstraints(size_multiple=32, frame_rule=parse_frame_rule("8k+1"), max_frames=257,
                       fps=24)
WAN = ModelConstraints(size_multiple=16, frame_rule=parse_frame_rule("4k+1"), max_frames=81, fps=16)


def make(**changes: Any) -> GenerationRequest:
    base: dict[str, Any] = dict(model_id="ltx-video", prompt="a red kite over the sea", width=768,
                                height=512, frames=97, fps=24, seed=42, steps=30, guidance=3.0)
    return GenerationRequest(**{**base, **changes})


def request_dict(**changes: Any) -> dict[str, Any]:
    return {**make().to_dict(), **changes}


def test_round_trip_with_pins() -> None:
    request = make(negative_prompt="blurry", pins=(
        Pin("still.png", 0), Pin("clip.mp4", 90, strength=0.5, frame_start=10, frame_count=7)))
    data = request.to_dict()
    assert data["pins"][1] == {"path": "clip.mp4", "target_frame": 90, "strength": 0.5,
                               "frame_start": 10, "frame_count": 7}
    assert GenerationRequest.from_dict(data) == request


def test_from_dict_normalises_json_shapes() -> None:
    request = GenerationRequest.from_dict(request_dict(guidance=7, pins=[{"path": "a.png",
                                                                          "target_frame": 3}]))
    assert request.guidance == 7.0 and isinstance(request.guidance, float)
    assert request.pins == (Pin("a.png", 3),)


@pytest.mark.parametrize(("changes", "field"), [
    ({"width": 5000}, "width"), ({"height": 16}, "height"), ({"frames": 0}, "frames"),
    ({"frames": 2001}, "frames"), ({"fps": 121}, "fps"), ({"steps": 0}, "steps"),
    ({"steps": 501}, "steps"), ({"guidance": 50.5}, "guidance"), ({"guidance": -1}, "guidance"),
    ({"seed": -1}, "seed"), ({"seed": 2**63}, "seed"), ({"width": "768"}, "width"),
    ({"width": 768.0}, "width"), ({"guidance": True}, "guidance"), ({"prompt": None}, "prompt"),
    ({"prompt": "x" * 10_001}, "prompt"), ({"negative_prompt": "x" * 10_001}, "negative_prompt"),
    ({"model_id": " "}, "model_id"), ({"pins": {}}, "pins"), ({"pins": [3]}, "pins[0]"),
    ({"pins": [{"path": "a.png", "target_frame": 0, "strength": 1.5}]}, "pins[0].strength"),
    ({"pins": [{"path": "a.png", "target_frame": 0, "frame_count": 4}]}, "pins[0].frame_count"),
    ({"pins": [{"path": "", "target_frame": 0}]}, "pins[0].path"),
    ({"pins": [{"path": "a.png"}]}, "pins[0].target_frame"),
    ({"pins": [{"path": "a.png", "target_frame": 0, "colour": 1}]}, "pins[0].colour"),
    ({"pins": [{"path": "a.png", "target_frame": 97}]}, "pins[0]"),
    ({"pins": [{"path": "c.mp4", "target_frame": 90, "frame_start": 0, "frame_count": 8}]},
     "pins[0]"),
    ({"sampler": "euler"}, "sampler"),
])
def test_validation_errors_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(RequestError) as caught:
        GenerationRequest.from_dict(request_dict(**changes))
    message = str(caught.value)
    assert message.startswith(field + " ") and message.endswith(".")
    assert message.count(". ") == 0  # one sentence
    assert isinstance(caught.value, ValueError)


def test_missing_field_and_non_object() -> None:
    data = request_dict()
    del data["steps"]
    with pytest.raises(RequestError, match="^steps is missing"):
        GenerationRequest.from_dict(data)
    with pytest.raises(RequestError, match="GenerationRequest must be an object"):
        GenerationRequest.from_dict([1, 2])


def test_python_construction_is_checked_too() -> None:
    with pytest.raises(RequestError, match="^width must be an integer"):
        make(width="wide")
    with pytest.raises(RequestError, match="^guidance must be a finite number"):
        make(guidance=float("nan"))


def test_parse_frame_rule() -> None:
    assert parse_frame_rule("8k+1") == (8, 1) and parse_frame_rule(" 4k ") == (4, 0)
    with pytest.raises(RequestError, match="frame rule"):
        parse_frame_rule("k+1")
    with pytest.raises(ValueError):
        ModelConstraints(size_multiple=16, frame_rule=(4, 4), max_frames=81)


def test_fit_ltx_like_rounds_sizes_and_raises_frames() -> None:
    request = make(width=1000, height=700, frames=100, fps=30, pins=(Pin("a.png", 99),))
    fitted, notes = fit_request(request, LTX)
    assert (fitted.width, fitted.height, fitted.frames, fitted.fps) == (992, 704, 105, 24)
    assert fitted.pins == request.pins and fitted.prompt == request.prompt
    assert notes == ["width 1000 became 992, a multiple of 32.",
                     "height 700 became 704, a multiple of 32.",
                     "frames 100 became 105; this model makes 8k+1 frames.",
                     "fps 30 became 24, the model's frame rate."]


def test_fit_leaves_a_fitting_request_alone() -> None:
    request = make(width=768, height=512, frames=257)
    assert fit_request(request, LTX) == (request, [])


@pytest.mark.parametrize(("frames", "expected"), [(1, 1), (2, 9), (9, 9), (10, 17), (250, 257)])
def test_fit_ltx_frame_counts(frames: int, expected: int) -> None:
    assert fit_request(make(frames=frames), LTX)[0].frames == expected


def test_fit_ltx_refuses_more_than_max_frames() -> None:
    with pytest.raises(RequestError, match="split it into a long shot"):
        fit_request(make(frames=258), LTX)


def test_fit_wan_like() -> None:
    fitted, notes = fit_request(make(width=832, height=470, frames=78, fps=16), WAN)
    assert (fitted.width, fitted.height, fitted.frames) == (832, 464, 81)
    assert len(notes) == 2 and "4k+1" in notes[1]
    with pytest.raises(RequestError, match="more than this model makes in one shot \\(81\\)"):
        fit_request(make(frames=82), WAN)


def test_fit_keeps_sizes_in_range() -> None:
    odd = ModelConstraints(size_multiple=100, frame_rule=(1, 0), max_frames=2000)
    fitted, _ = fit_request(make(width=4090, height=32), odd)
    assert (fitted.width, fitted.height) == (4000, 100)
    assert dataclasses.replace(fitted) == fitted  # still a valid request


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t"])
def test_an_empty_prompt_is_refused_in_one_sentence(prompt: str) -> None:
    from engine.protocol.requests import TimedPrompt

    with pytest.raises(RequestError, match="^prompt must not be empty or only spaces[.]$"):
        make(prompt=prompt)
    with pytest.raises(RequestError, match="^prompt must not be empty"):
        TimedPrompt(3, prompt)


def test_a_timed_prompt_past_the_take_is_refused() -> None:
    from engine.protocol.requests import OperationSpec, TimedPrompt

    assert OperationSpec("shot", 48, cues=(TimedPrompt(47, "late"),)).cues[0].frame == 47
    with pytest.raises(RequestError, match="^cues hold a prompt from frame 48, past the end of "
                                           "the 48-frame take[.]$"):
        OperationSpec("shot", 48, cues=(TimedPrompt(48, "too late"),))


def test_a_retake_carries_its_span_and_only_a_retake_does() -> None:
    from engine.protocol.requests import FrameRange, OperationSpec

    spec = OperationSpec("retake", 7, clips=("/c.mp4",), span=FrameRange(6, 7))
    assert OperationSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(RequestError, match="^span must be given for a retake"):
        OperationSpec("retake", 7, clips=("/c.mp4",))
    with pytest.raises(RequestError, match="^span must be given for a retake and only"):
        OperationSpec("loop", 7, clips=("/c.mp4",), span=FrameRange(6, 7))
    with pytest.raises(RequestError, match="^span must be as long as the take"):
        OperationSpec("retake", 8, clips=("/c.mp4",), span=FrameRange(6, 7))
