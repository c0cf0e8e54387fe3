"""A cluster refuses a model whose cheapest memory profile needs more than its largest GPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import protocol as p
from engine.jobs.store import JobStore
from engine.service.cluster import ClusterScheduler, Slot
from engine.service.scheduler import Scheduler
from engine.service.server import EngineServer, _Refused
from support.engine_process import tiny_request

GIB = 2**30


@pytest.mark.parametrize(("totals", "model", "refused"), [
    ([8 * GIB, 6 * GIB], "wan2.2-t2v-a14b", True),  # needs 16 GiB even with sequential offload
    ([8 * GIB, 24 * GIB], "wan2.2-t2v-a14b", False),
    ([8 * GIB], "wan2.1-t2v-1.3b", False),  # 8 GiB with sequential offload: fits exactly
    ([None, None], "wan2.2-t2v-a14b", False),  # logical GPUs without CUDA say no memory
    ([], "wan2.2-t2v-a14b", False),  # no slot placed yet: the job waits
    ([4 * GIB], "a-folder-the-catalog-lacks", False),
])
def test_refusal_compares_the_cheapest_profile_with_the_largest_gpu(
        tmp_path: Path, totals: list[int | None], model: str, refused: bool) -> None:
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        scheduler = ClusterScheduler(store, lambda: None, address="127.0.0.1:6379")
        scheduler.slots = [Slot(i, info={"vram_total": total})
                           for i, total in enumerate(totals)]
        scheduler.slots.append(Slot(len(totals)))  # one still waiting for a GPU
        answer = scheduler.refusal(model)
    assert (answer is not None) == refused
    if answer is not None:
        code, message, hint = answer
        assert code == "does_not_fit" and message.endswith("(8.0 GiB).") and hint


class _NoRoom(Scheduler):
    def refusal(self, model_id: str) -> tuple[str, str, str] | None:
        return "does_not_fit", f"No GPU here fits {model_id}.", "Add one."


def test_the_server_refuses_at_submit_what_its_scheduler_cannot_fit(
        tmp_path: Path, tiny_model: str) -> None:
    server = EngineServer()
    with JobStore(tmp_path / "jobs.sqlite3") as store:
        server.store, server.scheduler = store, _NoRoom(store, lambda: None)
        with pytest.raises(_Refused) as refused:
            server._submit(p.Submit(id="1", job_id="big", request=tiny_request()))
        assert refused.value.code == "does_not_fit"
        assert refused.value.message == f"No GPU here fits {tiny_model}."
        assert store.get("big") is None  # never queued
