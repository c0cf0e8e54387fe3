"""The status bar says when the engine's Ray cluster is unreachable and how many jobs wait
(issue 23), from the engine's heartbeats."""

from __future__ import annotations

from fake_bridge import FakeBridge

from engine.protocol import Heartbeat
from studio.ui.window.main_window import MainWindow


def _beat(cluster: str | None, queued: int) -> Heartbeat:
    return Heartbeat(seq=1, busy=False, queue_length=queued, cluster=cluster)


def test_the_status_bar_follows_the_clusters_state_and_the_jobs_waiting(
        engine_window: MainWindow, bridge: FakeBridge) -> None:
    label = engine_window.status_bar.cluster_label
    bridge.note_cluster(_beat(None, 2))  # the engine's own worker: nothing to say
    assert not label.isVisibleTo(engine_window)
    bridge.note_cluster(_beat("connected", 2))
    assert label.isVisibleTo(engine_window) and label.text() == "Cluster: connected"
    bridge.note_cluster(_beat("unreachable", 3))
    assert label.text() == "Cluster: unreachable, 3 jobs waiting"
    assert "wait" in engine_window.status_bar.currentMessage()
    bridge.note_cluster(_beat("unreachable", 1))
    assert label.text() == "Cluster: unreachable, 1 job waiting"
    bridge.note_cluster(_beat("connected", 0))
    assert label.text() == "Cluster: connected"
    bridge.note_cluster(_beat(None, 0))
    assert not label.isVisibleTo(engine_window)


def test_a_repeated_heartbeat_is_not_emitted_again(bridge: FakeBridge) -> None:
    seen: list[tuple[str, int]] = []
    bridge.cluster_changed.connect(lambda state, waiting: seen.append((state, waiting)))
    for _ in range(3):
        bridge.note_cluster(_beat("unreachable", 4))
    bridge.note_cluster(_beat("connected", 4))
    bridge.note_cluster(_beat("connected", 0))  # the queue is not news while connected
    assert seen == [("unreachable", 4), ("connected", 0)]
