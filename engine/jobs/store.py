"""The engine's durable job queue and event log: one SQLite file (WAL) that survives crashes."""

from __future__ import annotations

import builtins
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.jobs.records import (
    STATES,
    TRANSITIONS,
    Event,
    Job,
    JobError,
    connect,
    dumps,
    event_from_row,
    insert_event,
    job_from_row,
    job_row,
    move,
    utc_now,
)
from engine.paths import data_dir

__all__ = ["KEEP_EVENTS", "PRUNE_EVERY", "STATES", "TRANSITIONS", "Event", "Job", "JobError",
           "JobStore"]

# The event log keeps at least the newest KEEP_EVENTS events (a studio that reconnects after a
# short absence resumes from them) and every event of a job that has not ended; older events of
# ended or removed jobs go, every PRUNE_EVERY job ends, so the file stops growing with use.
# About 25 events per job (progress steps): 5,000 events is the last 200 jobs in full.
KEEP_EVENTS = 5_000
PRUNE_EVERY = 50
_LIVE = ("queued", "running", "interrupted")


class JobStore:
    """The engine's job queue and event log; several processes may open the same file.

    Every write is one ``BEGIN IMMEDIATE`` transaction that also appends the matching event, so
    the job table and the event log never disagree, even after ``kill -9``. Events written by the
    store: ``queued`` (submit, requeue), ``started``, ``progress`` (one per :meth:`progress` call:
    the caller decides how often to report), ``done``, ``failed``, ``cancelled``, ``interrupted``,
    ``reordered`` and ``removed``. Previews are not stored here. The log is pruned as jobs end
    (see :data:`KEEP_EVENTS`); a job's row, with its outputs and settings, stays until removed.

    Parameters
    ----------
    path : Path, optional
        The SQLite file; ``data_dir() / "jobs.sqlite3"`` by default.
    busy_timeout : float
        Seconds a write waits for another process's transaction before giving up.
    """

    def __init__(self, path: Path | None = None, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path) if path is not None else data_dir() / "jobs.sqlite3"
        self._lock = threading.Lock()  # one connection, possibly used from the server's threads
        self._db = connect(self.path, busy_timeout)
        self._ended = 0  # jobs this instance saw end since it last pruned

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading
        # a read lock; busy_timeout makes the second one wait instead.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # also after a failed COMMIT, or the next BEGIN fails
                    self._db.execute("ROLLBACK")
                raise

    def _read(self, sql: str, args: Sequence[object] = ()) -> builtins.list[sqlite3.Row]:
        with self._lock:
            return builtins.list(self._db.execute(sql, args))

    # -- queue ---------------------------------------------------------------------------------

    def submit(self, job_id: str, request: Mapping[str, Any], *,
               requeue_if_interrupted: bool = False) -> tuple[Job, bool]:
        """Queue a job at the back, or return the job already stored under ``job_id``.

        Parameters
        ----------
        job_id : str
            The client's id; submitting it again (a retry after a lost reply) changes nothing.
        request : Mapping
            The generation request as plain JSON data; the store does not interpret it.
        requeue_if_interrupted : bool
            Put the job back in the queue if the engine dies while it runs.

        Returns
        -------
        tuple of (Job, bool)
            The job and whether it was created by this call.

        Raises
        ------
        JobError
            If the id is empty, or already used by a different request.
        """
        if not isinstance(job_id, str) or not job_id.strip() or len(job_id) > 200:
            raise JobError("A job id must be a non-empty string of at most 200 characters.")
        text = dumps(dict(request), "request")
        with self._write() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is not None:
                if row["request_json"] != text:
                    raise JobError(f"Job id {job_id!r} is already used by a different request.")
                return job_from_row(row), False
            position = db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM jobs").fetchone()[0]
            db.execute("INSERT INTO jobs (id, request_json, state, position,"
                       " requeue_if_interrupted, created) VALUES (?, ?, 'queued', ?, ?, ?)",
                       (job_id, text, position, int(requeue_if_interrupted), utc_now()))
            insert_event(db, job_id, "queued", {"position": position})
            return job_from_row(job_row(db, job_id)), True

    def get(self, job_id: str) -> Job | None:
        """The job stored under ``job_id``, or ``None``."""
        rows = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return job_from_row(rows[0]) if rows else None

    def list(self, states: Iterable[str] | None = None) -> builtins.list[Job]:
        """Jobs, running first, then queued in queue order, then the rest in submission order.

        Parameters
        ----------
        states : iterable of str, optional
            Only jobs in these states.
        """
        wanted = builtins.list(states) if states is not None else builtins.list(STATES)
        unknown = set(wanted) - set(STATES)
        if unknown:
            raise JobError(f"{sorted(unknown)[0]!r} is not a job state.")
        marks = ", ".join("?" * len(wanted))
        return [job_from_row(row) for row in self._read(
            f"SELECT * FROM jobs WHERE state IN ({marks}) ORDER BY CASE state WHEN 'running' THEN 0"
            " WHEN 'queued' THEN 1 ELSE 2 END, position", wanted)]

    def next_queued(self) -> Job | None:
        """The job at the front of the queue, or ``None`` when the queue is empty."""
        rows = self._read("SELECT * FROM jobs WHERE state = 'queued' ORDER BY position LIMIT 1")
        return job_from_row(rows[0]) if rows else None

    def reorder(self, job_ids: Sequence[str]) -> None:
        """Move the named queued jobs to the front, in this order; the rest keep theirs behind.

        Pass the whole queue to set a complete order.

        Raises
        ------
        JobError
            If an id is repeated, unknown, or names a job that is not queued.
        """
        if len(set(job_ids)) != len(job_ids):
            raise JobError("The new queue order names a job more than once.")
        with self._write() as db:
            for job_id in job_ids:
                if job_row(db, job_id)["state"] != "queued":
                    raise JobError(f"Job {job_id!r} is not queued, so it cannot be reordered.")
            rest = [r["id"] for r in db.execute(
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY position")
                if r["id"] not in set(job_ids)]
            order = [*job_ids, *rest]
            first = db.execute("SELECT COALESCE(MIN(position), 1) FROM jobs WHERE state = 'queued'"
                               ).fetchone()[0]
            for offset, job_id in enumerate(order):
                db.execute("UPDATE jobs SET position = ? WHERE id = ?", (first + offset, job_id))
            insert_event(db, None, "reordered", {"order": order})

    def remove(self, job_id: str) -> None:
        """Delete a queued or finished job; its past events stay in the log.

        Raises
        ------
        JobError
            If the job is unknown or running.
        """
        with self._write() as db:
            if job_row(db, job_id)["state"] == "running":
                raise JobError(f"Job {job_id!r} is running; cancel it before removing it.")
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            insert_event(db, job_id, "removed", {})
        self._job_ended()

    # -- lifecycle -----------------------------------------------------------------------------

    def mark_running(self, job_id: str, node: str | None = None) -> Job:
        """Start a queued job: count the attempt, reset progress, stamp ``started``.

        ``node`` names where it runs (``local``, or a cluster node); the ``started`` event and
        the job's record carry it.
        """
        with self._write() as db:
            attempts = job_row(db, job_id)["attempts"] + 1
            event = {"attempt": attempts, **({"node": node} if node is not None else {})}
            return move(db, job_id, "running", event,
                        attempts=attempts, step=0, total=None, started=utc_now(),
                        finished=None, node=node)

    def progress(self, job_id: str, step: int, total: int, eta_s: float | None = None) -> int:
        """Record progress of a running job and append a ``progress`` event; returns its seq.

        ``eta_s`` (seconds left, as the worker estimates it) travels in the event only.
        """
        if not 0 <= step <= total:
            raise JobError(f"Progress of job {job_id!r} must have 0 <= step <= total, "
                           f"not {step}/{total}.")
        with self._write() as db:
            if job_row(db, job_id)["state"] != "running":
                raise JobError(f"Job {job_id!r} is not running, so it has no progress to report.")
            db.execute("UPDATE jobs SET step = ?, total = ? WHERE id = ?", (step, total, job_id))
            return insert_event(db, job_id, "progress",
                                {"step": step, "total": total, "eta_s": eta_s})

    def finish(self, job_id: str, outputs: Sequence[str | Path], settings: Mapping[str, Any],
               timings: Mapping[str, float] | None = None) -> Job:
        """Mark a running job done, once every output is a non-empty file in place.

        ``timings`` (seconds per phase) travel in the ``done`` event only.

        Raises
        ------
        JobError
            If there is no output, an output is missing or empty, or the job is not running.
        """
        paths = [str(p) for p in outputs]
        if not paths:
            raise JobError(f"Job {job_id!r} cannot be done without an output file.")
        for path in paths:
            target = Path(path)
            if not target.is_file() or target.stat().st_size == 0:
                raise JobError(f"Job {job_id!r} cannot be done: its output {path} is missing "
                               "or empty.")
        settings_text = dumps(dict(settings), "settings")
        with self._write() as db:
            event = {"outputs": paths, "settings": dict(settings), "timings": dict(timings or {})}
            job = move(db, job_id, "done", event, outputs_json=dumps(paths, "outputs"),
                       settings_json=settings_text)
        self._job_ended()
        return job

    def fail(self, job_id: str, code: str, message: str, hint: str | None = None) -> Job:
        """Mark a queued or running job failed with an error code, a sentence and a hint."""
        with self._write() as db:
            event = {"code": code, "message": message, "hint": hint}
            job = move(db, job_id, "failed", event, error_code=code, error_message=message,
                       error_hint=hint)
        self._job_ended()
        return job

    def cancel(self, job_id: str) -> bool:
        """Cancel a job: a queued one at once; a running one is left to the caller.

        A cancelled job stays cancelled, so repeating the call (a client retrying) is harmless.

        Returns
        -------
        bool
            True when the job is running: the caller must stop the worker and then call
            :meth:`mark_cancelled`. It will not be requeued if the engine dies meanwhile.

        Raises
        ------
        JobError
            If the job is unknown, done, failed or interrupted.
        """
        with self._write() as db:
            state = job_row(db, job_id)["state"]
            if state == "running":
                db.execute("UPDATE jobs SET requeue_if_interrupted = 0 WHERE id = ?", (job_id,))
                return True
            if state == "queued":
                move(db, job_id, "cancelled", {})
            elif state != "cancelled":
                raise JobError(f"Job {job_id!r} is already {state} and cannot be cancelled.")
            return False

    def mark_cancelled(self, job_id: str) -> Job:
        """Mark a running job cancelled once its worker has stopped."""
        with self._write() as db:
            job = move(db, job_id, "cancelled", {})
        self._job_ended()
        return job

    def interrupt(self, job_id: str, reason: str, *, requeue: bool,
                  counted: bool = True) -> Job:
        """Mark a running job interrupted (its machine went away) and, if asked, queue it again
        at the front of the queue; the ``interrupted`` event carries ``reason``.

        The attempt count stays as it is, so the caller can cap the tries with it; with
        ``counted`` False a requeued job gets this run back (its cluster's head went away,
        which says nothing about the job).
        """
        with self._write() as db:
            first = db.execute("SELECT COALESCE(MIN(position), 1) FROM jobs WHERE state = 'queued'"
                               ).fetchone()[0]
            job = move(db, job_id, "interrupted", {"requeued": requeue, "reason": reason})
            if requeue:
                job = move(db, job_id, "queued", {"requeued": True}, finished=None,
                           position=first - 1, node=None,
                           attempts=job.attempts - (0 if counted else 1))
        if not requeue:
            self._job_ended()
        return job

    def recover_after_crash(self) -> builtins.list[Job]:
        """Turn jobs left running by a dead engine into interrupted ones; call once at start.

        Jobs submitted with ``requeue_if_interrupted`` go back to the front of the queue, in
        their old order.

        Returns
        -------
        list of Job
            The jobs that were running, as they are now (interrupted or queued).
        """
        with self._write() as db:
            rows = db.execute("SELECT id, requeue_if_interrupted FROM jobs WHERE state = 'running'"
                              " ORDER BY position").fetchall()
            ids = [r["id"] for r in rows]
            again = [r["id"] for r in rows if r["requeue_if_interrupted"]]
            first = db.execute("SELECT COALESCE(MIN(position), 1) FROM jobs WHERE state = 'queued'"
                               ).fetchone()[0]
            for job_id in ids:
                move(db, job_id, "interrupted", {"requeued": job_id in again})
            for offset, job_id in enumerate(again):
                move(db, job_id, "queued", {"requeued": True}, finished=None,
                     position=first - len(again) + offset, node=None)
            return [job_from_row(job_row(db, job_id)) for job_id in ids]

    # -- events --------------------------------------------------------------------------------

    def append_event(self, job_id: str | None, type: str, data: Mapping[str, Any]) -> int:
        """Append an event the store does not write itself (a heartbeat, say); returns its seq."""
        with self._write() as db:
            return insert_event(db, job_id, type, data)

    def events_since(self, seq: int, limit: int = 1000) -> builtins.list[Event]:
        """Events with a seq greater than ``seq``, oldest first, at most ``limit`` of them."""
        rows = self._read("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
        return [event_from_row(row) for row in rows]

    def last_seq(self) -> int:
        """The seq of the newest event ever written (0 for a new store)."""
        # sqlite_sequence remembers the highest seq even when every event was pruned.
        rows = self._read("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
        return int(rows[0]["seq"]) if rows else 0

    def prune_events(self, keep_last: int | None = None) -> int:
        """Delete events older than the newest ``keep_last`` (default :data:`KEEP_EVENTS`) unless
        their job is still live.

        Events of queued, running and interrupted jobs always stay, so a job's history is whole
        while it can still change; events of ended or removed jobs and job-less events go once
        they are older than the newest ``keep_last``. ``seq`` keeps growing (never reused).

        Returns
        -------
        int
            How many events were deleted.
        """
        keep = KEEP_EVENTS if keep_last is None else keep_last
        live = ", ".join("?" * len(_LIVE))
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ? AND "
                "(job_id IS NULL OR job_id NOT IN "
                f"(SELECT id FROM jobs WHERE state IN ({live})))", (keep, *_LIVE))
            return cursor.rowcount

    def _job_ended(self) -> None:
        self._ended += 1
        if self._ended >= PRUNE_EVERY:
            self._ended = 0
            self.prune_events()
