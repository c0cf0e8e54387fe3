"""The studio's client asks the real engine to add a LoRA (AddLora): refusals come back as an
EngineError with the engine's code and sentence (the added case: tests/engine/service/
test_server_loras.py)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from studio.engine_link import EngineError, EngineSupervisor

SERVE = [sys.executable, "-m", "engine.cli", "serve", "--heartbeat", "0.5",
         "--parent-pid", str(os.getpid())]


def test_add_lora_refusals_reach_the_studio_in_one_sentence(tmp_path: Path) -> None:
    damaged = tmp_path / "grain.safetensors"
    damaged.write_bytes(b"\x00" * 12)

    async def main() -> None:
        supervisor = EngineSupervisor(SERVE, heartbeat_timeout=10.0, stop_timeout=20.0)
        await supervisor.start()
        try:
            async with await supervisor.connect() as client:
                with pytest.raises(EngineError) as caught:
                    await client.add_lora("frameloom-mini", str(damaged))
                assert caught.value.code == "bad_lora"
                assert str(caught.value).startswith(
                    "The file grain.safetensors is not a readable safetensors file")
                with pytest.raises(EngineError) as caught:
                    await client.add_lora("no-such-model", str(damaged))
                assert caught.value.code == "unknown_model"
        finally:
            await supervisor.stop()

    asyncio.run(main())
