"""A real engine runs jobs: outputs decode, the queue keeps its order, reorders and prunes."""

from __future__ import annotations

import uuid
from pathlib import Path

import av
import pytest

from engine import protocol as p
from engine.cli.client import ControlError
from engine.output.video import read_settings
from engine_harness import Engine, job, request, submit, wait_state, wait_step, wait_until


def new_id(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def events_until_end(engine: Engine, since: int, job_id: str) -> list[p.Message]:
    """Every message a subscriber sees after ``since`` until ``job_id`` ends."""
    seen: list[p.Message] = []
    with engine.control(timeout=60) as control:
        for message in control.events(since):
            seen.append(message)
            if getattr(message, "job_id", None) == job_id and isinstance(
                    message, (p.Done, p.Failed, p.Cancelled)):
                return seen
    raise AssertionError("the event stream ended")


def test_submit_reports_progress_previews_and_a_decodable_done(engine: Engine) -> None:
    job_id = new_id("first")
    with engine.control() as control:
        since = control.hello["last_seq"]
        reply = submit(control, job_id, request(steps=3, width=40))
    assert reply["created"] and reply["job"]["state"] == "queued"
    assert reply["notes"] == ["width 40 became 32, a multiple of 32."]
    seen = [m for m in events_until_end(engine, since, job_id)
            if getattr(m, "job_id", None) == job_id]
    kinds = [m.TYPE for m in seen]
    assert kinds[:2] == ["queued", "started"] and kinds[-1] == "done"
    assert seen[1].node == "local"  # the engine's own worker, as the studio's panel shows it
    assert [m.step for m in seen if isinstance(m, p.Progress)] == [1, 2, 3]
    previews = [m for m in seen if isinstance(m, p.Preview)]
    assert previews and all(Path(m.path).read_bytes()[:2] == b"\xff\xd8" for m in previews)
    done = seen[-1]
    assert isinstance(done, p.Done) and set(done.timings) >= {"load_s", "generate_s", "total_s"}
    output = Path(done.outputs[0])
    with av.open(str(output)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 9 and (frames[0].width, frames[0].height) == (32, 32)
    # The settings that reproduce the take travel in the file and in the job record.
    assert read_settings(output)["seed"] == 3 == done.settings["seed"]
    assert done.settings["width"] == 32 and done.settings["memory_profile"] == "full"
    with engine.control() as control:
        assert job(control, job_id)["outputs"] == [str(output)]
        assert job(control, job_id)["node"] == "local"


def test_three_jobs_run_in_submission_order(engine: Engine) -> None:
    ids = [new_id(f"order{i}") for i in range(3)]
    with engine.control() as control:
        since = control.hello["last_seq"]
        for job_id in ids:
            submit(control, job_id, request(prompt=f"a green square {job_id}"))
    seen = events_until_end(engine, since, ids[-1])
    started = [m.job_id for m in seen if isinstance(m, p.Started)]
    assert started == ids
    assert all(wait_state(engine, job_id)["state"] == "done" for job_id in ids)


def test_reorder_and_remove_change_what_runs_next(engine: Engine) -> None:
    blocker, a, b, c = (new_id(n) for n in ("blocker", "a", "b", "c"))
    with engine.control() as control:
        since = control.hello["last_seq"]
        submit(control, blocker, request("[fault sleep_per_step_ms=400] slow", steps=6))
        for job_id in (a, b, c):
            submit(control, job_id, request(f"a blue ring {job_id}"))
        wait_step(engine, blocker, 1)
        control.request(p.Reorder(id=control.next_id(), job_ids=(c, a)))
        control.request(p.Remove(id=control.next_id(), job_id=b))
        with pytest.raises(ControlError, match="running; cancel it"):
            control.request(p.Remove(id=control.next_id(), job_id=blocker))
        queued = [j["id"] for j in control.request(p.ListJobs(id=control.next_id()))["jobs"]
                  if j["state"] == "queued"]
        assert queued == [c, a]
    seen = events_until_end(engine, since, a)
    assert [m.job_id for m in seen if isinstance(m, p.Started)] == [blocker, c, a]
    assert any(isinstance(m, p.Reordered) and m.order == (c, a, b) for m in seen)
    assert any(isinstance(m, p.Removed) and m.job_id == b for m in seen)
    with engine.control() as control, pytest.raises(ControlError, match="no job"):
        job(control, b)


def test_submitting_the_same_job_twice_queues_it_once(engine: Engine) -> None:
    job_id = new_id("twice")
    with engine.control() as control:
        first = submit(control, job_id, request("a yellow star"))
        again = submit(control, job_id, request("a yellow star"))
        assert first["created"] and not again["created"]
        with pytest.raises(ControlError, match="different request") as refused:
            submit(control, job_id, request("a purple star"))
        assert refused.value.code == "job_conflict"
    wait_state(engine, job_id)


def test_requests_the_engine_cannot_run_are_refused_with_a_reason(engine: Engine,
                                                                  tmp_path: Path) -> None:
    with engine.control() as control:
        with pytest.raises(ControlError, match="no model called 'nope'.*tiny-ltx") as unknown:
            submit(control, new_id("x"), request(model_id="nope"))
        assert unknown.value.code == "unknown_model"
        with pytest.raises(ControlError, match="more than this model makes") as long:
            submit(control, new_id("x"), request(frames=1000))
        assert long.value.code == "bad_request"
        missing = p.Pin(path=str(tmp_path / "gone.png"), target_frame=0)
        with pytest.raises(ControlError, match="gone.png does not exist"):
            submit(control, new_id("x"), request(pins=(missing.to_dict(),)))
        models = control.request(p.ListModels(id=control.next_id()))["models"]
        assert [m["id"] for m in models] == ["tiny-ltx", "frameloom-mini"]  # installed, built in


def test_heartbeats_name_the_newest_seq(engine: Engine) -> None:
    with engine.control(timeout=30) as control:
        last = control.hello["last_seq"]
        beat = next(m for m in control.events(last) if isinstance(m, p.Heartbeat))
    assert beat.seq >= last and beat.vram_used is None and isinstance(beat.queue_length, int)
    assert wait_until(lambda: True)
