"""A two-node Ray cluster (logical GPUs) and an engine serving on it, both once per module."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.engine_process import TINY, ClusterEngine


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A head without GPUs and two nodes with one logical GPU each (a node can be removed)."""
    from ray.cluster_utils import Cluster

    # Dead nodes are noticed within about a second instead of the default 15 s or more.
    head = {"num_cpus": 1, "num_gpus": 0, "include_dashboard": False,
            "_system_config": {"health_check_period_ms": 300,
                               "health_check_failure_threshold": 3,
                               "health_check_initial_delay_ms": 0}}
    made = Cluster(initialize_head=True, head_node_args=head)
    made.add_node(num_cpus=1, num_gpus=1)
    made.add_node(num_cpus=1, num_gpus=1)
    made.wait_for_nodes()
    yield made
    made.shutdown()


@pytest.fixture(scope="module")
def engine(cluster: Any, tmp_path_factory: pytest.TempPathFactory,
           tiny_ltx_dir: Path) -> Iterator[ClusterEngine]:
    """The engine with the tiny model in its home, which is also the actors' home."""
    home = tmp_path_factory.mktemp("cluster-engine")
    (home / "models").mkdir()
    (home / "models" / TINY).symlink_to(tiny_ltx_dir, target_is_directory=True)
    running = ClusterEngine(home, cluster.address).start()
    deadline = time.monotonic() + 90  # both actors up (torch loaded), so jobs can spread
    while running.slots_ready() < 2:
        assert time.monotonic() < deadline, running.log_text()
        time.sleep(0.1)
    yield running
    running.kill()
