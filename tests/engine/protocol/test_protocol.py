"""Engine protocol: every message round-trips, and no line, however broken, escapes as a crash."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import protocol as p
from engine.protocol import messages
from engine.protocol.requests import GenerationRequest, Pin

REQUEST = GenerationRequest(
    model_id="ltx-video", prompt="a red kite over the sea ✓", width=768, height=512, frames=97,
    fps=24, seed=7, steps=30, guidance=3.0,
    pins=(Pin("still.png", 0), Pin("clip.mp4", 90, 0.5, frame_start=3, frame_count=7)))

# One instance of every message type; the registry test below fails for a type added without one.
SAMPLES: dict[str, p.Message] = {m.TYPE: m for m in (
    p.Hello(id="r1", token="s3cret", client="frameloom-studio 0.1"),
    p.Submit(id="r2", job_id="job-1", request=REQUEST, requeue_if_interrupted=True),
    p.Cancel(id="r3", job_id="job-1"),
    p.ListJobs(id="r4"),
    p.GetJob(id="r5", job_id="job-1"),
    p.Subscribe(id="r6", since_seq=41),
    p.ListModels(id="r7"),
    p.Reorder(id="r8", job_ids=("job-3", "job-1")),
    p.Remove(id="r9", job_id="job-2"),
    p.Shutdown(id="r10"),
    p.AddLora(id="r11", model_id="ltx-2", path="/loras/grain.safetensors", name="grain"),
    p.Ok(reply_to="r4", data={"jobs": [{"id": "job-1", "state": "queued"}], "count": 1}),
    p.Error(reply_to=None, code="not_json", message="The line is not valid JSON.", hint="Resend."),
    p.Queued(seq=1, job_id="job-1", position=2),
    p.Started(seq=2, job_id="job-1"),
    p.Progress(seq=3, job_id="job-1", step=4, total=30, eta_s=12.5),
    p.Preview(seq=4, job_id="job-1", step=4, jpeg_b64="/9j/4AAQSkZJRg=="),
    p.Done(seq=5, job_id="job-1", outputs=("/tmp/take.mp4",), settings=REQUEST.to_dict(),
           timings={"load_s": 1.5, "denoise_s": 20.0}),
    p.Failed(seq=6, job_id="job-2", code="out_of_memory", message="The GPU ran out of memory.",
             hint="Lower the resolution or the frame count."),
    p.Cancelled(seq=7, job_id="job-3"),
    p.Interrupted(seq=8, job_id="job-4", requeued=True),
    p.Reordered(seq=10, order=("job-3", "job-1")),
    p.Removed(seq=11, job_id="job-2"),
    p.Heartbeat(seq=9, busy=True, queue_length=3, vram_used=10 << 30, vram_total=24 << 30),
)}


def test_every_registered_type_has_a_sample() -> None:
    assert set(SAMPLES) == set(p.REGISTRY)


@pytest.mark.parametrize("name", sorted(p.REGISTRY))
def test_round_trip(name: str) -> None:
    message = SAMPLES[name]
    line = p.encode(message)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    data = json.loads(line)
    assert data["type"] == name and data["protocol_version"] == p.PROTOCOL_VERSION
    assert list(data) == sorted(data) and b", " not in line and b": " not in line
    assert p.decode(line) == message
    assert p.decode(line.rstrip(b"\n")) == message


def test_optional_fields_round_trip() -> None:
    for message in (p.Preview(seq=1, job_id="j", step=2, path="/cache/p.jpg"),
                    p.Progress(seq=1, job_id="j", step=0, total=1),
                    p.Heartbeat(seq=1, busy=False, queue_length=0), p.Ok(reply_to="x")):
        assert p.decode(p.encode(message)) == message


def line_of(**data: Any) -> bytes:
    return json.dumps({"protocol_version": 1, **data}).encode()


@pytest.mark.parametrize(("line", "code"), [
    (b"\xff\xfe{}", "not_utf8"),
    (b"{\"type\": ", "not_json"),
    (b"{\"type\":\"progress\",\"eta_s\":NaN}", "not_json"),
    (b"[" * 100_000, "not_json"),
    (b"1" * 5_000, "not_json"),
    (b"[1, 2]", "not_object"),
    (line_of(type="launch"), "unknown_type"),
    (json.dumps({"id": "r1"}).encode(), "unknown_type"),
    (line_of(type="cancel", protocol_version=2, id="r", job_id="j"), "version_mismatch"),
    (line_of(type="cancel", protocol_version=True, id="r", job_id="j"), "version_mismatch"),
    (json.dumps({"type": "cancel", "id": "r", "job_id": "j"}).encode(), "version_mismatch"),
    (line_of(type="cancel", id="r"), "bad_field"),
    (line_of(type="cancel", id="r", job_id="j", force=True), "bad_field"),
    (line_of(type="cancel", id=1, job_id="j"), "bad_field"),
    (line_of(type="heartbeat", seq=1, busy=1, queue_length=0), "bad_field"),
    (line_of(type="reorder", id="r", job_ids="job-1"), "bad_field"),
    (line_of(type="done", seq=1, job_id="j", outputs=[], settings={}, timings={"a": "1"}),
     "bad_field"),
    (line_of(type="preview", seq=1, job_id="j", step=1), "bad_field"),
    (line_of(type="submit", id="r", job_id="j", request="go"), "bad_field"),
    (line_of(type="submit", id="r", job_id="j", request={**REQUEST.to_dict(), "width": 5000}),
     "bad_request"),
])
def test_bad_lines_raise_protocol_error(line: bytes, code: str) -> None:
    with pytest.raises(p.ProtocolError) as caught:
        p.decode(line)
    assert caught.value.code == code
    assert caught.value.message.endswith(".")


def test_request_errors_name_the_field() -> None:
    line = line_of(type="submit", id="r", job_id="j", request={**REQUEST.to_dict(), "steps": 0})
    with pytest.raises(p.ProtocolError, match="request.steps must be an integer from 1 to 500"):
        p.decode(line)


def test_oversized_line_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("decode parsed an oversized line")

    monkeypatch.setattr(messages.json, "loads", fail)
    huge = b"{" + b" " * (10 << 20) + b"}\n"  # 10 MiB; parsing it would be a waste, not an error
    start = time.perf_counter()
    with pytest.raises(p.ProtocolError) as caught:
        p.decode(huge)
    assert caught.value.code == "line_too_long"
    assert time.perf_counter() - start < 0.1


def test_encode_refuses_what_decode_would_refuse() -> None:
    with pytest.raises(p.ProtocolError) as caught:
        p.encode(p.Preview(seq=1, job_id="j", step=1, jpeg_b64="A" * p.MAX_LINE_BYTES))
    assert caught.value.code == "line_too_long"
    with pytest.raises(p.ProtocolError) as caught:
        p.encode(p.Ok(reply_to="r", data={"when": object()}))
    assert caught.value.code == "not_encodable"


def test_construction_checks_fields() -> None:
    with pytest.raises(p.ProtocolError, match="progress: step must be an integer"):
        p.Progress(seq=1, job_id="j", step="4", total=30)  # type: ignore[arg-type]
    assert p.Reorder(id="r", job_ids=["a", "b"]).job_ids == ("a", "b")  # type: ignore[arg-type]


def decode_or_protocol_error(line: bytes) -> None:
    try:
        message = p.decode(line)
    except p.ProtocolError:
        return
    assert isinstance(message, p.Message)
    assert p.decode(p.encode(message)) == message  # whatever decodes also re-encodes


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2_000))
def test_fuzz_random_bytes(line: bytes) -> None:
    decode_or_protocol_error(line)


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_fuzz_mutated_bytes(name: str, data: st.DataObject) -> None:
    line = bytearray(p.encode(SAMPLES[name]))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(line) - 1))
        action = data.draw(st.sampled_from(("flip", "insert", "delete")))
        if action == "flip":
            line[at] = data.draw(st.integers(0, 255))
        elif action == "insert":
            line[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif len(line) > 1:
            del line[at]
    decode_or_protocol_error(bytes(line))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=10)


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_fuzz_mutated_fields(name: str, data: st.DataObject) -> None:
    message = SAMPLES[name].to_dict()
    if "request" in message and data.draw(st.booleans()):
        target = message["request"] = dict(message["request"])  # mutate inside the payload too
    else:
        target = message
    key = data.draw(st.sampled_from(sorted(target)) | st.text(max_size=8))
    if data.draw(st.booleans()) and key in target:
        del target[key]
    else:
        target[key] = data.draw(JSON)
    decode_or_protocol_error(json.dumps(message).encode())
