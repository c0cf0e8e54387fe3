"""Faults on a real engine: cancel (cooperative and hung), crashes, out of memory, kill -9."""

from __future__ import annotations

import uuid
from pathlib import Path

from engine import protocol as p
from engine_harness import GRACE_S, Engine, job, request, submit, wait_state, wait_step, wait_until


def new_id(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def cancel(engine: Engine, job_id: str) -> str:
    with engine.control() as control:
        state: str = control.request(p.Cancel(id=control.next_id(), job_id=job_id))["state"]
    return state


def outputs_of(engine: Engine) -> list[Path]:
    """Every file in the outputs folder, half-written ones (dot files) included."""
    folder = engine.home / "data" / "outputs"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_cancel_during_a_step_stops_the_job_without_killing_the_worker(engine: Engine) -> None:
    job_id = new_id("coop")
    with engine.control() as control:
        submit(control, job_id, request("[fault sleep_per_step_ms=200] slow", steps=50))
    wait_step(engine, job_id, 2)
    assert cancel(engine, job_id) == "cancelling"
    record = wait_state(engine, job_id, timeout=GRACE_S * 3)
    assert record["state"] == "cancelled" and not record["outputs"]
    assert f"job {job_id} did not stop" not in engine.log_text()
    assert cancel(engine, job_id) == "cancelled"  # a retried cancel is harmless


def test_cancel_of_a_queued_job_is_immediate(engine: Engine) -> None:
    blocker, queued = new_id("blocker"), new_id("queued")
    with engine.control() as control:
        submit(control, blocker, request("[fault sleep_per_step_ms=200] slow", steps=5))
        submit(control, queued, request("never runs"))
    assert cancel(engine, queued) == "cancelled"
    assert wait_state(engine, blocker)["state"] == "done"
    with engine.control() as control:
        assert job(control, queued)["started"] is None


def test_cancel_of_a_hung_step_kills_the_worker_and_the_engine_keeps_serving(
        engine: Engine) -> None:
    hung, after = new_id("hung"), new_id("after")
    with engine.control() as control:
        submit(control, hung, request("[fault hang_at_step=2] stuck", steps=3))
        submit(control, after, request("a white bar moves up"))
    wait_step(engine, hung, 1)
    assert cancel(engine, hung) == "cancelling"
    record = wait_state(engine, hung, timeout=GRACE_S + 30)
    assert record["state"] == "cancelled"
    assert f"job {hung} did not stop within" in engine.log_text()
    # The next job runs on a fresh worker, and nothing half-written is left behind.
    assert wait_state(engine, after)["state"] == "done"
    assert not [f for f in outputs_of(engine) if f.name.startswith(".")]


def test_a_crashed_worker_fails_the_job_readably_and_the_next_job_runs(engine: Engine) -> None:
    crash, after = new_id("crash"), new_id("after")
    with engine.control() as control:
        submit(control, crash, request("[fault crash_at_step=1] boom", steps=3))
        submit(control, after, request("a gray triangle"))
    record = wait_state(engine, crash)
    assert record["state"] == "failed" and record["error_code"] == "worker_crashed"
    assert "stopped unexpectedly (exit code 70)" in record["error_message"]
    assert record["error_hint"] and "\n" not in record["error_message"]
    assert wait_state(engine, after)["state"] == "done"


def test_out_of_memory_is_retried_once_with_a_cheaper_profile(engine: Engine) -> None:
    job_id = new_id("oom-once")
    with engine.control() as control:
        submit(control, job_id, request("[fault oom_attempts=1] big"))
    record = wait_state(engine, job_id)
    assert record["state"] == "done" and record["settings"]["memory_profile"] == "tiled"
    assert f"job {job_id} ran out of memory with the 'full' profile; retrying with 'tiled'" \
        in engine.log_text()


def test_out_of_memory_twice_fails_with_a_hint_and_recycles_the_worker(engine: Engine) -> None:
    first, second, after = new_id("oom1"), new_id("oom2"), new_id("after")
    with engine.control() as control:
        for job_id in (first, second):
            submit(control, job_id, request("[fault oom_attempts=2] huge", width=64))
        submit(control, after, request("a black circle"))
    for job_id in (first, second):
        record = wait_state(engine, job_id)
        assert record["state"] == "failed" and record["error_code"] == "out_of_memory"
        assert "also with the 'tiled' memory profile" in record["error_message"]
        assert "Lower the size (now 64x32)" in record["error_hint"]
    assert "two jobs in a row ran out of memory; restarting the worker" in engine.log_text()
    assert wait_state(engine, after)["state"] == "done"


def test_kill_9_mid_job_leaves_it_interrupted_and_nothing_done_without_its_file(
        own_engine: Engine) -> None:
    engine = own_engine.start()
    plain, again = new_id("plain"), new_id("again")
    with engine.control() as control:
        submit(control, plain, request("[fault sleep_per_step_ms=300] long", steps=40))
        submit(control, again, request("a red bar"), requeue_if_interrupted=True)
    wait_step(engine, plain, 2)
    engine.kill_group()
    assert engine.process is not None
    assert wait_until(lambda: not _group_members(engine.process.pid), 10, "the worker to die")

    engine.start()
    record = wait_state(engine, plain, ("interrupted",), timeout=30)
    assert record["outputs"] == [] and record["step"] >= 2
    # The job that asked to be requeued runs again (it had not started, so it simply runs).
    assert wait_state(engine, again)["state"] == "done"
    with engine.control() as control:
        states = {j["id"]: j["state"] for j in control.request(
            p.ListJobs(id=control.next_id()))["jobs"]}
    assert states == {plain: "interrupted", again: "done"}
    assert not [f for f in outputs_of(engine) if f.name.startswith(".")]
    assert all(f.stat().st_size > 0 for f in outputs_of(engine))


def test_kill_9_of_a_job_that_asked_to_be_requeued_runs_it_again(own_engine: Engine) -> None:
    engine = own_engine.start()
    job_id = new_id("requeue")
    with engine.control() as control:
        submit(control, job_id, request("[fault sleep_per_step_ms=300] again", steps=8),
               requeue_if_interrupted=True)
    wait_step(engine, job_id, 1)
    engine.kill_group()
    engine.start()
    record = wait_state(engine, job_id, timeout=120)
    assert record["state"] == "done" and record["attempts"] == 2
    assert wait_until(lambda: Path(record["outputs"][0]).stat().st_size > 0)


def _group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid`` (Linux /proc; empty elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            state, _, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            found.append(int(entry.name))
    return found


def test_shutdown_is_answered_during_a_job_which_becomes_interrupted(own_engine: Engine) -> None:
    engine = own_engine.start()
    job_id = new_id("shutdown")
    with engine.control() as control:
        submit(control, job_id, request("[fault hang_at_step=2] busy", steps=4))
    wait_step(engine, job_id, 1)
    with engine.control() as control:
        assert control.request(p.Shutdown(id="bye")) == {}  # answered while the step hangs
    assert engine.process is not None
    assert engine.process.wait(timeout=30) == 0
    assert not (engine.runtime / p.SOCKET_NAME).exists()
    engine.start()
    record = wait_state(engine, job_id, ("interrupted",), timeout=30)
    assert record["outputs"] == []
