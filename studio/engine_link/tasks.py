"""Ending asyncio tasks without losing a cancellation that was meant for the caller."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["cancel_and_wait", "wait_quietly"]


def _cancelled_ourselves() -> bool:
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0


async def cancel_and_wait(task: asyncio.Task[Any]) -> None:
    """Cancel ``task`` and wait until it has ended.

    The task's own CancelledError is expected and dropped; one aimed at the caller (a
    ``wait_for`` or ``timeout`` around it, say) is raised, so the caller still stops. A plain
    ``suppress(CancelledError)`` around ``await task`` would swallow both, and a caller that
    swallowed its own cancellation hangs whoever waits for it.
    """
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if _cancelled_ourselves():
            raise


async def wait_quietly(task: asyncio.Task[Any], timeout: float) -> None:
    """Wait up to ``timeout`` seconds for ``task`` to end; its cancellation or lateness is fine.

    Unlike :func:`asyncio.wait_for`, the task is left running when the time is up.
    """
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout)
    except TimeoutError:
        pass
    except asyncio.CancelledError:
        if _cancelled_ourselves():
            raise
