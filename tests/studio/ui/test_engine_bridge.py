"""The Qt adapter over the engine link, on a qasync loop, against a real engine and tiny model.

A job is submitted and its progress and take arrive as Qt signals; the engine is killed mid-job
and the adapter shows it restarted with the job interrupted, not gone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from pytestqt.qtbot import QtBot

from engine.protocol import GenerationRequest
from studio.engine_link import EngineSupervisor, JobView
from studio.ui.engine_bridge import EngineBridge


@pytest.fixture(scope="module")
def tiny_ltx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from engine.tiny import build_tiny_ltx  # tests may use the engine; the studio may not

    return build_tiny_ltx(tmp_path_factory.mktemp("tiny") / "tiny-ltx")


@pytest.fixture
def loop(qapp: Any, tiny_ltx: Path) -> Iterator[asyncio.AbstractEventLoop]:
    models = Path(os.environ["FRAMELOOM_HOME"]) / "models"
    models.mkdir(parents=True)
    (models / "tiny-ltx").symlink_to(tiny_ltx, target_is_directory=True)
    event_loop = qasync.QEventLoop(qapp)
    yield event_loop
    event_loop.close()


def request(prompt: str, steps: int = 2) -> GenerationRequest:
    return GenerationRequest(model_id="tiny-ltx", prompt=prompt, width=32, height=32, frames=9,
                             fps=24, seed=1, steps=steps, guidance=1.0)


async def until(check: Callable[[], Any], timeout: float = 90.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (value := check()):
            await asyncio.sleep(0.05)
    return value


def make_bridge() -> EngineBridge:
    command = [sys.executable, "-m", "engine.cli", "serve", "--heartbeat", "0.3",
               "--parent-pid", str(os.getpid())]
    env = {**os.environ, "FRAMELOOM_ENGINE_FAULTS": "1", "OMP_NUM_THREADS": "1"}
    return EngineBridge(EngineSupervisor(command, env=env, heartbeat_timeout=5.0,
                                         backoff_initial=0.1, stop_timeout=10.0))


def test_a_job_reports_progress_and_its_take_as_qt_signals(qtbot: QtBot,
                                                           loop: asyncio.AbstractEventLoop) -> None:
    bridge = make_bridge()
    statuses: list[str] = []
    changes: list[JobView] = []
    takes: list[JobView] = []
    bridge.status_changed.connect(lambda state, sentence: statuses.append(state))
    bridge.job_changed.connect(changes.append)
    bridge.take_ready.connect(takes.append)

    async def main() -> None:
        bridge.start()
        try:
            await asyncio.wait_for(bridge.ready.wait(), 90)
            await bridge.submit("job-1", request("a red circle moves left", steps=3))
            await until(lambda: takes)
        finally:
            await bridge.stop()

    loop.run_until_complete(main())
    assert statuses[:2] == ["starting", "running"] and statuses[-1] == "stopped"
    assert [j.state for j in changes if j.id == "job-1"][-1] == "done"
    assert max(j.step for j in changes if j.id == "job-1") == 3
    assert len(takes) == 1 and Path(takes[0].outputs[0]).stat().st_size > 0


def test_a_killed_engine_is_restarted_and_its_job_shows_interrupted(
        qtbot: QtBot, loop: asyncio.AbstractEventLoop) -> None:
    bridge = make_bridge()
    statuses: list[tuple[str, str]] = []
    failures: list[str] = []
    bridge.status_changed.connect(lambda state, sentence: statuses.append((state, sentence)))
    bridge.request_failed.connect(failures.append)

    async def main() -> None:
        bridge.start()
        try:
            await asyncio.wait_for(bridge.ready.wait(), 90)
            await bridge.submit("slow", request("[fault sleep_per_step_ms=300] slow", steps=30),
                                requeue_if_interrupted=False)
            await until(lambda: bridge.board.jobs.get("slow") and bridge.board.jobs["slow"].step)
            process = bridge.supervisor.process
            assert process is not None
            os.killpg(process.pid, signal.SIGKILL)
            await until(lambda: bridge.board.jobs["slow"].state == "interrupted")
            await asyncio.wait_for(bridge.ready.wait(), 90)
            await bridge.cancel("no-such-job")
            await until(lambda: failures)
        finally:
            await bridge.stop()

    loop.run_until_complete(main())
    assert any(state == "restarting" and "killed by signal 9" in sentence
               for state, sentence in statuses)
    assert failures == ["There is no job with id 'no-such-job'. List the jobs to see their ids."]
