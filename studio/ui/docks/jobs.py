"""QtJobsPanel: the engine's jobs and status, fed by an EngineBridge's signals."""

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
from studio.ui.generation.engine_bridge import EngineBridge

PREVIEW_WIDTH = 240
FINISHED = ("done", "failed", "cancelled", "interrupted")


def job_text(job: JobView) -> str:
    """One line for a job: state, progress and prompt (or its error)."""
    progress = f" {job.fraction:.0%}" if job.state == "running" else ""
    eta = f", {job.eta_s:.0f} s left" if job.state == "running" and job.eta_s else ""
    detail = job.error if job.error else job.prompt
    return f"[{job.state}{progress}{eta}] {detail}"


class QtJobsPanel(QWidget):
    """The engine's status line, the live preview, and one row per job in the engine's order.

    The buttons act on the selected job: cancel (queued or running), retry (a finished job
    that made no take: the window queues its item again), remove (not running) and move up
    (queued). ``retry_requested(job_id)`` is the window's to answer, since only it knows
    the item a job was for.
    """

    retry_requested = Signal(str)

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
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
            ("up", "Move Up"))}
        row = QHBoxLayout()
        for button in self.buttons.values():
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.preview)
        layout.addWidget(self.progress)
        layout.addWidget(self.jobs)
        layout.addLayout(row)
        self.buttons["cancel"].clicked.connect(lambda: self._act(bridge.cancel))
        self.buttons["remove"].clicked.connect(lambda: self._act(bridge.remove))
        self.buttons["retry"].clicked.connect(lambda: self._act(self.retry_requested.emit))
        self.buttons["up"].clicked.connect(self.move_up)
        self.jobs.currentItemChanged.connect(lambda *_: self._update_buttons())
        bridge.status_changed.connect(lambda _state, sentence: self.status.setText(sentence))
        bridge.job_changed.connect(self._on_job)
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
        self.buttons["retry"].setEnabled(state in ("failed", "cancelled", "interrupted"))
        self.buttons["remove"].setEnabled(state in ("queued", *FINISHED))
        self.buttons["up"].setEnabled(state == "queued")

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
        row.setText(job_text(job))
        tip = f"{job.error}\n{job.hint}" if job.error and job.hint else (job.error or job.prompt)
        row.setToolTip(tip)
        if job.preview and job.state == "running":
            self._show_preview(job)
        if job.state == "running":
            self.progress.setVisible(True)
            self.progress.setValue(int(job.fraction * 1000))
            eta = f", {job.eta_s:.0f} s left" if job.eta_s else ""
            self.progress.setFormat(f"{job.fraction:.0%}{eta}")
        elif not any(j.state == "running" for j in self.bridge.board.jobs.values()):
            self.progress.setVisible(False)
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
