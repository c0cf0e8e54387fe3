"""The engine's side of its cluster driver: start the child, exchange messages, kill it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from engine.cluster.channel import frame, receive_frame
from engine.cluster.connect import ClusterError
from engine.worker.process import WorkerProcess

CONNECT_TIMEOUT_S = 120.0  # importing Ray and joining a cluster on a busy machine


class DriverProcess(WorkerProcess):
    """One driver child process (:mod:`engine.cluster.driver`); make a new one to restart.

    Its stderr is forwarded to the engine's, as the worker's is; its stdout and stdin carry
    framed messages (:mod:`engine.cluster.channel`) instead of JSON lines.

    Parameters
    ----------
    env
        Extra environment variables for the child.
    """

    async def connect(self, options: Mapping[str, Any],
                      timeout: float = CONNECT_TIMEOUT_S) -> dict[str, Any]:
        """Start the child, send it ``options`` and wait until it has joined the cluster;
        returns its ``connected`` message.

        Raises
        ------
        ClusterError
            If it could not join (its sentence), or exited or stayed silent before it did.
        """
        await self._spawn("engine.cluster.driver")
        await self.send(dict(options))
        try:
            first = await asyncio.wait_for(self.receive(), timeout)
        except TimeoutError:
            first = None
        if first is None or first.get("ev") != "connected":
            await self.kill()
            if first is not None and first.get("message"):
                raise ClusterError(str(first["message"]))
            last = self.stderr_tail[-1] if self.stderr_tail else "no output"
            raise ClusterError(f"The engine's cluster driver did not start ({last}).")
        self.ready = first
        return first

    def _encode(self, command: Mapping[str, Any]) -> bytes:
        return frame(dict(command))

    async def receive(self) -> dict[str, Any] | None:
        """The next message, or None once the driver has exited."""
        if self._process is None or self._process.stdout is None:
            return None
        message = await receive_frame(self._process.stdout)
        if message is None:
            await self._reap()
        return message
