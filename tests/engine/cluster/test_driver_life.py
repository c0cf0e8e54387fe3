"""The cluster scheduler's side of its driver's life, without Ray: what a lost driver leaves
(jobs queued again, a cancel honoured, the cluster unreachable) and no driver left behind by
an engine that stops while one is joining."""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path
from typing import Any

import pytest

import engine.service.cluster as cluster_module
from engine.jobs.store import JobStore
from engine.service.cluster import ClusterScheduler, Slot
from support.engine_process import tiny_request


class _LostDriver:
    """A driver that has ended, with its last log line."""

    def __init__(self) -> None:
        self.stderr_tail = collections.deque(
            ["frameloom-engine: the Ray head at h:1 stopped answering."])


def test_a_lost_driver_queues_its_running_jobs_again_and_the_cluster_is_unreachable(
        tmp_path: Path) -> None:
    notes: list[str] = []
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        scheduler = ClusterScheduler(store, lambda: notes.append("notify"), address="h:1")
        scheduler.cluster_state = "connected"
        for job_id in ("running", "cancelling", "waiting"):
            store.submit(job_id, tiny_request().to_dict())
        for index, job_id in enumerate(("running", "cancelling")):
            slot = Slot(index, info={"node": "n" * 40}, job=job_id)
            scheduler.slots.append(slot)
            scheduler._running[job_id] = slot
            store.mark_running(job_id, node="10.0.0.2 (node nnnnnnnnnnnn)")
        assert scheduler.cancel_now("cancelling") == "cancelling"
        scheduler._driver_lost(_LostDriver())  # type: ignore[arg-type]
        jobs = {job.id: job for job in store.list()}
        assert jobs["running"].state == "queued" and jobs["running"].node is None
        assert jobs["running"].attempts == 0  # the head's going is not one of its tries
        assert jobs["cancelling"].state == "cancelled"
        assert jobs["waiting"].state == "queued"
        assert [job.id for job in store.list(["queued"])] == ["running", "waiting"]
        reasons = [e.data.get("reason") for e in store.events_since(0, 100)
                   if e.type == "interrupted"]
    assert reasons == ["The engine lost the Ray cluster at h:1 (the Ray head at h:1 stopped "
                       "answering)."]
    assert scheduler.cluster_state == "unreachable" and not scheduler.busy
    assert scheduler.slots == [] and scheduler.driver is None and notes


def test_an_engine_stopping_while_a_driver_joins_leaves_no_driver(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []

    class Joining:
        def __init__(self, env: Any) -> None:
            self.killed = False
            made.append(self)

        async def connect(self, options: Any) -> dict[str, Any]:
            await asyncio.sleep(3600)  # ray.init waiting on a slow head
            return {}

        async def kill(self) -> None:
            self.killed = True

    monkeypatch.setattr(cluster_module, "DriverProcess", Joining)

    async def stop_while_joining() -> None:
        with JobStore(tmp_path / "jobs.sqlite3") as store:
            scheduler = ClusterScheduler(store, lambda: None, address="h:1")
            joining = asyncio.ensure_future(scheduler._new_driver())
            await asyncio.sleep(0.01)
            joining.cancel()
            with pytest.raises(asyncio.CancelledError):
                await joining

    asyncio.run(stop_while_joining())
    assert [driver.killed for driver in made] == [True]
