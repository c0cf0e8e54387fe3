"""QtJobsPanel: the engine's jobs and status, each row naming the item and operation it is for."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.engine_link import JobView
from studio.ui.generation.live_jobs import RETRYABLE, LiveJobs

PREVIEW_WIDTH = 240
FINISHED = ("done", *RETRYABLE)
#: The engine's first estimates include loading and warm-up; a rate needs a few steps.
ETA_AFTER_STEPS = 3


def eta_text(job: JobView) -> str:
    """``, 12 s left`` for a running job once a few steps gave a rate, else ``, estimating``."""
    if job.state != "running":
        return ""
    if job.step < ETA_AFTER_STEPS or not job.eta_s:
        return ", estimating"
    return f", {job.eta_s:.0f} s left"


def job_text(job: JobView, what: str) -> str:
    """One line for a job: state, progress, what it is for (``what``), the cluster node it
    runs on (none shown for the engine's own worker) and its error if any."""
    progress = f" {job.fraction:.0%}" if job.state == "running" else ""
    node = f" on {job.node}" if job.state == "running" and job.node not in (None, "local") \
        else ""
    error = f" ({job.error})" if job.error else ""
    return f"[{job.state}{progress}{eta_text(job)}] {what}{node}{error}"


class QtJobsPanel(QWidget):
    """The engine's status line, the live preview, and one row per job in the engine's order.

    The buttons act on the selected job: cancel (queued or running), retry (a finished job
    that made no take, once, while its item has no live job: the window queues its item
    again), remove (not running) and move up (queued); Retry Interrupted retries every job an
    engine restart interrupted. ``retry_requested(job_id)`` is the window's to answer, since
    only it knows the item a job was for.
    """

    retry_requested = Signal(str)

    def __init__(self, live: LiveJobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.bridge = bridge = live.bridge
        self.status = QLabel("Starting the engine.")
        self.status.setWordWrap(True)
        self.preview = QLabel()
        self.preview.setObjectName("job_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_job: str | None = None
        self.progress = QProgressBar()
        self.progress.setObjectName("job_progress")
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.jobs = QListWidget()
        self.jobs.setObjectName("jobs")
        self.buttons = {name: QPushButton(title) for name, title in (
            ("cancel", "Cancel"), ("retry", "Retry"), ("remove", "Remove"),
            ("up", "Move Up"), ("retry_interrupted", "Retry Interrupted"))}
        row = QHBoxLayout()
        for name in ("cancel", "retry", "remove", "up"):
            row.addWidget(self.buttons[name])
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.preview)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons["retry_interrupted"])  # shown only when there are some
        layout.addWidget(self.jobs)
        layout.addLayout(row)
        self.buttons["cancel"].clicked.connect(lambda: self._act(bridge.cancel))
        self.buttons["remove"].clicked.connect(lambda: self._act(bridge.remove))
        self.buttons["retry"].clicked.connect(lambda: self._act(self.retry_requested.emit))
        self.buttons["up"].clicked.connect(self.move_up)
        self.buttons["retry_interrupted"].clicked.connect(self.retry_interrupted)
        self.jobs.currentItemChanged.connect(lambda *_: self._update_buttons())
        bridge.status_changed.connect(lambda _state, sentence: self.status.setText(sentence))
        live.job_changed.connect(self._on_job)
        live.changed.connect(self._relabel)
        bridge.job_removed.connect(self._on_removed)
        bridge.order_changed.connect(self._on_order)
        self._update_buttons()

    # ------------------------------------------------------------------ selection and buttons
    def select(self, job_id: str) -> None:
        """Make the job with ``job_id`` the current row."""
        row = self._row(job_id)
        if row is not None:
            self.jobs.setCurrentItem(row)

    def selected(self) -> JobView | None:
        """The job of the current row, as the board knows it now."""
        row = self.jobs.currentItem()
        if row is None:
            return None
        return self.bridge.board.jobs.get(row.data(Qt.ItemDataRole.UserRole))

    def _act(self, action: object) -> None:
        job = self.selected()
        if job is not None and callable(action):
            action(job.id)
        self._update_buttons()

    def retry_interrupted(self) -> None:
        """Retry every job an engine restart interrupted that was not retried yet."""
        for job_id in self.live.interrupted():
            self.retry_requested.emit(job_id)
        self._update_buttons()

    def move_up(self) -> None:
        """Move the selected queued job one place earlier in the queue."""
        job = self.selected()
        queued = [j.id for j in self.bridge.board.ordered() if j.state == "queued"]
        if job is None or job.id not in queued or queued.index(job.id) == 0:
            return
        index = queued.index(job.id)
        queued[index - 1], queued[index] = queued[index], queued[index - 1]
        self.bridge.reorder(queued)

    def _update_buttons(self) -> None:
        job = self.selected()
        state = job.state if job is not None else ""
        self.buttons["cancel"].setEnabled(state in ("queued", "running"))
        self.buttons["retry"].setEnabled(job is not None and self.live.can_retry(job.id))
        self.buttons["remove"].setEnabled(state in ("queued", *FINISHED))
        self.buttons["up"].setEnabled(state == "queued")
        interrupted = len(self.live.interrupted())
        self.buttons["retry_interrupted"].setText(f"Retry Interrupted ({interrupted})")
        self.buttons["retry_interrupted"].setEnabled(bool(interrupted))
        self.buttons["retry_interrupted"].setVisible(bool(interrupted))

    # ------------------------------------------------------------------ board signals
    def _row(self, job_id: str) -> QListWidgetItem | None:
        for i in range(self.jobs.count()):
            if self.jobs.item(i).data(Qt.ItemDataRole.UserRole) == job_id:
                return self.jobs.item(i)
        return None

    def _on_job(self, job: JobView) -> None:
        row = self._row(job.id)
        if row is None:
            row = QListWidgetItem()
            row.setData(Qt.ItemDataRole.UserRole, job.id)
            self.jobs.addItem(row)
        self._label(row, job)
        if job.preview and job.state == "running":
            self._show_preview(job)
        elif job.state != "running" and self.preview_job == job.id:
            self.preview_job = None  # cancelled or over: its last estimate means nothing now
            self.preview.clear()
        if job.state == "running":
            self.progress.setVisible(True)
            self.progress.setValue(int(job.fraction * 1000))
            self.progress.setFormat(f"{job.fraction:.0%}{eta_text(job)}")
        elif not any(j.state == "running" for j in self.bridge.board.jobs.values()):
            self.progress.setVisible(False)
        self._update_buttons()

    def _label(self, row: QListWidgetItem, job: JobView) -> None:
        what = self.live.describe(job)
        row.setText(job_text(job, what))
        node = f"Node: {job.where}" if job.node else None
        row.setToolTip("\n".join(part for part in (what, node, job.error, job.hint) if part))

    def _relabel(self) -> None:
        """Name every row again (another project is open, or a job was sent or retried)."""
        for i in range(self.jobs.count()):
            row = self.jobs.item(i)
            job = self.bridge.board.jobs.get(row.data(Qt.ItemDataRole.UserRole))
            if job is not None:
                self._label(row, job)
        self._update_buttons()

    def _show_preview(self, job: JobView) -> None:
        pixmap = QPixmap(job.preview or "")
        if pixmap.isNull():
            return  # the engine may have replaced the file since; the next one will do
        self.preview_job = job.id
        self.preview.setPixmap(pixmap.scaledToWidth(
            min(PREVIEW_WIDTH, max(1, pixmap.width() * 4)),
            Qt.TransformationMode.SmoothTransformation))

    def _on_removed(self, job_id: str) -> None:
        row = self._row(job_id)
        if row is not None:
            self.jobs.takeItem(self.jobs.row(row))
        self._update_buttons()

    def _on_order(self) -> None:
        current = self.selected()
        ids = [job.id for job in self.bridge.board.ordered()]
        rows = [self.jobs.takeItem(0) for _ in range(self.jobs.count())]
        rows.sort(key=lambda r: ids.index(r.data(Qt.ItemDataRole.UserRole))
                  if r.data(Qt.ItemDataRole.UserRole) in ids else len(ids))
        for row in rows:
            self.jobs.addItem(row)
        if current is not None:
            self.select(current.id)
        self._update_buttons()
