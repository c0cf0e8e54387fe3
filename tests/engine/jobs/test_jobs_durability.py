"""The job store on disk: WAL, several connections, rollback, and a writer killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.jobs.store import JobError, JobStore

REQUEST = {"model": "tiny", "prompt": "a red circle", "frames": 9, "seed": 1}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    with JobStore(tmp_path / "jobs.sqlite3") as opened:
        yield opened


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    with JobStore(path) as one, JobStore(path) as two:
        one.submit("a", REQUEST)
        assert two.get("a").state == "queued"
        two.mark_running("a")
        assert one.get("a").state == "running"
        seq = one.append_event("a", "note", {})
        assert [e.seq for e in two.events_since(seq - 1)] == [seq]
        with pytest.raises(JobError, match="different request"):
            two.submit("a", {})


def test_two_connections_writing_at_once_wait_for_each_other(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    stores = [JobStore(path), JobStore(path)]

    def write(store: JobStore, name: str) -> None:
        for i in range(100):
            store.append_event(None, name, {"i": i})

    threads = [threading.Thread(target=write, args=(store, f"w{n}")) for n, store in
               enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    events = stores[0].events_since(0)
    assert len(events) == 200 and len({e.seq for e in events}) == 200
    for name in ("w0", "w1"):  # each writer's events in the order it wrote them
        assert [e.data["i"] for e in events if e.type == name] == list(range(100))
    for store in stores:
        store.close()


def test_a_refused_write_is_rolled_back_and_the_store_stays_usable(store: JobStore) -> None:
    first = store.append_event(None, "note", {})
    with pytest.raises(JobError, match="not plain JSON"):
        store.append_event(None, "note", {"bad": object()})
    assert store.append_event(None, "note", {}) == first + 1  # no seq was used by the failure
    assert len(store.events_since(0)) == 2


def test_the_store_is_in_wal_mode(store: JobStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "jobs.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JobError, match="cannot be opened"):
        JobStore(bad)


CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from engine.jobs.store import JobStore

    store = JobStore(Path(sys.argv[1]))
    for i in range(50):
        job_id = f"job-{i:02d}"
        store.submit(job_id, {"prompt": "x" * 200, "i": i}, requeue_if_interrupted=i % 2 == 0)
        store.mark_running(job_id)
        for step in range(3):
            store.progress(job_id, step, 3)
        print(job_id, flush=True)
    while True:  # keep writing, so the kill always lands in the middle of a transaction
        store.append_event(None, "heartbeat", {"busy": True, "pad": "y" * 500})
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_process_killed_mid_write_leaves_a_consistent_store(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    repo = Path(__file__).resolve().parents[3]
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=repo,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(repo)})
    try:
        for _ in range(20):
            assert child.stdout is not None and child.stdout.readline().startswith("job-")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert child.stdout is not None
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        seqs = [row[0] for row in db.execute("SELECT seq FROM events ORDER BY time, seq")]
        # Increasing in the order they were written, with no gap: a transaction cut by the kill
        # left neither its event nor its seq behind.
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 20 * 5
    with JobStore(path) as store:
        jobs = sorted(store.list(), key=lambda job: job.id)
        assert 20 <= len(jobs) <= 50
        # The kill can land between one job's transactions (submit, start, three progress steps),
        # so the newest job may be queued, or running without all its progress; every transaction
        # it had committed is whole, and every job before it is complete.
        *done, last = jobs
        for job in done:
            assert job.request["prompt"] == "x" * 200 and job.created and job.started
            assert job.state == "running" and job.attempts == 1 and job.total == 3
        assert last.request["prompt"] == "x" * 200 and last.created
        assert (last.state, last.attempts, last.started is None) in {("queued", 0, True),
                                                                     ("running", 1, False)}
        assert last.total in (None, 3)
        running = [job for job in jobs if job.state == "running"]
        assert store.last_seq() == seqs[-1]
        started = {e.job_id for e in store.events_since(0, limit=100_000) if e.type == "started"}
        assert started == {job.id for job in running}
        recovered = store.recover_after_crash()
        assert len(recovered) == len(running)
        assert {j.state for j in recovered if j.requeue_if_interrupted} <= {"queued"}
        assert {j.state for j in recovered if not j.requeue_if_interrupted} == {"interrupted"}
