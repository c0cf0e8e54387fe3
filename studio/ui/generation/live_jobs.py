"""The engine's jobs seen from the open project: what each is for, and what each item waits on.

:class:`LiveJobs` follows an :class:`~studio.ui.generation.engine_bridge.EngineBridge`'s job
board and answers, for the project it follows, which item and operation a job was for (the jobs
panel's rows), what a generated item is waiting on (the timeline's "queued" or "generating 40%")
and whether a finished job may be retried: once, and not while its item has a job queued or
running. It says when a job was cancelled or interrupted, so the status bar never keeps saying
"Queued" about a job that is gone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from studio.document.errors import EditError
from studio.document.model import Generated, Project, Transition
from studio.document.timebase import frames_to_timecode
from studio.engine_link.board import ACTIVE, JobView
from studio.engine_link.takes import entry_of_job
from studio.ui.generation.engine_bridge import EngineBridge

__all__ = ["RETRYABLE", "LiveJobs", "prompt_start"]

#: The states of a job that made no take and may be queued again.
RETRYABLE = ("failed", "cancelled", "interrupted")
#: How much of a prompt a job row shows.
PROMPT_CHARS = 40
OPERATIONS = {"shot": "shot", "extend_forward": "extend forward",
              "extend_backward": "extend backward", "bridge": "bridge", "loop": "loop"}


def prompt_start(prompt: str) -> str:
    """The first :data:`PROMPT_CHARS` characters of ``prompt``, with an ellipsis if cut."""
    prompt = " ".join(prompt.split())
    return prompt if len(prompt) <= PROMPT_CHARS else prompt[:PROMPT_CHARS - 1] + "…"


class LiveJobs(QObject):
    """The bridge's jobs, named and grouped by the items of one project.

    Signals
    -------
    job_changed(JobView)
        A job changed; emitted after this object has taken it in, so a listener asking
        :meth:`can_retry` or :meth:`status_of` gets the new answer.
    changed()
        Names or statuses may have changed (another project, a job sent or retried).
    message(str)
        One sentence for the status bar: a job was cancelled or interrupted.
    """

    job_changed = Signal(object)
    changed = Signal()
    message = Signal(str)

    def __init__(self, bridge: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.project: Project | None = None
        self._sent: dict[str, str] = {}  # job id -> the prompt it was sent with
        self._retried: set[str] = set()
        self._states: dict[str, str] = {}
        self._by_entry: dict[str, JobView] | None = None  # built when first asked
        bridge.job_changed.connect(self._on_job)
        bridge.job_removed.connect(lambda _job_id: self._changed())

    def follow(self, project: Project) -> None:
        """Answer for ``project`` from now on (the window opened it)."""
        self.project = project
        self._changed()

    def _changed(self) -> None:
        self._by_entry = None
        self.changed.emit()

    def sent(self, job_id: str, prompt: str) -> None:
        """Remember the prompt job ``job_id`` was sent with (the engine's events omit it)."""
        self._sent[job_id] = prompt
        self._changed()

    # ------------------------------------------------------------------ names
    def entry_of(self, job_id: str) -> str | None:
        """The id of the item of the followed project that ``job_id`` is for, else None."""
        return entry_of_job(job_id, self.project) if self.project is not None else None

    def describe(self, job: JobView) -> str:
        """What a job is for: ``Shot 1 (extend forward, 00:00:02:00): "a red circle…"``."""
        prompt = self._sent.get(job.id) or job.prompt
        entry_id = self.entry_of(job.id)
        what = ""
        if entry_id is not None and self.project is not None:
            try:
                track, index, entry = self.project.find(entry_id)
            except EditError:
                what = "a deleted item"
            else:
                if isinstance(entry, Generated):
                    spec = entry.generation.spec
                    prompt = prompt or spec.prompt
                    at = frames_to_timecode(track.start_of(index), self.project.rate)
                    what = (f"{entry.name or entry.id} "
                            f"({OPERATIONS.get(spec.kind, spec.kind)}, {at})")
                elif isinstance(entry, Transition):
                    what = f"bridge transition {entry.id}"
        quoted = f'"{prompt_start(prompt)}"' if prompt else ""
        return f"{what}: {quoted}" if what and quoted else (what or quoted or job.id)

    # ------------------------------------------------------------------ items' states
    def _live(self) -> dict[str, JobView]:
        if self._by_entry is None:
            self._by_entry = {}
            for job in self.bridge.board.jobs.values():
                entry_id = self.entry_of(job.id) if job.state in ACTIVE else None
                if entry_id is not None and (job.state == "running"
                                             or entry_id not in self._by_entry):
                    self._by_entry[entry_id] = job
        return self._by_entry

    def status_of(self, entry_id: str) -> str | None:
        """``queued`` or ``generating 40%`` while the item has a live job; None otherwise."""
        job = self._live().get(entry_id)
        if job is None:
            return None
        if job.state == "running":
            return f"generating {job.fraction:.0%}"
        return "queued"

    # ------------------------------------------------------------------ retry
    def can_retry(self, job_id: str) -> bool:
        """Whether ``job_id`` made no take, was not retried yet, and its item (of this
        project) has no job queued or running."""
        job = self.bridge.board.jobs.get(job_id)
        entry_id = self.entry_of(job_id)
        return (job is not None and job.state in RETRYABLE and job_id not in self._retried
                and entry_id is not None and entry_id not in self._live())

    def retried(self, job_id: str) -> None:
        """Mark ``job_id`` as retried: it is not offered again."""
        self._retried.add(job_id)
        self._changed()

    def interrupted(self) -> list[str]:
        """The interrupted jobs of this project that may be retried, in the board's order."""
        return [job.id for job in self.bridge.board.ordered()
                if job.state == "interrupted" and self.can_retry(job.id)]

    # ------------------------------------------------------------------ board
    def _on_job(self, job: JobView) -> None:
        self._by_entry = None
        before = self._states.get(job.id)
        self._states[job.id] = job.state
        if before in ACTIVE and job.state == "cancelled":
            self.message.emit(f"Cancelled {self.describe(job)}.")
        elif before in ACTIVE and job.state == "interrupted" and self.can_retry(job.id):
            self.message.emit(f"The engine stopped during {self.describe(job)}; Retry "
                              "Interrupted in the Jobs panel queues it again.")
        self.job_changed.emit(job)
