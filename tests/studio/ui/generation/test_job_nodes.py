"""The jobs panel says which node runs each job (issue 23)."""

from __future__ import annotations

from fake_bridge import FakeBridge
from PySide6.QtCore import Qt

from engine.protocol import Done, Queued, Started
from studio.ui.window.main_window import MainWindow

NODE_A = "10.0.0.2 (node 0123456789ab)"
NODE_B = "10.0.0.3 (node ba9876543210)"


def _row(window: MainWindow, job_id: str) -> tuple[str, str]:
    assert window.jobs is not None
    rows = window.jobs.jobs
    row = next(rows.item(i) for i in range(rows.count())
               if rows.item(i).data(Qt.ItemDataRole.UserRole) == job_id)
    return row.text(), row.toolTip()


def test_running_jobs_name_their_cluster_node_in_the_jobs_panel(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    for job_id in ("a", "b"):
        bridge.emit(Queued, job_id=job_id, position=1)
    bridge.emit(Started, job_id="a", node=NODE_A)
    bridge.emit(Started, job_id="b", node=NODE_B)
    text, tip = _row(engine_window, "a")
    assert text.endswith(f" on {NODE_A}") and f"Node: {NODE_A}" in tip
    assert _row(engine_window, "b")[0].endswith(f" on {NODE_B}")
    bridge.emit(Done, job_id="a", outputs=("/out/a.mp4",), settings={})
    text, tip = _row(engine_window, "a")
    assert NODE_A not in text and f"Node: {NODE_A}" in tip  # where it ran, on hover


def test_a_job_on_the_engines_own_worker_runs_on_this_machine(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    bridge.emit(Queued, job_id="local", position=1)
    bridge.emit(Started, job_id="local", node="local")
    text, tip = _row(engine_window, "local")
    assert " on " not in text and "Node: this machine" in tip


def test_the_status_bar_says_where_the_running_jobs_run(engine_window: MainWindow,
                                                        bridge: FakeBridge) -> None:
    nodes = engine_window.status_bar.nodes_label
    for job_id in ("a", "b", "c"):
        bridge.emit(Queued, job_id=job_id, position=1)
    assert not nodes.isVisibleTo(engine_window)
    bridge.emit(Started, job_id="a", node=NODE_A)
    assert nodes.isVisibleTo(engine_window) and nodes.text() == f"Running on {NODE_A}"
    bridge.emit(Started, job_id="b", node=NODE_B)
    bridge.emit(Started, job_id="c", node=NODE_B)
    assert nodes.text() == f"3 jobs running on {NODE_A}, {NODE_B} (2)"
    bridge.emit(Done, job_id="a", outputs=("/out/a.mp4",), settings={})
    assert nodes.text() == f"2 jobs running on {NODE_B} (2)"
    for job_id in ("b", "c"):
        bridge.emit(Done, job_id=job_id, outputs=(f"/out/{job_id}.mp4",), settings={})
    assert not nodes.isVisibleTo(engine_window)
    bridge.emit(Queued, job_id="local", position=2)
    bridge.emit(Started, job_id="local", node="local")
    assert nodes.text() == "Running on this machine"
