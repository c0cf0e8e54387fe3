"""The client and supervisor against the real engine (``python -m engine.cli serve``), run
under FRAMELOOM_HOME in a temporary folder: requests, errors, heartbeats, shutdown, and a
kill -9 survived with every event seen exactly once. No job runs, so no worker or torch is
needed: an empty reorder is a logged event that costs nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any

import pytest

from engine.protocol import GenerationRequest, Heartbeat, Message, Reordered
from studio.engine_link import (
    EngineClient,
    EngineError,
    EngineSupervisor,
    EngineUnavailable,
    SupervisorStatus,
)

SERVE = [sys.executable, "-m", "engine.cli", "serve", "--heartbeat", "0.2",
         "--parent-pid", str(os.getpid())]  # no engine outlives a killed test run


def _supervisor(seen: list[SupervisorStatus], stop_timeout: float = 20.0) -> EngineSupervisor:
    return EngineSupervisor(SERVE, heartbeat_timeout=5.0, backoff_initial=0.1,
                            stop_timeout=stop_timeout, on_status=seen.append)


async def _next_logged(events: Any) -> Message:
    while isinstance(event := await anext(events), Heartbeat):
        pass
    return event  # type: ignore[no-any-return]


def test_requests_heartbeats_and_shutdown() -> None:
    seen: list[SupervisorStatus] = []

    async def main() -> None:
        supervisor = _supervisor(seen)
        await supervisor.start()
        try:
            async with await supervisor.connect() as client:
                assert client.engine_version and client.engine_last_seq == 0
                assert isinstance(await client.list_models(), list)
                assert await client.list_jobs() == []
                with pytest.raises(EngineError) as caught:
                    await client.get_job("nope")
                assert caught.value.code == "unknown_job" and caught.value.hint
                request = GenerationRequest(model_id="no-such-model", prompt="a red ball",
                                            width=256, height=256, frames=9, fps=8, seed=1,
                                            steps=2, guidance=3.0)
                with pytest.raises(EngineError) as caught:
                    await client.submit("job-1", request)
                assert caught.value.code == "unknown_model"
                events = client.events()
                beat = await anext(events)
                assert isinstance(beat, Heartbeat) and beat.busy is False
                await events.aclose()
        finally:
            await supervisor.stop()
        assert supervisor.process is not None and supervisor.process.returncode == 0
        with pytest.raises(EngineUnavailable, match="not running"):
            await EngineClient.connect()

    asyncio.run(asyncio.wait_for(main(), 60))
    assert [s.state for s in seen] == ["starting", "running", "stopped"]


def test_killed_engine_is_restarted_and_events_resume_exactly_once() -> None:
    seen: list[SupervisorStatus] = []

    async def main() -> None:
        # The graceful stop is the other test's; this one ends the engine after a short grace.
        supervisor = _supervisor(seen, stop_timeout=1.0)
        await supervisor.start()
        try:
            async with await supervisor.connect() as client:
                events = client.events()
                for _ in range(3):
                    await client.reorder([])
                got = [await _next_logged(events) for _ in range(3)]

                assert supervisor.process is not None
                old_pid = supervisor.process.pid
                os.killpg(old_pid, signal.SIGKILL)
                while (await supervisor.statuses.get()).state != "restarting":
                    pass
                await supervisor.wait_running()
                assert supervisor.process.pid != old_pid

                for _ in range(2):  # the first may race the client noticing the drop
                    try:
                        await client.reorder([])
                        break
                    except EngineUnavailable as exc:
                        assert exc.code == "disconnected"
                await client.reorder([])
                got += [await _next_logged(events) for _ in range(2)]
                assert all(isinstance(e, Reordered) for e in got)
                assert [e.seq for e in got] == [1, 2, 3, 4, 5]
                assert client.last_seq == 5
                await events.aclose()
        finally:
            await supervisor.stop()

    asyncio.run(asyncio.wait_for(main(), 90))
    restarting = [s for s in seen if s.state == "restarting"]
    assert len(restarting) == 1 and restarting[0].reason == "it was killed by signal 9"


def test_an_engine_already_running_is_adopted_not_fought() -> None:
    # A studio that crashed leaves its engine (and its queue) running; the next studio uses it.
    seen: list[SupervisorStatus] = []

    async def main() -> None:
        existing = await asyncio.create_subprocess_exec(*SERVE, start_new_session=True,
                                                        stderr=asyncio.subprocess.DEVNULL)
        try:
            probe = _supervisor([])
            await asyncio.wait_for(probe._wait_ready(), 60)
            supervisor = _supervisor(seen)
            await supervisor.start()
            assert supervisor.process is None and seen[-1].state == "running"
            assert seen[-1].reason == "adopted the engine that was already running"
            async with await supervisor.connect() as client:
                assert await client.list_jobs() == []
            await supervisor.stop()
            assert existing.returncode is None  # not ours to stop
        finally:
            os.killpg(existing.pid, signal.SIGKILL)
            await existing.wait()

    asyncio.run(asyncio.wait_for(main(), 90))
