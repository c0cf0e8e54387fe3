"""The engine bridge reads the model records again when a heartbeat first names the GPU's
memory, so whether a model fits is known once the engine's worker has reported its GPU."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from pytestqt.qtbot import QtBot

from engine.protocol import Heartbeat
from studio.ui.generation.engine_bridge import EngineBridge


class _Client:
    """An engine client whose records say the model fits once they have been read before."""

    engine_last_seq = 0

    def __init__(self) -> None:
        self.reads = 0
        self.beats: asyncio.Queue[Heartbeat] = asyncio.Queue()

    async def list_jobs(self) -> list[Any]:
        return []

    async def list_models(self) -> list[dict[str, Any]]:
        self.reads += 1
        return [{"id": "ltx-2", "fits": None if self.reads == 1 else True}]

    async def events(self, since_seq: int) -> AsyncIterator[Heartbeat]:
        while True:
            yield await self.beats.get()

    async def close(self) -> None:
        pass


class _Supervisor:
    on_status: Any = None

    def __init__(self, client: _Client) -> None:
        self.client = client

    async def start(self) -> None:
        pass

    async def connect(self) -> _Client:
        return self.client

    async def stop(self) -> None:
        pass


def test_models_are_read_again_when_a_heartbeat_first_names_the_gpu(qtbot: QtBot) -> None:
    seen: list[list[dict[str, Any]]] = []

    async def run() -> None:
        client = _Client()
        bridge = EngineBridge(_Supervisor(client))  # type: ignore[arg-type]
        bridge.models_changed.connect(seen.append)
        bridge.start()
        await asyncio.wait_for(bridge.ready.wait(), 5)
        for total in (None, 8 << 30, 8 << 30):  # no GPU said yet, then the same GPU twice
            await client.beats.put(Heartbeat(seq=0, busy=False, queue_length=0,
                                             vram_total=total))
        for _ in range(200):
            if client.beats.empty() and len(seen) == 2:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # room for a third read, which must not come
        await bridge.stop()

    asyncio.run(run())
    assert [records[0]["fits"] for records in seen] == [None, True]
