"""A job's inputs travel to the node as bytes, except those in the cluster's shared folder,
which the node reads where they are (``serve --cluster-shared``, ``shared`` in settings)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from engine.cluster.inputs import pack_inputs
from engine.jobs.store import JobStore
from engine.service.cluster import ClusterScheduler, Slot
from support.engine_process import tiny_request


def _still(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((32, 32, 3), (30, 200, 60), np.uint8)).save(path)
    return path


def test_files_in_the_shared_folder_are_not_packed(tmp_path: Path) -> None:
    shared, private = _still(tmp_path / "shared" / "a.png"), _still(tmp_path / "own" / "b.png")
    request = {"pins": [{"path": str(shared)}, {"path": str(private)}],
               "operation": {"clips": [str(shared)]}}
    assert set(pack_inputs(request)) == {str(shared), str(private)}
    assert set(pack_inputs(request, tmp_path / "shared")) == {str(private)}
    # A path that only reaches the folder through '..' is still inside it.
    odd = tmp_path / "own" / ".." / "shared" / "a.png"
    assert pack_inputs({"pins": [{"path": str(odd)}]}, tmp_path / "shared") == {}


class _Driver:
    """The engine's handle on a driver, recording what it is sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send(self, command: dict[str, Any]) -> bool:
        self.sent.append(command)
        return True


def test_the_scheduler_sends_only_the_inputs_outside_the_shared_folder(tmp_path: Path) -> None:
    shared, private = _still(tmp_path / "shared" / "a.png"), _still(tmp_path / "own" / "b.png")
    pins = [{"path": str(shared), "target_frame": 0}, {"path": str(private), "target_frame": 8}]

    async def dispatch() -> list[dict[str, Any]]:
        with JobStore(tmp_path / "jobs.sqlite3") as store:
            store.submit("pinned", tiny_request(pins=pins).to_dict())
            scheduler = ClusterScheduler(store, lambda: None, address="10.0.0.5:6379",
                                         shared_folder=str(tmp_path / "shared"))
            driver = _Driver()
            scheduler.driver = driver  # type: ignore[assignment] - records instead of a child
            scheduler.slots = [Slot(0, info={"node": "n" * 40, "ip": "10.0.0.6"})]
            scheduler._dispatch()
            await asyncio.sleep(0)  # the send runs as a task
            assert store.get("pinned").state == "running"  # type: ignore[union-attr]
            return driver.sent

    sent = asyncio.run(dispatch())
    assert [command["op"] for command in sent] == ["run"]
    assert set(sent[0]["inputs"]) == {str(private)}
