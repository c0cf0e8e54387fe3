"""The job store's rules: idempotent submit, queue order, checked states, crash recovery, events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.jobs.store import STATES, TRANSITIONS, JobError, JobStore

REQUEST = {"model": "tiny", "prompt": "a red circle", "width": 64, "height": 64, "frames": 9,
           "seed": 1, "pins": []}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    with JobStore(tmp_path / "jobs.sqlite3") as opened:
        yield opened


def output(tmp_path: Path, name: str = "out.mp4", data: bytes = b"\0\0\0 ftyp") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def queued_ids(store: JobStore) -> list[str]:
    return [job.id for job in store.list(["queued"])]


def test_submit_is_idempotent_per_job_id(store: JobStore) -> None:
    job, created = store.submit("j1", REQUEST, requeue_if_interrupted=True)
    assert created and job.state == "queued" and job.request == REQUEST
    assert job.requeue_if_interrupted and job.attempts == 0 and job.created.endswith("Z")
    # The same request with its keys in another order is the same request.
    again, created_again = store.submit("j1", dict(reversed(list(REQUEST.items()))))
    assert not created_again and again == job
    with pytest.raises(JobError, match="already used by a different request"):
        store.submit("j1", {**REQUEST, "seed": 2})
    assert [e.type for e in store.events_since(0)] == ["queued"]  # one event, not one per call
    assert store.get("j1") == job and store.get("nope") is None


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201])
def test_submit_refuses_bad_ids(store: JobStore, bad: str) -> None:
    with pytest.raises(JobError, match="job id"):
        store.submit(bad, REQUEST)


def test_submit_refuses_a_request_that_is_not_json(store: JobStore) -> None:
    with pytest.raises(JobError, match="not plain JSON"):
        store.submit("j1", {"path": Path("x")})
    with pytest.raises(JobError, match="not plain JSON"):
        store.submit("j1", {"guidance": float("nan")})
    assert store.list() == []


def test_queue_order_reorder_and_remove(store: JobStore) -> None:
    for name in "abcde":
        store.submit(name, {**REQUEST, "prompt": name})
    assert queued_ids(store) == list("abcde") and store.next_queued().id == "a"
    store.reorder(["d", "b"])  # named jobs go to the front; the others keep their order
    assert queued_ids(store) == list("dbace")
    store.reorder(list("edcba"))
    assert queued_ids(store) == list("edcba") and store.next_queued().id == "e"
    store.remove("c")
    assert queued_ids(store) == list("edba") and store.get("c") is None
    store.submit("f", REQUEST)
    assert queued_ids(store) == list("edbaf")
    with pytest.raises(JobError, match="no job with id 'zz'"):
        store.reorder(["a", "zz"])
    with pytest.raises(JobError, match="more than once"):
        store.reorder(["a", "a"])
    assert queued_ids(store) == list("edbaf")  # a refused reorder changes nothing
    store.mark_running("e")
    with pytest.raises(JobError, match="not queued"):
        store.reorder(["d", "e"])
    with pytest.raises(JobError, match="running; cancel it"):
        store.remove("e")
    assert [job.id for job in store.list()] == ["e", *"dbaf"]  # running first
    store.fail("e", "oom", "Out of memory.", "Lower the resolution.")
    store.remove("e")  # finished jobs can be removed
    with pytest.raises(JobError, match="no job"):
        store.remove("e")
    types = [e.type for e in store.events_since(0)]
    assert types.count("reordered") == 2 and types.count("removed") == 2


def test_the_whole_lifecycle_records_progress_outputs_and_events(store: JobStore,
                                                                  tmp_path: Path) -> None:
    store.submit("j1", REQUEST)
    running = store.mark_running("j1")
    assert running.state == "running" and running.attempts == 1 and running.started
    seq = store.progress("j1", 3, 20, eta_s=8.5)
    assert store.get("j1").step == 3 and store.get("j1").total == 20
    out = output(tmp_path)
    done = store.finish("j1", [out], {"seed": 1, "steps": 20}, {"denoise_s": 2.5})
    assert done.state == "done" and done.outputs == (str(out),) and done.finished
    assert done.settings == {"seed": 1, "steps": 20}
    events = store.events_since(0)
    assert [e.type for e in events] == ["queued", "started", "progress", "done"]
    assert events[2].seq == seq and events[2].data == {"step": 3, "total": 20, "eta_s": 8.5}
    assert events[3].data["timings"] == {"denoise_s": 2.5}
    assert events[3].data["outputs"] == [str(out)] and all(e.job_id == "j1" for e in events)


def drive(store: JobStore, job_id: str, target: str, tmp_path: Path) -> None:
    """Bring a new job to ``target`` through legal moves."""
    store.submit(job_id, REQUEST)
    if target in ("running", "done", "interrupted") or target.startswith("running"):
        store.mark_running(job_id)
    if target == "done":
        store.finish(job_id, [output(tmp_path, f"{job_id}.mp4")], {})
    elif target == "interrupted":
        store.recover_after_crash()


MOVES = {  # how to ask for each state change
    "running": lambda s, j, p: s.mark_running(j),
    "done": lambda s, j, p: s.finish(j, [output(p, f"{j}-x.mp4")], {}),
    "failed": lambda s, j, p: s.fail(j, "bad", "It broke.", None),
    "cancelled": lambda s, j, p: (s.mark_cancelled(j) if s.get(j).state == "running"
                                  else s.cancel(j)),
    "interrupted": lambda s, j, p: s.recover_after_crash(),
}


@pytest.mark.parametrize(("start", "end"), [(a, b) for a in ("queued", "running")
                                            for b in sorted(TRANSITIONS[a])])
def test_every_allowed_transition(tmp_path: Path, start: str, end: str) -> None:
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        drive(store, "j", start, tmp_path)
        MOVES[end](store, "j", tmp_path)
        assert store.get("j").state == end
        assert store.events_since(0)[-1].type == {"running": "started"}.get(end, end)


def test_interrupted_goes_back_to_the_queue_only_through_recovery(store: JobStore) -> None:
    store.submit("j", REQUEST, requeue_if_interrupted=True)
    store.mark_running("j")
    (job,) = store.recover_after_crash()
    assert job.state == "queued" and job.finished is None
    assert [e.type for e in store.events_since(0)][-2:] == ["interrupted", "queued"]
    assert set(TRANSITIONS["interrupted"]) == {"queued"}
    assert set(TRANSITIONS) == set(STATES)


@pytest.mark.parametrize(("start", "move", "message"), [
    ("queued", "done", "queued and cannot become done"),
    ("done", "running", "done and cannot become running"),
    ("done", "failed", "done and cannot become failed"),
    ("failed", "running", "failed and cannot become running"),
    ("cancelled", "done", "cancelled and cannot become done"),
    ("running", "running", "running and cannot become running"),
])
def test_illegal_transitions_are_refused_with_a_sentence(tmp_path: Path, start: str, move: str,
                                                         message: str) -> None:
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        drive(store, "j", start if start in ("queued", "running", "done") else "queued", tmp_path)
        if start in ("failed", "cancelled"):
            MOVES[start](store, "j", tmp_path)
        before = store.get("j")
        with pytest.raises(JobError, match=message):
            MOVES[move](store, "j", tmp_path)
        assert store.get("j") == before


def test_progress_needs_a_running_job(store: JobStore) -> None:
    store.submit("j", REQUEST)
    with pytest.raises(JobError, match="not running"):
        store.progress("j", 1, 2)
    store.mark_running("j")
    with pytest.raises(JobError, match="step <= total"):
        store.progress("j", 3, 2)


def test_finish_refuses_missing_or_empty_outputs(store: JobStore, tmp_path: Path) -> None:
    store.submit("j", REQUEST)
    store.mark_running("j")
    with pytest.raises(JobError, match="missing or empty"):
        store.finish("j", [tmp_path / "never-written.mp4"], {})
    with pytest.raises(JobError, match="missing or empty"):
        store.finish("j", [output(tmp_path, "good.mp4"), output(tmp_path, "empty.mp4", b"")], {})
    with pytest.raises(JobError, match="missing or empty"):
        store.finish("j", [tmp_path], {})  # a folder is not a file
    with pytest.raises(JobError, match="without an output"):
        store.finish("j", [], {})
    job = store.get("j")
    assert job.state == "running" and job.outputs == ()
    assert "done" not in [e.type for e in store.events_since(0)]


def test_cancel_queued_running_and_finished(store: JobStore, tmp_path: Path) -> None:
    for name in ("q", "r", "d"):
        store.submit(name, REQUEST, requeue_if_interrupted=True)
    assert store.cancel("q") is False and store.get("q").state == "cancelled"
    assert store.cancel("q") is False  # a client retrying its cancel is harmless
    store.mark_running("r")
    assert store.cancel("r") is True and store.get("r").state == "running"
    # A crash before the worker stops must not bring back a job the user cancelled.
    assert not store.get("r").requeue_if_interrupted
    assert store.mark_cancelled("r").state == "cancelled"
    store.mark_running("d")
    store.finish("d", [output(tmp_path)], {})
    with pytest.raises(JobError, match="already done and cannot be cancelled"):
        store.cancel("d")
    with pytest.raises(JobError, match="no job"):
        store.cancel("zz")


def test_recover_after_crash_across_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    store.submit("keep1", REQUEST, requeue_if_interrupted=True)
    store.submit("lost", REQUEST)
    store.submit("keep2", REQUEST, requeue_if_interrupted=True)
    store.submit("waiting", REQUEST)
    for job_id in ("keep1", "lost", "keep2"):
        store.mark_running(job_id)  # no real engine runs three at once; recovery must not care
    store.close()

    with JobStore(path) as reopened:
        recovered = reopened.recover_after_crash()
        assert [(j.id, j.state) for j in recovered] == [
            ("keep1", "queued"), ("lost", "interrupted"), ("keep2", "queued")]
        assert queued_ids(reopened) == ["keep1", "keep2", "waiting"]  # at the front, old order
        lost = reopened.get("lost")
        assert lost.finished and lost.attempts == 1
        interrupted = [e for e in reopened.events_since(0) if e.type == "interrupted"]
        assert [(e.job_id, e.data["requeued"]) for e in interrupted] == [
            ("keep1", True), ("lost", False), ("keep2", True)]
        assert reopened.recover_after_crash() == []  # nothing left running
        assert reopened.mark_running("keep1").attempts == 2


def test_events_since_returns_each_event_once_in_order(store: JobStore) -> None:
    for i in range(25):
        store.append_event(None, "heartbeat", {"i": i})
    seen, last = [], 0
    while batch := store.events_since(last, limit=7):
        seen += batch
        last = batch[-1].seq
    assert [e.data["i"] for e in seen] == list(range(25))
    assert [e.seq for e in seen] == sorted({e.seq for e in seen})
    assert store.events_since(last) == [] and store.last_seq() == last
    store.append_event("j", "note", {"x": 1})
    (new,) = store.events_since(last)
    assert new.seq > last and new.type == "note"


def test_prune_keeps_the_newest_and_seq_keeps_growing(store: JobStore) -> None:
    for i in range(10):
        store.append_event(None, "heartbeat", {"i": i})
    assert store.prune_events(keep_last=3) == 7
    assert [e.data["i"] for e in store.events_since(0)] == [7, 8, 9]
    assert store.prune_events(keep_last=0) == 3 and store.last_seq() == 10
    assert store.append_event(None, "heartbeat", {}) == 11  # seq is never reused


def test_prune_keeps_every_event_of_a_live_job(store: JobStore) -> None:
    store.submit("live", {"prompt": "a"})
    store.submit("ended", {"prompt": "b"})
    store.mark_running("ended")
    store.progress("ended", 1, 2)
    store.fail("ended", "x", "It failed.")
    for i in range(5):
        store.append_event(None, "note", {"i": i})
    store.prune_events(keep_last=2)
    left = store.events_since(0)
    assert [e.type for e in left if e.job_id == "live"] == ["queued"]
    assert not [e for e in left if e.job_id == "ended"]
    assert [e.data.get("i") for e in left if e.job_id is None] == [3, 4]


def test_the_log_is_pruned_as_jobs_end(store: JobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.jobs import store as store_module

    monkeypatch.setattr(store_module, "KEEP_EVENTS", 10)
    monkeypatch.setattr(store_module, "PRUNE_EVERY", 5)
    for i in range(20):
        store.submit(f"j{i}", {"prompt": "a"})
        store.mark_running(f"j{i}")
        for step in range(1, 4):
            store.progress(f"j{i}", step, 3)
        store.fail(f"j{i}", "x", "It failed.")
    # 6 events a job, 120 written: pruned down to the last 10 at each fifth end, then grown by
    # at most five jobs' worth (30) before the next prune.
    assert len(store.events_since(0, limit=1000)) <= 10 + 30
    assert store.last_seq() == 120



def test_interrupt_requeues_a_running_job_at_the_front_or_leaves_it_interrupted(
        store: JobStore) -> None:
    for job_id in ("a", "b", "c"):
        store.submit(job_id, {"prompt": job_id})
    store.mark_running("b")
    requeued = store.interrupt("b", "Its node went away.", requeue=True)
    assert requeued.state == "queued" and requeued.attempts == 1
    assert queued_ids(store) == ["b", "a", "c"]
    store.mark_running("b")
    assert store.interrupt("b", "Again.", requeue=False).state == "interrupted"
    events = [(e.type, e.data) for e in store.events_since(0) if e.job_id == "b"]
    assert events[-5:] == [
        ("started", {"attempt": 1}),
        ("interrupted", {"requeued": True, "reason": "Its node went away."}),
        ("queued", {"requeued": True}),
        ("started", {"attempt": 2}),
        ("interrupted", {"requeued": False, "reason": "Again."})]


def test_an_interruption_not_counted_gives_the_run_back(store: JobStore) -> None:
    store.submit("h", {"prompt": "h"})
    store.mark_running("h")
    assert store.interrupt("h", "The head went away.", requeue=True,
                           counted=False).attempts == 0
    assert store.mark_running("h").attempts == 1
    assert store.interrupt("h", "Its node went away.", requeue=True).attempts == 1


def test_a_running_job_names_its_node_until_it_is_queued_again(store: JobStore) -> None:
    store.submit("n", {"prompt": "n"})
    running = store.mark_running("n", node="10.0.0.2 (node 0123456789ab)")
    assert running.node == "10.0.0.2 (node 0123456789ab)"
    assert store.events_since(0)[-1].data == {"attempt": 1, "node": running.node}
    assert store.interrupt("n", "Its node went away.", requeue=True).node is None


def test_a_store_from_before_nodes_gains_the_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with JobStore(path) as made:
        made.submit("old", {"prompt": "old"})
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE jobs DROP COLUMN node")  # as an engine before nodes made it
    db.commit()
    db.close()
    with JobStore(path) as reopened:
        assert reopened.get("old") is not None and reopened.get("old").node is None
        assert reopened.mark_running("old", node="local").node == "local"
