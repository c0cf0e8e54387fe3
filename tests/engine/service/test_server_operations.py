"""Operation jobs through the engine: an extend or a bridge is queued, planned by the worker and
done with its take and joined result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine import protocol as p
from engine.cli.client import ControlError
from engine.operations.runner import read_clip
from engine.output.video import read_settings, write_video
from engine_harness import Engine, request, wait_state


def ramp(path: Path, frames: int, start: int = 0) -> Path:
    """A clip whose frame i is flat grey level 10 * (start + i): positions are checkable."""
    video = np.stack([np.full((32, 32, 3), 10 * (start + i), np.uint8) for i in range(frames)])
    return write_video(video, 24, path)


def submit_operation(engine: Engine, job_id: str, spec: p.OperationSpec,
                     prompt: str = "a green square") -> dict[str, object]:
    with engine.control() as control:
        return control.request(p.Submit(id=control.next_id(), job_id=job_id,
                                        request=request(prompt), operation=spec))


def test_an_extend_forward_job_writes_its_take_and_the_joined_result(engine: Engine,
                                                                     tmp_path: Path) -> None:
    source = ramp(tmp_path / "source.mp4", 13)
    reply = submit_operation(engine, "extend-1", p.OperationSpec(
        kind="extend_forward", frames=12, clips=(str(source),)))
    assert reply["created"] and reply["notes"] == []
    record = wait_state(engine, "extend-1")
    assert record["state"] == "done", record
    take, joined = (Path(path) for path in record["outputs"])
    assert len(read_clip(str(take), 32, 32)) == 12
    joined_frames = read_clip(str(joined), 32, 32)
    assert len(joined_frames) == 13 + 12
    source_frames = read_clip(str(source), 32, 32)
    assert np.abs(joined_frames[:13].astype(int) - source_frames.astype(int)).max() <= 3
    settings = read_settings(take)
    assert settings["spec"]["kind"] == "extend_forward" and settings["part"] == "take"
    assert record["settings"]["operation"] == "extend_forward"


def test_a_retake_job_runs_in_the_worker_and_keeps_the_rest_of_the_clip(
        engine: Engine, tmp_path: Path) -> None:
    source = ramp(tmp_path / "source.mp4", 20)
    reply = submit_operation(engine, "retake-1", p.OperationSpec(
        kind="retake", frames=7, clips=(str(source),), span=p.FrameRange(6, 7)))
    assert reply["created"]
    record = wait_state(engine, "retake-1")
    assert record["state"] == "done", record
    take, joined = (read_clip(path, 32, 32) for path in record["outputs"])
    before = read_clip(str(source), 32, 32)
    assert len(take) == 7 and len(joined) == 20
    assert np.array_equal(joined[:6], before[:6]) and np.array_equal(joined[13:], before[13:])
    assert record["settings"]["spec"]["span"] == [6, 7]
    seams = record["settings"]["seams"]  # before -> take -> after, in the record and jobs list
    assert [join["between"] for join in seams["joins"]] == [["clip source.mp4", "window 0"],
                                                            ["window 0", "clip source.mp4"]]
    with engine.control() as control:
        listed = control.request(p.ListJobs(id=control.next_id()))["jobs"]
    assert next(job for job in listed if job["id"] == "retake-1")["settings"]["seams"] == seams


def test_a_long_shot_job_reports_progress_over_all_its_windows(engine: Engine) -> None:
    reply = submit_operation(engine, "long-1", p.OperationSpec(
        kind="shot", frames=20, window=9, cues=(p.TimedPrompt(10, "a blue square"),)))
    assert reply["created"]
    record = wait_state(engine, "long-1")
    assert record["state"] == "done" and record["total"] == record["step"]
    windows = record["settings"]["windows"]
    assert len(windows) > 1 and record["total"] == 2 * len(windows)  # 2 steps a window
    assert len(read_clip(record["outputs"][0], 32, 32)) == 20


def test_operations_are_refused_at_submit_when_they_cannot_run(engine: Engine,
                                                              tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="gone.mp4 does not exist") as missing:
        submit_operation(engine, "bridge-x", p.OperationSpec(
            kind="bridge", frames=9, clips=(str(tmp_path / "gone.mp4"), str(tmp_path / "b.mp4"))))
    assert missing.value.code == "missing_media"
    source = ramp(tmp_path / "a.mp4", 9)
    with pytest.raises(ControlError, match="refused by the rule") as refused:
        submit_operation(engine, "policy-x", p.OperationSpec(
            kind="extend_forward", frames=9, clips=(str(source),),
            cues=(p.TimedPrompt(2, "an erotic toddler"),)))
    assert refused.value.code == "prompt_refused"


def test_an_operation_the_planner_refuses_fails_the_job_with_its_reason(engine: Engine,
                                                                         tmp_path: Path) -> None:
    short = ramp(tmp_path / "short.mp4", 3)
    submit_operation(engine, "short-1", p.OperationSpec(
        kind="extend_forward", frames=9, clips=(str(short),), context=5))
    record = wait_state(engine, "short-1")
    assert record["state"] == "failed" and record["error_code"] == "bad_request"
    assert "fewer than" in record["error_message"] and record["error_hint"]


def test_an_operation_out_of_memory_is_retried_once_with_a_cheaper_profile(
        engine: Engine, tmp_path: Path) -> None:
    source = ramp(tmp_path / "source.mp4", 13)
    submit_operation(engine, "extend-oom", p.OperationSpec(
        kind="extend_forward", frames=12, clips=(str(source),)), "[fault oom_attempts=1] big")
    record = wait_state(engine, "extend-oom")
    assert record["state"] == "done", record
    assert record["settings"]["memory_profile"] == "tiled"
    assert len(read_clip(record["outputs"][0], 32, 32)) == 12
    assert ("job extend-oom ran out of memory with the 'full' profile; retrying with 'tiled'"
            in engine.log_text())


def test_an_operation_out_of_memory_twice_fails_with_a_hint(engine: Engine,
                                                            tmp_path: Path) -> None:
    source = ramp(tmp_path / "source.mp4", 13)
    submit_operation(engine, "extend-oom2", p.OperationSpec(
        kind="extend_forward", frames=12, clips=(str(source),)), "[fault oom_attempts=2] huge")
    record = wait_state(engine, "extend-oom2")
    assert record["state"] == "failed" and record["error_code"] == "out_of_memory"
    assert "also with the 'tiled' memory profile" in record["error_message"]
    assert "the length (now 12 frames)" in record["error_hint"]


def test_an_extension_of_a_trimmed_clip_continues_its_used_part(engine: Engine,
                                                                tmp_path: Path) -> None:
    source = ramp(tmp_path / "source.mp4", 20)  # the timeline shows frames 4-16 of it
    submit_operation(engine, "extend-trimmed", p.OperationSpec(
        kind="extend_forward", frames=12, clips=(str(source),),
        ranges=(p.ClipRange(start=4, frames=13),)))
    record = wait_state(engine, "extend-trimmed")
    assert record["state"] == "done", record
    [pin] = record["settings"]["windows"][0]["request"]["pins"]
    context = pin["frame_count"]
    assert pin["frame_start"] == 4 + 13 - context  # ends at frame 16, not at the file's 19
    take, joined = (Path(path) for path in record["outputs"])
    joined_frames = read_clip(str(joined), 32, 32)
    assert len(joined_frames) == 13 + 12  # the used part, then the take
    used = read_clip(str(source), 32, 32)[4:17]
    assert np.abs(joined_frames[:13].astype(int) - used.astype(int)).max() <= 3
    assert read_settings(take)["spec"]["ranges"] == [[4, 13]]


def test_a_range_past_the_clips_end_fails_the_job_in_words(engine: Engine,
                                                            tmp_path: Path) -> None:
    source = ramp(tmp_path / "source.mp4", 10)
    submit_operation(engine, "range-x", p.OperationSpec(
        kind="extend_forward", frames=9, clips=(str(source),),
        ranges=(p.ClipRange(start=5, frames=9),)))
    record = wait_state(engine, "range-x")
    assert record["state"] == "failed" and record["error_code"] == "missing_media"
    assert "has 10 frames, but frames 5-13 of it were asked for" in record["error_message"]


def test_ranges_are_one_per_clip_and_round_trip() -> None:
    spec = p.OperationSpec(kind="bridge", frames=9, clips=("/a.mp4", "/b.mp4"),
                           ranges=(p.ClipRange(0, 20), p.ClipRange(3, 9)))
    assert p.OperationSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(p.RequestError, match="one range per clip"):
        p.OperationSpec(kind="bridge", frames=9, clips=("/a.mp4", "/b.mp4"),
                        ranges=(p.ClipRange(0, 20),))
    with pytest.raises(p.RequestError, match="start"):
        p.ClipRange(-1, 5)
    with pytest.raises(p.RequestError, match="frames"):
        p.ClipRange(0, 0)
