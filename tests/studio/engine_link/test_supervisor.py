"""EngineSupervisor with stand-in engines: one that cannot start, one that goes silent."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from studio.engine_link import EngineSupervisor, EngineUnavailable, SupervisorStatus

FAKE = str(Path(__file__).with_name("engine_link_fake.py"))
BOOM = [sys.executable, "-c",
        "import sys; print('loading models', file=sys.stderr); "
        "print('boom: no GPU driver', file=sys.stderr); sys.exit(3)"]


def test_gives_up_after_the_restart_cap_and_quotes_stderr() -> None:
    seen: list[SupervisorStatus] = []
    supervisor = EngineSupervisor(BOOM, backoff_initial=0.01, max_restarts=3,
                                  on_status=seen.append)

    async def main() -> None:
        async with asyncio.timeout(30):
            await supervisor.start()

    with pytest.raises(EngineUnavailable) as caught:
        asyncio.run(main())
    error = caught.value
    assert error.code == "gave_up" and error is supervisor.failure
    assert "boom: no GPU driver" in str(error) and "status 3" in str(error)
    assert supervisor.restarts == 3
    restarting = [s for s in seen if s.state == "restarting"]
    assert [(s.attempt, s.delay) for s in restarting] == [(1, 0.01), (2, 0.02), (3, 0.04)]
    assert [s.state for s in seen] == ["starting", "restarting"] * 3 + ["starting", "failed"]
    assert seen[-1].reason == str(error)
    assert "boom: no GPU driver" in supervisor.stderr
    assert supervisor.statuses.qsize() == len(seen)


def test_backoff_is_capped() -> None:
    seen: list[SupervisorStatus] = []
    supervisor = EngineSupervisor(BOOM, backoff_initial=0.01, backoff_max=0.02, max_restarts=3,
                                  on_status=seen.append)
    with pytest.raises(EngineUnavailable):
        asyncio.run(supervisor.start())
    assert [s.delay for s in seen if s.state == "restarting"] == [0.01, 0.02, 0.02]


def test_a_missing_program_is_reported() -> None:
    supervisor = EngineSupervisor(["/nonexistent/frameloom-engine"], backoff_initial=0.01,
                                  max_restarts=1)
    with pytest.raises(EngineUnavailable, match="could not be run .No such file") as caught:
        asyncio.run(supervisor.start())
    assert "wrote nothing on stderr" in str(caught.value)


def test_a_silent_engine_is_restarted_and_stop_shuts_it_down() -> None:
    """The stand-in answers hellos but sends no heartbeats: the supervisor kills and restarts
    it; once it beats, it is left running, and stop() asks it to shut down."""
    seen: list[SupervisorStatus] = []

    async def main() -> None:
        silent = EngineSupervisor([sys.executable, FAKE, "--silent"], heartbeat_timeout=0.5,
                                  backoff_initial=0.01, max_restarts=1, on_status=seen.append)
        async with asyncio.timeout(60):
            await silent.start()
            while (await silent.statuses.get()).state != "failed":
                pass
            with pytest.raises(EngineUnavailable, match="sent nothing for 0.5 s"):
                await silent.wait_running()
            assert silent.process is not None and silent.process.returncode is not None
            assert "fake engine listening" in silent.stderr

            beating = EngineSupervisor([sys.executable, FAKE], heartbeat_timeout=2.0,
                                       on_status=seen.append)
            await beating.start()
            async with await beating.connect() as client:
                assert await client.list_models() == [{"id": "fake"}]
            await asyncio.sleep(1.0)  # several heartbeat periods: no restart
            assert beating.restarts == 0 and beating.status.state == "running"
            await beating.stop()
            assert beating.process is not None and beating.process.returncode == 0
            assert beating.status.state == "stopped"

    asyncio.run(main())
    assert [s.state for s in seen].count("running") == 3
