"""Cancelling helper tasks must never swallow a cancellation aimed at the caller."""

from __future__ import annotations

import asyncio

import pytest

from studio.engine_link.tasks import cancel_and_wait, wait_quietly


async def _slow_to_stop(stopped: list[str]) -> None:
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        await asyncio.sleep(0.3)  # cleanup that takes a while
        stopped.append("helper")
        raise


def test_cancel_and_wait_ends_the_task_and_returns() -> None:
    async def main() -> list[str]:
        stopped: list[str] = []
        task = asyncio.create_task(_slow_to_stop(stopped))
        await asyncio.sleep(0)
        await cancel_and_wait(task)
        assert task.cancelled()
        return stopped

    assert asyncio.run(main()) == ["helper"]


def test_a_timeout_around_cancel_and_wait_still_fires() -> None:
    # The bug this guards against: suppress(CancelledError) around `await task` also ate the
    # caller's own cancellation, so wait_for(stop(), t) returned late as if nothing happened.
    async def caller(stopped: list[str]) -> None:
        task = asyncio.create_task(_slow_to_stop(stopped))
        await asyncio.sleep(0)
        await cancel_and_wait(task)
        stopped.append("caller went on")

    async def main() -> list[str]:
        stopped: list[str] = []
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(caller(stopped), 0.05)
        await asyncio.sleep(0.5)
        return stopped

    assert "caller went on" not in asyncio.run(main())


def test_wait_quietly_leaves_a_late_task_running_and_ignores_its_cancellation() -> None:
    async def main() -> None:
        slow = asyncio.create_task(asyncio.sleep(10))
        await wait_quietly(slow, 0.05)
        assert not slow.done()
        slow.cancel()
        await wait_quietly(slow, 1.0)  # its own cancellation is not ours
        assert slow.cancelled()

    asyncio.run(main())
