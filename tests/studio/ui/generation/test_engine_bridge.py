"""The Qt adapter over the engine link, on a qasync loop, against a real engine and tiny model.

A job is submitted and its progress and take arrive as Qt signals; the engine is killed mid-job
and the adapter shows it restarted with the job interrupted, not gone.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from pytestqt.qtbot import QtBot

from engine.protocol import GenerationRequest
from studio.document import persistence, serialize
from studio.engine_link import EngineSupervisor, JobView
from studio.ui.commands import SetSpecCommand
from studio.ui.generation.engine_bridge import EngineBridge
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


@pytest.fixture(scope="module")
def tiny_ltx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from support.tiny import build_tiny_ltx  # tests may use the engine; the studio may not

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


# ------------------------------------------------------------------ the window on a real engine
def _take_jobs(window: MainWindow, entry_id: str) -> list[str]:
    entry = window.project.find(entry_id)[2]
    return [t.job_id for t in entry.generation.takes]  # type: ignore[union-attr]


#: Set in the child process that runs the window test on its own (see the test after it).
ISOLATED = os.environ.get("FRAMELOOM_ISOLATED_TEST") == "1"


@pytest.mark.skipif(not ISOLATED, reason="runs in a process of its own, through "
                                         "test_the_window_test_in_a_process_of_its_own")
def test_the_window_generates_takes_cancels_and_outlives_a_killed_engine(
        qtbot: QtBot, loop: asyncio.AbstractEventLoop, sample_project: Path) -> None:
    bridge = make_bridge()
    window = MainWindow(persistence.open_project(sample_project), bridge=bridge,
                        prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(window)
    assert window.jobs is not None
    jobs = window.jobs
    window.timeline.set_selection(["clip-2"])
    window.action_set["new_shot"].trigger()
    shot = window.project.timeline.tracks[0].items[-1].id
    assert window.selection() == [shot]  # a new item is selected, for the inspector
    window.session.push(SetSpecCommand(window.project, shot, prompt="a red circle moves left",
                                       model_id="tiny-ltx", width=32, height=32, steps=2,
                                       guidance=1.0))

    def job_state(job_id: str) -> str:
        job = bridge.board.jobs.get(job_id)
        return job.state if job is not None else ""

    def slow_job() -> str:
        window.session.push(SetSpecCommand(window.project, shot, steps=40,
                                           prompt="[fault sleep_per_step_ms=300] slow"))
        [job_id] = window.generation.generate([shot])
        return job_id

    async def main() -> None:
        bridge.start()
        try:
            await asyncio.wait_for(bridge.ready.wait(), 90)
            # The label follows the ready event through a queued signal: wait for it.
            await until(lambda: window.status_bar.engine_label.text() == "Engine: running", 30)
            window.action_set["generate"].trigger()  # Ctrl+Enter on the selected shot
            [first] = await until(lambda: _take_jobs(window, shot))
            assert job_state(first) == "done"

            cancelled = slow_job()
            await until(lambda: bridge.board.jobs.get(cancelled) and
                        bridge.board.jobs[cancelled].step)
            await until(lambda: jobs.preview_job == cancelled)  # the live preview
            jobs.select(cancelled)
            jobs.buttons["cancel"].click()
            await until(lambda: job_state(cancelled) == "cancelled")

            killed = slow_job()
            await until(lambda: bridge.board.jobs.get(killed) and bridge.board.jobs[killed].step)
            process = bridge.supervisor.process
            assert process is not None
            os.killpg(process.pid, signal.SIGKILL)
            await until(lambda: job_state(killed) == "interrupted")
            await asyncio.wait_for(bridge.ready.wait(), 90)
            # The label follows the ready event through a queued signal: wait for it.
            await until(lambda: window.status_bar.engine_label.text() == "Engine: running", 30)
            window.session.push(SetSpecCommand(window.project, shot, steps=2,
                                               prompt="a red circle moves left"))
            jobs.select(killed)
            assert jobs.buttons["retry"].isEnabled()
            jobs.buttons["retry"].click()  # queues the shot again
            await until(lambda: len(_take_jobs(window, shot)) == 2)
        finally:
            await bridge.stop()

    loop.run_until_complete(main())
    entry = window.project.find(shot)[2]
    takes = entry.generation.takes  # type: ignore[union-attr]
    assert entry.generation.active_take_id == takes[-1].id  # type: ignore[union-attr]
    folder = sample_project.parent
    assert all(t.path.startswith("takes/") and (folder / t.path).is_file() for t in takes)
    assert window.save()
    reopened = persistence.open_project(sample_project).project
    assert serialize.encode(reopened) == serialize.encode(window.project)
    window.action_set["undo"].trigger()  # the second take goes, as one step
    assert len(_take_jobs(window, shot)) == 1


def test_the_window_test_in_a_process_of_its_own() -> None:
    """The window test above, run by a child pytest.

    A full window driven by a qasync loop leaves Qt objects behind that a later
    ``processEvents`` of the same process may free; twice on a clean clone that crashed the
    suite minutes later, in unrelated tests. In a child process they go with it.
    """
    name = "test_the_window_generates_takes_cancels_and_outlives_a_killed_engine"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::{name}"],
        env={**os.environ, "FRAMELOOM_ISOLATED_TEST": "1"}, capture_output=True, text=True,
        timeout=280, cwd=Path(__file__).resolve().parents[4])
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
