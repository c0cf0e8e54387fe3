"""EngineClient against a throwaway engine that speaks the protocol (the real one is tested in
test_real_engine.py): connection errors, replies, errors, events resumed across a drop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from engine_link_fake import FakeEngine

from engine.protocol import (
    SOCKET_NAME,
    TOKEN_NAME,
    Heartbeat,
    Message,
    Reorder,
    default_runtime_dir,
)
from studio.engine_link import EngineClient, EngineError, EngineUnavailable
from studio.errors import StudioError

FAST: dict[str, Any] = {"reconnect_delay": 0.01, "reconnect_max_delay": 0.05}


def run(test: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Any:
    async def bounded() -> Any:
        async with asyncio.timeout(timeout):
            return await test()
    return asyncio.run(bounded())


def test_no_socket_says_how_to_start_the_engine() -> None:
    with pytest.raises(EngineUnavailable) as caught:
        run(lambda: EngineClient.connect())
    assert caught.value.code == "not_running"
    assert "frameloom-engine serve" in str(caught.value)
    assert isinstance(caught.value, StudioError)


def test_stale_socket_is_not_running(tmp_path: Path) -> None:
    runtime = tmp_path / "rt"
    runtime.mkdir()
    (runtime / TOKEN_NAME).write_text("t")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(runtime / SOCKET_NAME))
    stale.close()  # the file stays, nobody listens: what a killed engine leaves
    with pytest.raises(EngineUnavailable, match="left over") as caught:
        run(lambda: EngineClient.connect(runtime))
    assert caught.value.code == "not_running"


def test_wrong_token_is_refused() -> None:
    async def main() -> None:
        async with FakeEngine():
            (default_runtime_dir() / TOKEN_NAME).write_text("not-the-token")
            await EngineClient.connect()
    with pytest.raises(EngineUnavailable, match="refused the token") as caught:
        run(main)
    assert caught.value.code == "unauthorized" and caught.value.hint


def test_unreadable_token() -> None:
    async def main() -> None:
        async with FakeEngine():
            token = default_runtime_dir() / TOKEN_NAME
            token.unlink()
            token.mkdir()  # unreadable as a file, even for root
            await EngineClient.connect()
    with pytest.raises(EngineUnavailable, match="token file .* cannot be read") as caught:
        run(main)
    assert caught.value.code == "no_token"


def test_replies_and_errors() -> None:
    async def main() -> None:
        async with FakeEngine(), await EngineClient.connect() as client:
            assert client.engine_version == "fake"
            results = await asyncio.gather(*(client.list_models() for _ in range(20)))
            assert results == [[{"id": "fake"}]] * 20
            with pytest.raises(EngineError) as caught:
                await client.get_job("nope")
            assert not isinstance(caught.value, EngineUnavailable)
            assert caught.value.code == "unknown_job"
            assert str(caught.value) == "There is no job nope. List the jobs to see which exist."
            await client.remove("j1")
            await client.shutdown()
    run(main)


async def _take(events: Any, n: int) -> list[Message]:
    return [await anext(events) for _ in range(n)]


def test_events_resume_after_a_drop_without_loss_or_repeats() -> None:
    async def main() -> None:
        async with FakeEngine(heartbeat=0.05) as engine, \
                await EngineClient.connect(**FAST) as client:
            for job in "abc":
                engine.emit(job)
            events = client.events()
            seen = [e for e in await _take(events, 4) if not isinstance(e, Heartbeat)]
            while len(seen) < 3:
                seen.append(await anext(events))
            engine.drop_all()
            for job in "de":  # logged while the client is away
                engine.emit(job)
            while len(seen) < 5:
                event = await anext(events)
                if not isinstance(event, Heartbeat):
                    seen.append(event)
            engine.emit("f")
            while len(seen) < 6:
                event = await anext(events)
                if not isinstance(event, Heartbeat):
                    seen.append(event)
            assert [e.job_id for e in seen] == list("abcdef")
            assert [e.seq for e in seen] == [1, 2, 3, 4, 5, 6]
            assert engine.subscribes == [0, 3] and engine.hellos == 2
            assert client.last_seq == 6
            await events.aclose()
    run(main)


def test_events_replayed_by_the_engine_are_not_yielded_twice() -> None:
    async def main() -> None:
        async with FakeEngine(replay_all=True) as engine, \
                await EngineClient.connect(**FAST) as client:
            engine.emit("a")
            events = client.events()
            assert (await anext(events)).seq == 1
            engine.drop_all()
            engine.emit("b")
            assert (await anext(events)).seq == 2  # not 1 again
            assert engine.subscribes == [0, 1]
            await events.aclose()
    run(main)


def test_events_yield_heartbeats_and_end_on_close() -> None:
    async def main() -> None:
        async with FakeEngine(heartbeat=0.05), await EngineClient.connect() as client:
            events = client.events()
            assert isinstance(await anext(events), Heartbeat)
            await client.close()
            with pytest.raises(StopAsyncIteration):
                await anext(events)
    run(main)


def test_requests_reconnect_after_a_drop() -> None:
    async def main() -> None:
        async with FakeEngine() as engine, await EngineClient.connect(**FAST) as client:
            engine.drop_all()
            try:
                models = await client.list_models()
            except EngineUnavailable as exc:  # sent before the client could see the drop
                assert exc.code == "disconnected"
                models = await client.list_models()
            assert models == [{"id": "fake"}]
            assert engine.hellos == 2
    run(main)


def test_request_in_flight_fails_when_the_engine_goes() -> None:
    async def main() -> None:
        async with FakeEngine() as engine, await EngineClient.connect(**FAST) as client:
            pending = asyncio.create_task(client.reorder(["a"]))  # the fake never answers it
            await asyncio.sleep(0.05)
            engine.drop_all()
            with pytest.raises(EngineUnavailable) as caught:
                await pending
            assert caught.value.code == "disconnected"
            with pytest.raises(EngineUnavailable, match="did not answer a reorder"):
                await client.request(Reorder(id=client.next_id(), job_ids=("a",)), timeout=0.05)
    run(main)


def test_events_give_up_when_the_engine_stays_away() -> None:
    async def main() -> None:
        engine = FakeEngine()
        async with engine, await EngineClient.connect(reconnect_attempts=3, **FAST) as client:
            events = client.events()
            engine.emit("a")
            assert (await anext(events)).seq == 1
            await engine.stop()
            with pytest.raises(EngineUnavailable, match="not running") as caught:
                await anext(events)
            assert caught.value.code == "not_running"
    run(main)
