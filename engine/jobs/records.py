"""Rows, errors, schema, connection and allowed state changes of the job store."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Events are named after the new state, except that a job that starts announces "started".
_EVENT_NAMES = {"running": "started"}

STATES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
FINISHED = frozenset({"done", "failed", "cancelled", "interrupted"})
# Every state change goes through move(), which checks this table. Queued jobs may fail
# before they start (a request the model refuses); only an interrupted job goes back to the
# queue: recover_after_crash sends it there, and JobStore.interrupt (a cluster node lost).
TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"running", "cancelled", "failed"}),
    "running": frozenset({"done", "failed", "cancelled", "interrupted"}),
    "interrupted": frozenset({"queued"}),
    "done": frozenset(), "failed": frozenset(), "cancelled": frozenset(),
}
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, request_json TEXT NOT NULL, state TEXT NOT NULL, position INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, step INTEGER NOT NULL DEFAULT 0, total INTEGER,
    error_code TEXT, error_message TEXT, error_hint TEXT, outputs_json TEXT, settings_json TEXT,
    requeue_if_interrupted INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL, started TEXT, finished TEXT, node TEXT);
CREATE INDEX IF NOT EXISTS jobs_state_position ON jobs (state, position);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT, type TEXT NOT NULL,
    data_json TEXT NOT NULL, time TEXT NOT NULL);
"""


class JobError(Exception):
    """A request the job store refuses; the message is one readable sentence."""


@dataclass(frozen=True)
class Job:
    """One row of the job table, as it was when read."""

    id: str
    request: dict[str, Any]
    state: str
    position: int
    attempts: int
    step: int
    total: int | None
    error_code: str | None
    error_message: str | None
    error_hint: str | None
    outputs: tuple[str, ...]
    settings: dict[str, Any] | None
    requeue_if_interrupted: bool
    created: str
    started: str | None
    finished: str | None
    node: str | None = None


@dataclass(frozen=True)
class Event:
    """One entry of the event log; ``seq`` only ever grows, even across pruning and restarts."""

    seq: int
    job_id: str | None
    type: str
    data: dict[str, Any]
    time: str


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def dumps(value: object, what: str) -> str:
    try:
        # sort_keys makes equal requests equal strings, which idempotent submit compares.
        return json.dumps(value, sort_keys=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise JobError(f"The {what} cannot be stored because it is not plain JSON "
                       f"({exc}).") from None


def job_from_row(row: sqlite3.Row) -> Job:
    return Job(id=row["id"], request=json.loads(row["request_json"]), state=row["state"],
               position=row["position"], attempts=row["attempts"], step=row["step"],
               total=row["total"], error_code=row["error_code"],
               error_message=row["error_message"], error_hint=row["error_hint"],
               outputs=tuple(json.loads(row["outputs_json"] or "[]")),
               settings=json.loads(row["settings_json"]) if row["settings_json"] else None,
               requeue_if_interrupted=bool(row["requeue_if_interrupted"]), created=row["created"],
               started=row["started"], finished=row["finished"], node=row["node"])


def event_from_row(row: sqlite3.Row) -> Event:
    """An :class:`Event` from a row of the events table."""
    return Event(seq=row["seq"], job_id=row["job_id"], type=row["type"],
                 data=json.loads(row["data_json"]), time=row["time"])


def connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open (creating if needed) the job store at ``path`` in WAL mode, with its tables.

    Raises
    ------
    JobError
        If the file is not a job store this version can use.
    """
    try:
        # isolation_level=None: JobStore issues BEGIN itself, so there are no implicit transactions.
        db = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None,
                             check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        db.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode survives any process crash; a power cut may lose the last commits
        # but never corrupts the file, and a "done" lost that way reads as interrupted.
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, SCHEMA.split(";")):
                db.execute(statement)
            _add_node_column(db)
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JobError(f"The job store {path} was written by a newer Frameloom "
                               f"(schema {version}); update Frameloom to open it.")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.execute("ROLLBACK")
            db.close()
            raise
        db.execute("COMMIT")
        return db
    except sqlite3.DatabaseError as exc:
        raise JobError(f"The job store {path} cannot be opened ({exc}).") from None


def _add_node_column(db: sqlite3.Connection) -> None:
    """Give a store made before jobs named their node its ``node`` column.

    A nullable column added in place keeps schema 1: an older engine reads rows by column name
    and never writes this one, so the file stays usable by either.
    """
    columns = {row["name"] for row in db.execute("PRAGMA table_info(jobs)")}
    if "node" not in columns:
        db.execute("ALTER TABLE jobs ADD COLUMN node TEXT")


def insert_event(db: sqlite3.Connection, job_id: str | None, type_: str,
                 data: Mapping[str, Any]) -> int:
    """Append one event inside the caller's transaction; returns its seq."""
    cursor = db.execute("INSERT INTO events (job_id, type, data_json, time) VALUES (?, ?, ?, ?)",
                        (job_id, type_, dumps(dict(data), "event data"), utc_now()))
    return int(cursor.lastrowid or 0)


def job_row(db: sqlite3.Connection, job_id: str) -> sqlite3.Row:
    """The row of ``job_id``; raises :class:`JobError` when there is none."""
    row: sqlite3.Row | None = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise JobError(f"There is no job with id {job_id!r}.")
    return row


def move(db: sqlite3.Connection, job_id: str, new: str, event: Mapping[str, Any],
         **columns: object) -> Job:
    """Check and apply one state change, with its event, inside the caller's transaction."""
    state = job_row(db, job_id)["state"]
    if new not in TRANSITIONS[state]:
        raise JobError(f"Job {job_id!r} is {state} and cannot become {new}.")
    columns["state"] = new
    if new in FINISHED:
        columns["finished"] = utc_now()
    # The column names come from this package's keyword arguments, never from a client.
    names = ", ".join(f"{name} = ?" for name in columns)
    db.execute(f"UPDATE jobs SET {names} WHERE id = ?", (*columns.values(), job_id))
    insert_event(db, job_id, _EVENT_NAMES.get(new, new), event)
    return job_from_row(job_row(db, job_id))
