"""The main window's status bar: messages, proxy and export progress, format, where jobs run,
the engine's cluster, engine state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from studio.document.model import Project
from studio.outline import frames_text, rate_text

if TYPE_CHECKING:  # engine_link is loaded only in a window with an engine
    from studio.engine_link import JobView


class StudioStatusBar(QStatusBar):
    """Messages on the left; on the right proxies being made, the export's progress, the
    project's size, rate and length, and the engine's state.

    Parameters
    ----------
    export_bar
        The export's progress bar (it shows and hides itself).
    engine
        Whether the window has an engine ("Engine: starting") or not ("Engine: off").
    """

    def __init__(self, export_bar: QWidget, *, engine: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proxy_label = QLabel()
        self.proxy_label.setObjectName("proxy_status")
        self.proxy_label.setVisible(False)
        self.duration_label = QLabel()
        self.engine_label = QLabel("Engine: starting" if engine else "Engine: off")
        self.engine_label.setObjectName("engine_status")
        self.nodes_label = QLabel()
        self.nodes_label.setObjectName("job_nodes")
        self.nodes_label.setVisible(False)
        self.cluster_label = QLabel()
        self.cluster_label.setObjectName("cluster_status")
        self.cluster_label.setVisible(False)
        for widget in (self.proxy_label, export_bar, self.duration_label, self.nodes_label,
                       self.cluster_label, self.engine_label):
            self.addPermanentWidget(widget)

    def show_proxies_busy(self, text: str) -> None:
        """Say how many proxies are still to make ("" hides the note)."""
        self.proxy_label.setText(text)
        self.proxy_label.setVisible(bool(text))

    def show_project(self, project: Project) -> None:
        """Show the project's frame size, rate and length."""
        self.duration_label.setText(
            f"{project.width}x{project.height}, {rate_text(project.rate)}, "
            f"{frames_text(project.timeline.duration, project.rate)}")

    def show_nodes(self, jobs: Iterable[JobView]) -> None:
        """Say where the running jobs run (``Running on 10.0.0.2 (node ...)``; hidden when
        none runs)."""
        nodes = [job.where or "an unknown node" for job in jobs
                 if job.state == "running"]
        if len(nodes) > 1:
            self.nodes_label.setText(f"{len(nodes)} jobs running on " + ", ".join(
                f"{node} ({count})" if count > 1 else node
                for node, count in Counter(nodes).items()))
        else:
            self.nodes_label.setText(f"Running on {nodes[0]}" if nodes else "")
        self.nodes_label.setVisible(bool(nodes))

    def show_cluster(self, state: str, waiting: int) -> None:
        """Show the engine's Ray cluster (``Cluster: unreachable, 3 jobs waiting``); hidden
        for the engine's own worker (``state`` "")."""
        text = f"Cluster: {state}"
        tip = f"The engine runs its jobs on a Ray cluster ({state})."
        if state == "unreachable":
            text += f", {waiting} job{'s' if waiting != 1 else ''} waiting"
            tip = ("The Ray cluster's head does not answer. Queued jobs, and any that were "
                   "running, wait and run once it is back; the engine keeps trying.")
            self.showMessage(tip)
        self.cluster_label.setText(text)
        self.cluster_label.setToolTip(tip)
        self.cluster_label.setVisible(bool(state))

    def show_engine(self, state: str, sentence: str) -> None:
        """Show the engine's state; a restart or failure is also said as a message."""
        self.engine_label.setText(f"Engine: {state}")
        self.engine_label.setToolTip(sentence)
        if state in ("restarting", "failed"):
            self.showMessage(sentence)
