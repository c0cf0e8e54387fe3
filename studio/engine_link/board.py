"""The studio's picture of the engine's jobs, kept up to date from its events (no Qt).

A jobs panel shows :meth:`JobBoard.ordered` and follows the board's signals; after a reconnect
or an engine restart, :meth:`JobBoard.load` re-reads every job, so nothing vanishes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from engine.protocol import (
    Cancelled,
    Done,
    Failed,
    Interrupted,
    Message,
    Preview,
    Progress,
    Queued,
    Removed,
    Reordered,
    Started,
)
from studio.document.signals import Signal

__all__ = ["JobBoard", "JobView"]

ACTIVE = ("running", "queued")


@dataclass(frozen=True)
class JobView:
    """One job as the studio shows it."""

    id: str
    state: str
    prompt: str = ""
    position: int = 0
    attempts: int = 0
    step: int = 0
    total: int | None = None
    eta_s: float | None = None
    preview: str | None = None
    outputs: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    hint: str | None = None
    requeued: bool = False
    node: str | None = None  # where it runs or ran: "local", or a cluster node "IP (node ID)"

    @property
    def where(self) -> str:
        """Its node for people: ``this machine`` for the engine's own worker, "" if unknown."""
        return "this machine" if self.node == "local" else self.node or ""

    @property
    def fraction(self) -> float:
        """Progress from 0 to 1 (1 once done)."""
        if self.state == "done":
            return 1.0
        return self.step / self.total if self.total else 0.0

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> JobView:
        """A view of a job record as the engine's ``list_jobs`` / ``get_job`` return it."""
        request = record.get("request") or {}
        return cls(id=record["id"], state=record["state"], prompt=str(request.get("prompt", "")),
                   position=int(record.get("position") or 0),
                   attempts=int(record.get("attempts") or 0), step=int(record.get("step") or 0),
                   total=record.get("total"), outputs=tuple(record.get("outputs") or ()),
                   settings=dict(record.get("settings") or {}),
                   error=record.get("error_message"), hint=record.get("error_hint"),
                   node=record.get("node"))


class JobBoard:
    """Every job the engine knows, folded from its events.

    Signals: ``job_changed(JobView)``, ``job_removed(job_id)``, ``order_changed()`` and
    ``take_ready(JobView)`` once per job the board learns is done (by event or by a reload), so
    a studio that was away still adds every take; adding a take it already has is the
    caller's to skip, by job id.
    """

    def __init__(self) -> None:
        self.jobs: dict[str, JobView] = {}
        self.last_seq = 0
        self.job_changed = Signal("job_changed")
        self.job_removed = Signal("job_removed")
        self.order_changed = Signal("order_changed")
        self.take_ready = Signal("take_ready")

    def load(self, records: list[dict[str, Any]], last_seq: int) -> None:
        """Replace the board with the engine's current jobs (after connecting or a restart).

        Jobs that finished while the studio was not listening announce their take here.
        """
        fresh = {r["id"]: JobView.from_record(r) for r in records}
        for gone in set(self.jobs) - set(fresh):
            self.job_removed.emit(gone)
        before, self.jobs = self.jobs, fresh
        self.last_seq = last_seq
        for job in fresh.values():
            self.job_changed.emit(job)
            old = before.get(job.id)
            if job.state == "done" and (old is None or old.state != "done"):
                self.take_ready.emit(job)
        self.order_changed.emit()

    def ordered(self) -> list[JobView]:
        """Running first, then queued in queue order, then finished ones, newest first."""
        active = sorted((j for j in self.jobs.values() if j.state in ACTIVE),
                        key=lambda j: (j.state != "running", j.position))
        finished = sorted((j for j in self.jobs.values() if j.state not in ACTIVE),
                          key=lambda j: -j.position)
        return active + finished

    def apply(self, event: Message) -> None:
        """Fold one engine event into the board; events already seen (by seq) are ignored."""
        seq = getattr(event, "seq", None)
        if seq is None or seq <= self.last_seq:
            return
        self.last_seq = seq
        if isinstance(event, Reordered):
            for position, job_id in enumerate(event.order):
                self._update(job_id, position=position, notify=False)
            self.order_changed.emit()
        elif isinstance(event, Removed):
            if self.jobs.pop(event.job_id, None) is not None:
                self.job_removed.emit(event.job_id)
        elif isinstance(event, Queued):
            self._update(event.job_id, state="queued", position=event.position,
                         requeued=event.requeued, step=0, eta_s=None, node=None)
            self.order_changed.emit()
        else:
            self._apply_job_event(event)

    def _apply_job_event(self, event: Message) -> None:
        if isinstance(event, Started):
            self._update(event.job_id, state="running", attempts=event.attempt, step=0,
                         node=event.node)
        elif isinstance(event, Progress):
            self._update(event.job_id, step=event.step, total=event.total, eta_s=event.eta_s)
        elif isinstance(event, Preview):
            self._update(event.job_id, preview=event.path)
        elif isinstance(event, Done):
            known = self.jobs.get(event.job_id)
            job = self._update(event.job_id, state="done", outputs=event.outputs,
                               settings=dict(event.settings), eta_s=None)
            if known is None or known.state != "done":  # a take is announced once
                self.take_ready.emit(job)
        elif isinstance(event, Failed):
            self._update(event.job_id, state="failed", error=event.message, hint=event.hint,
                         eta_s=None)
        elif isinstance(event, Cancelled):
            self._update(event.job_id, state="cancelled", eta_s=None)
        elif isinstance(event, Interrupted):
            self._update(event.job_id, state="queued" if event.requeued else "interrupted",
                         eta_s=None, requeued=event.requeued)

    def _update(self, job_id: str, *, notify: bool = True, **changes: Any) -> JobView:
        job = self.jobs.get(job_id) or JobView(id=job_id, state=changes.get("state", "queued"))
        job = dataclasses.replace(job, **changes)
        self.jobs[job_id] = job
        if notify:
            self.job_changed.emit(job)
        return job
