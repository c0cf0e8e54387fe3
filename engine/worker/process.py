"""The server's side of the worker: start the child process, talk to it in JSON lines, kill it."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import sys
from collections.abc import Mapping
from typing import Any

READY_TIMEOUT_S = 180.0  # importing torch and diffusers on a busy laptop takes a while


class WorkerStartError(Exception):
    """The worker did not start; the message is one sentence, ending with its last log line."""


class WorkerProcess:
    """One worker child process; make a new instance to restart.

    Parameters
    ----------
    env
        Extra environment variables for the child (fault injection in tests, say).
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = {**os.environ, **(env or {})}
        self._process: asyncio.subprocess.Process | None = None
        self._stderr_task: asyncio.Task[None] | None = None
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self.ready: dict[str, Any] = {}

    @property
    def pid(self) -> int | None:
        """The child's process id, once started."""
        return self._process.pid if self._process else None

    @property
    def alive(self) -> bool:
        """Whether the child is running."""
        return self._process is not None and self._process.returncode is None

    @property
    def returncode(self) -> int | None:
        """The child's exit status once it has ended."""
        return self._process.returncode if self._process else None

    async def start(self, timeout: float = READY_TIMEOUT_S) -> dict[str, Any]:
        """Start the child and wait for its ``ready`` report, which is returned.

        Raises
        ------
        WorkerStartError
            If the child exits or stays silent before it is ready.
        """
        await self._spawn("engine.worker.child")
        try:
            report = await asyncio.wait_for(self.receive(), timeout)
        except TimeoutError:
            report = None
        if report is None or report.get("ev") != "ready":
            await self.kill()
            last = self.stderr_tail[-1] if self.stderr_tail else "no output"
            raise WorkerStartError(f"The engine's worker process did not start ({last}).")
        self.ready = report
        return report

    async def _spawn(self, module: str) -> None:
        """Start ``python -m module`` with pipes for stdin, stdout and stderr (forwarded)."""
        # Same process group as the server: killing the engine's group kills its child too.
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=self._env,
            limit=1 << 20)
        self._stderr_task = asyncio.create_task(self._forward_stderr())

    async def _forward_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        async for raw in self._process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self.stderr_tail.append(line)
            print(line, file=sys.stderr, flush=True)

    async def send(self, command: Mapping[str, Any]) -> bool:
        """Send one command; False when the worker is gone (its death is seen by receive)."""
        if not self.alive or self._process is None or self._process.stdin is None:
            return False
        try:
            self._process.stdin.write(self._encode(command))
            await self._process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            return False
        return True

    def _encode(self, command: Mapping[str, Any]) -> bytes:
        """One command as the child reads it: a JSON line."""
        return json.dumps(dict(command)).encode() + b"\n"

    async def receive(self) -> dict[str, Any] | None:
        """The next report, or None once the worker has exited (its channel closed)."""
        if self._process is None or self._process.stdout is None:
            return None
        while True:
            try:
                line = await self._process.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                continue  # an oversized report is a worker bug; skip it rather than die
            if not line:
                await self._reap()
                return None
            try:
                report = json.loads(line)
            except ValueError:
                continue
            if isinstance(report, dict):
                return report

    async def _reap(self) -> None:
        """Wait for the exited child and for its last log lines to reach ``stderr_tail``."""
        assert self._process is not None
        await self._process.wait()
        if self._stderr_task is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._stderr_task), 2.0)

    async def kill(self) -> None:
        """Kill the child at once (SIGKILL) and reap it."""
        if self._process is None:
            return
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
        await self._process.wait()

    async def stop(self, timeout: float = 5.0) -> None:
        """Ask the child to exit; kill it if it has not within ``timeout`` seconds.

        A child still starting (importing torch) is killed at once: it has nothing to finish.
        """
        if self.alive and self.ready:
            await self.send({"op": "exit"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._process.wait(), timeout)  # type: ignore[union-attr]
        await self.kill()
