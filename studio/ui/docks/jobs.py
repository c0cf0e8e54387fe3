"""QtJobsPanel: the engine's jobs and status, fed by an EngineBridge's signals."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from studio.engine_link import JobView
from studio.ui.engine_bridge import EngineBridge


def job_text(job: JobView) -> str:
    """One line for a job: state, progress and prompt (or its error)."""
    progress = f" {job.fraction:.0%}" if job.state == "running" else ""
    eta = f", {job.eta_s:.0f} s left" if job.state == "running" and job.eta_s else ""
    detail = job.error if job.error else job.prompt
    return f"[{job.state}{progress}{eta}] {detail}"


class QtJobsPanel(QWidget):
    """The engine's status line and one row per job, in the engine's order."""

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.status = QLabel("Starting the engine.")
        self.jobs = QListWidget()
        self.jobs.setObjectName("jobs")
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.jobs)
        bridge.status_changed.connect(lambda _state, sentence: self.status.setText(sentence))
        bridge.job_changed.connect(self._on_job)
        bridge.job_removed.connect(self._on_removed)
        bridge.order_changed.connect(self._on_order)

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

    def _on_removed(self, job_id: str) -> None:
        row = self._row(job_id)
        if row is not None:
            self.jobs.takeItem(self.jobs.row(row))

    def _on_order(self) -> None:
        ids = [job.id for job in self.bridge.board.ordered()]
        rows = [self.jobs.takeItem(0) for _ in range(self.jobs.count())]
        rows.sort(key=lambda r: ids.index(r.data(Qt.ItemDataRole.UserRole))
                  if r.data(Qt.ItemDataRole.UserRole) in ids else len(ids))
        for row in rows:
            self.jobs.addItem(row)
