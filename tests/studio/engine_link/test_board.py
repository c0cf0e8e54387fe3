"""The job board folds engine events into job views: states, progress, order, takes, reloads."""

from __future__ import annotations

from typing import Any

from engine import protocol as p
from studio.engine_link import JobBoard


def record(job_id: str, state: str, position: int, **extra: Any) -> dict[str, Any]:
    return {"id": job_id, "state": state, "position": position, "attempts": 0, "step": 0,
            "total": None, "request": {"prompt": f"prompt of {job_id}"}, "outputs": [],
            "settings": None, "error_message": None, "error_hint": None, **extra}


def watched(board: JobBoard) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []
    board.job_changed.connect(lambda job: seen.append(("changed", job.id)))
    board.job_removed.connect(lambda job_id: seen.append(("removed", job_id)))
    board.order_changed.connect(lambda: seen.append(("order", None)))
    board.take_ready.connect(lambda job: seen.append(("take", job.outputs)))
    return seen


def test_a_job_goes_from_queued_to_done_with_progress_preview_and_a_take() -> None:
    board = JobBoard()
    seen = watched(board)
    board.load([], last_seq=0)
    for event in (p.Queued(seq=1, job_id="a", position=1), p.Started(seq=2, job_id="a"),
                  p.Progress(seq=3, job_id="a", step=1, total=4, eta_s=3.0),
                  p.Preview(seq=4, job_id="a", step=1, path="/cache/a-1.jpg"),
                  p.Progress(seq=5, job_id="a", step=4, total=4, eta_s=0.0)):
        board.apply(event)
    job = board.jobs["a"]
    assert (job.state, job.step, job.total, job.eta_s, job.preview) == (
        "running", 4, 4, 0.0, "/cache/a-1.jpg")
    assert job.fraction == 1.0 and job.attempts == 1
    board.apply(p.Done(seq=6, job_id="a", outputs=("/out/a.mp4",), settings={"seed": 3}))
    assert board.jobs["a"].state == "done" and board.jobs["a"].settings == {"seed": 3}
    assert ("take", ("/out/a.mp4",)) in seen and seen.count(("take", ("/out/a.mp4",))) == 1


def test_events_seen_before_are_ignored_so_a_replay_changes_nothing() -> None:
    board = JobBoard()
    board.apply(p.Queued(seq=1, job_id="a", position=1))
    board.apply(p.Done(seq=3, job_id="a", outputs=("/o.mp4",), settings={}))
    seen = watched(board)
    board.apply(p.Started(seq=2, job_id="a"))  # older than the last seen: a replay
    board.apply(p.Done(seq=3, job_id="a", outputs=("/o.mp4",), settings={}))
    assert seen == [] and board.jobs["a"].state == "done"


def test_failures_cancels_and_interruptions_keep_the_job_and_say_why() -> None:
    board = JobBoard()
    board.load([record("f", "running", 1), record("c", "queued", 2), record("i", "running", 3)],
               last_seq=10)
    board.apply(p.Failed(seq=11, job_id="f", code="out_of_memory", message="The GPU ran out.",
                         hint="Lower the size."))
    board.apply(p.Cancelled(seq=12, job_id="c"))
    board.apply(p.Interrupted(seq=13, job_id="i", requeued=False))
    assert {j.id: j.state for j in board.ordered()} == {
        "f": "failed", "c": "cancelled", "i": "interrupted"}
    assert (board.jobs["f"].error, board.jobs["f"].hint) == ("The GPU ran out.", "Lower the size.")


def test_order_follows_running_then_queue_position_then_newest_finished() -> None:
    board = JobBoard()
    board.load([record("old", "done", 1), record("q2", "queued", 5), record("run", "running", 3),
                record("q1", "queued", 4), record("new", "failed", 2)], last_seq=20)
    assert [j.id for j in board.ordered()] == ["run", "q1", "q2", "new", "old"]
    board.apply(p.Reordered(seq=21, order=("q2", "q1")))
    assert [j.id for j in board.ordered()][:3] == ["run", "q2", "q1"]
    seen = watched(board)
    board.apply(p.Removed(seq=22, job_id="old"))
    assert "old" not in board.jobs and seen == [("removed", "old")]


def test_reload_after_an_engine_restart_replaces_the_board_without_losing_jobs() -> None:
    board = JobBoard()
    board.load([record("a", "running", 1, step=3, total=8), record("b", "queued", 2)], 5)
    seen = watched(board)
    # The engine was killed: a is interrupted, b still queued, and a job removed meanwhile.
    board.load([record("a", "interrupted", 1, step=3, total=8)], last_seq=9)
    assert board.jobs["a"].state == "interrupted" and board.jobs["a"].step == 3
    assert ("removed", "b") in seen and board.last_seq == 9


def test_a_take_that_finished_while_away_is_announced_once_by_the_reload() -> None:
    board = JobBoard()
    board.load([record("a", "running", 1)], last_seq=3)
    seen = watched(board)
    done = record("a", "done", 1, outputs=["/out/a.mp4"])
    board.load([done], last_seq=7)
    board.apply(p.Done(seq=7, job_id="a", outputs=("/out/a.mp4",), settings={}))  # replayed
    board.load([done], last_seq=7)
    assert [s for s in seen if s[0] == "take"] == [("take", ("/out/a.mp4",))]


def test_a_job_keeps_the_node_it_runs_on_until_it_is_queued_again() -> None:
    board = JobBoard()
    board.load([record("a", "running", 1, node="local"),
                record("b", "done", 2, node="10.0.0.3 (node 0123456789ab)")], last_seq=0)
    assert board.jobs["a"].where == "this machine"
    assert board.jobs["b"].where == "10.0.0.3 (node 0123456789ab)"
    board.apply(p.Queued(seq=1, job_id="c", position=3))
    assert board.jobs["c"].where == ""
    board.apply(p.Started(seq=2, job_id="c", node="10.0.0.2 (node ba9876543210)"))
    assert board.jobs["c"].node == "10.0.0.2 (node ba9876543210)"
    board.apply(p.Interrupted(seq=3, job_id="c", requeued=True))
    board.apply(p.Queued(seq=4, job_id="c", position=0, requeued=True))
    assert board.jobs["c"].node is None
