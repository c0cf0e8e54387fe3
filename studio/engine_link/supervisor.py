"""Start the engine as a child process, watch it, restart it with backoff, and give up clearly."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from engine.protocol import default_runtime_dir
from studio.engine_link.backoff import Backoff
from studio.engine_link.client import EngineClient
from studio.engine_link.errors import EngineError, EngineUnavailable
from studio.engine_link.tasks import cancel_and_wait, wait_quietly

__all__ = ["EngineSupervisor", "SupervisorStatus"]

log = logging.getLogger(__name__)

State = Literal["starting", "running", "restarting", "failed", "stopped"]


@dataclass(frozen=True)
class SupervisorStatus:
    """A change in the engine process's life, for the UI to show.

    ``attempt`` counts restarts in the current window (0 for the first start); ``delay`` is the
    wait before a restart; ``reason`` is one sentence for ``restarting`` and ``failed``.
    """

    state: State
    attempt: int = 0
    delay: float | None = None
    reason: str | None = None


class EngineSupervisor:
    """Run the engine as a child process in its own process group and keep it running.

    :meth:`start` spawns it and waits until it accepts a hello. A watch task then restarts it
    when it exits or sends nothing (not even a heartbeat) for ``heartbeat_timeout`` seconds,
    after ``backoff_initial`` seconds doubling up to ``backoff_max``. More than
    ``max_restarts`` restarts within ``restart_window`` seconds and it gives up: status
    ``failed``, and :attr:`failure` holds an :class:`EngineUnavailable` quoting the engine's
    last stderr lines. Status changes go to ``on_status`` and to the :attr:`statuses` queue.

    Parameters
    ----------
    command
        The engine's command line; ``python -m engine.cli serve`` by default.
    env
        The child's environment; this process's when None. It must put the engine's runtime
        folder at ``runtime_dir``.
    runtime_dir
        Where the engine's socket and token appear; ``default_runtime_dir()`` when None.
    """

    def __init__(self, command: Sequence[str] | None = None, *,
                 env: Mapping[str, str] | None = None, runtime_dir: Path | None = None,
                 start_timeout: float = 60.0, heartbeat_timeout: float | None = 10.0,
                 backoff_initial: float = 0.5, backoff_max: float = 30.0,
                 max_restarts: int = 5, restart_window: float = 300.0,
                 stop_timeout: float = 10.0, stderr_lines: int = 40,
                 on_status: Callable[[SupervisorStatus], None] | None = None) -> None:
        self.command = list(command or [sys.executable, "-m", "engine.cli", "serve"])
        self.env = dict(env) if env is not None else None
        self.runtime_dir = default_runtime_dir() if runtime_dir is None else runtime_dir
        self.start_timeout = start_timeout
        self.heartbeat_timeout = heartbeat_timeout
        self.backoff = Backoff(backoff_initial, backoff_max)
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        self.stop_timeout = stop_timeout
        self.on_status = on_status
        self.statuses: asyncio.Queue[SupervisorStatus] = asyncio.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=stderr_lines)
        self.status = SupervisorStatus("stopped")
        self.failure: EngineUnavailable | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._last_run: collections.deque[str] = collections.deque(maxlen=3)
        self._restart_times: collections.deque[float] = collections.deque()
        self._stderr_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._running = asyncio.Event()
        self._stopping = False

    # --- public ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the engine and return once it answers, restarting it as needed.

        Raises
        ------
        EngineUnavailable
            It did not come up within the restart cap; the message quotes its stderr.
        """
        if self._watch_task is not None and not self._watch_task.done():
            await self.wait_running()  # already supervising
            return
        self._stopping = False
        self.failure = None
        self._restart_times.clear()
        self._running.clear()
        self._watch_task = asyncio.create_task(self._supervise(), name="engine-supervisor")
        await self.wait_running()

    async def wait_running(self) -> None:
        """Wait until the engine answers (again); raises :attr:`failure` once given up."""
        while not self._running.is_set():
            watch = self._watch_task
            if watch is None or watch.done():
                raise self.failure or EngineUnavailable("stopped", "The engine was stopped.")
            running = asyncio.create_task(self._running.wait())
            try:
                await asyncio.wait({running, watch}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                running.cancel()

    async def connect(self, **options: Any) -> EngineClient:
        """A client of the supervised engine (see :meth:`EngineClient.connect`)."""
        return await EngineClient.connect(self.runtime_dir, **options)

    async def stop(self) -> None:
        """Ask the engine to shut down, then end its process group (SIGTERM, then SIGKILL).

        An engine this supervisor adopted rather than started is left running.
        """
        self._stopping = True
        if self._watch_task is not None:
            await cancel_and_wait(self._watch_task)
            self._watch_task = None
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(EngineError, asyncio.TimeoutError):
                async with asyncio.timeout(self.stop_timeout / 2):
                    async with await self.connect(timeout=2.0, reconnect_attempts=0) as client:
                        await client.shutdown()
                    await process.wait()
        await self._end_process()
        self._running.clear()
        self._emit(SupervisorStatus("stopped"))

    # --- supervision -------------------------------------------------------------------------

    async def _supervise(self) -> None:
        self._emit(SupervisorStatus("starting"))
        while True:
            reason = await self._run_once()
            if self._stopping:
                return
            now = time.monotonic()
            self._restart_times.append(now)
            while self._restart_times and now - self._restart_times[0] > self.restart_window:
                self._restart_times.popleft()
            attempt = len(self._restart_times)
            if attempt > self.max_restarts:
                self._give_up(reason, attempt - 1)
                return
            delay = self.backoff.delay(attempt - 1)
            self.restarts += 1
            self._emit(SupervisorStatus("restarting", attempt, delay, reason))
            await asyncio.sleep(delay)
            self._emit(SupervisorStatus("starting", attempt))

    def _give_up(self, reason: str, restarts: int) -> None:
        said = " / ".join(self._last_run)
        said = f" It said: {said}" if said else " It wrote nothing on stderr."
        if not said.endswith((".", "!", "?")):
            said += "."
        self.failure = EngineUnavailable(
            "gave_up", f"The engine could not be kept running ({restarts} restarts): "
                       f"{reason}.{said}",
            "Fix what it reports, then restart the engine from the studio.")
        log.error("%s", self.failure)
        self._emit(SupervisorStatus("failed", restarts, None, str(self.failure)))

    async def _run_once(self) -> str:
        """Spawn the engine, wait until it answers, watch it; returns why it stopped."""
        self._last_run.clear()
        if await self._answers():
            return await self._watch_adopted()
        try:
            process = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                env=self.env, start_new_session=True)
        except OSError as exc:  # no such program, not executable
            return f"{self.command[0]} could not be run ({exc.strerror or exc})"
        self.process = process
        self._stderr_task = asyncio.create_task(self._read_stderr(process))
        exited = asyncio.create_task(process.wait())
        ready = asyncio.create_task(self._wait_ready())
        silent: asyncio.Task[None] | None = None
        try:
            await asyncio.wait({exited, ready}, return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                return await self._exit_reason(process)
            if not ready.result():
                await self._end_process()
                return f"it did not answer within {self.start_timeout:g} s of starting"
            self._running.set()
            self._emit(SupervisorStatus("running", len(self._restart_times)))
            silent = asyncio.create_task(self._wait_silence())
            await asyncio.wait({exited, silent}, return_when=asyncio.FIRST_COMPLETED)
            self._running.clear()
            if exited.done():
                return await self._exit_reason(process)
            await self._end_process()
            return f"it sent nothing for {self.heartbeat_timeout:g} s"
        finally:
            helpers = [task for task in (exited, ready, silent) if task is not None]
            for task in helpers:
                task.cancel()
            # Let them close their connections before the next engine starts.
            await asyncio.wait(helpers)

    async def _answers(self) -> bool:
        """Whether an engine already answers here (one left by a studio that crashed, say)."""
        try:
            client = await self.connect(client="frameloom-supervisor", timeout=2.0,
                                        reconnect_attempts=0)
        except EngineUnavailable:
            return False
        await client.close()
        return True

    async def _watch_adopted(self) -> str:
        """Use an engine this supervisor did not start: watch its heartbeats, never signal it.

        Its queue keeps running across studio restarts; :meth:`stop` leaves it running.
        """
        self.process = None
        log.info("engine: using the engine already running at %s", self.runtime_dir)
        self._running.set()
        self._emit(SupervisorStatus("running", len(self._restart_times),
                                    reason="adopted the engine that was already running"))
        try:
            await self._wait_silence()
        finally:
            self._running.clear()
        return f"the engine that was already running sent nothing for {self.heartbeat_timeout:g} s"

    async def _wait_ready(self) -> bool:
        deadline = asyncio.get_running_loop().time() + self.start_timeout
        while asyncio.get_running_loop().time() < deadline:
            try:
                client = await self.connect(client="frameloom-supervisor", timeout=2.0,
                                            reconnect_attempts=0)
            except EngineUnavailable:
                await asyncio.sleep(0.1)  # the socket or token is not there yet, or is stale
                continue
            await client.close()
            return True
        return False

    async def _wait_silence(self) -> None:
        """Return once the engine has sent nothing for ``heartbeat_timeout`` seconds."""
        if self.heartbeat_timeout is None:
            await asyncio.Event().wait()
            return
        loop = asyncio.get_running_loop()
        heard = loop.time()
        while True:
            try:
                client = await self.connect(client="frameloom-supervisor", timeout=2.0,
                                            reconnect_attempts=0)
            except EngineUnavailable:
                if loop.time() - heard > self.heartbeat_timeout:
                    return
                await asyncio.sleep(0.2)
                continue
            events = client.events(since_seq=client.engine_last_seq)
            try:
                while True:
                    # asyncio.timeout, not wait_for: wait_for would run anext() as a task of
                    # its own, and on Python 3.11 cancelling that task while the generator
                    # waits can leave it pending for good, so stop() never returned.
                    try:
                        async with asyncio.timeout_at(heard + self.heartbeat_timeout):
                            await anext(events)
                    except TimeoutError:
                        return
                    heard = loop.time()
            except (EngineUnavailable, StopAsyncIteration):
                pass  # dropped: reconnect, or notice the silence
            finally:
                await events.aclose()
                await client.close()

    async def _read_stderr(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while True:
            try:
                line = await process.stderr.readline()
            except ValueError:  # a line over the stream limit: keep its start
                line = (await process.stderr.read(4096)) + b" ..."
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip()
            log.debug("engine: %s", text)
            self.stderr.append(text)
            if text.strip():
                self._last_run.append(text)

    async def _exit_reason(self, process: asyncio.subprocess.Process) -> str:
        code = await process.wait()
        if self._stderr_task is not None:  # its last lines are usually the explanation
            await wait_quietly(self._stderr_task, 2.0)
        await self._end_process()  # workers it left behind in its group
        if code < 0:
            return f"it was killed by signal {-code}"
        return f"it exited with status {code}"

    async def _end_process(self) -> None:
        """End the current process group: SIGTERM, then SIGKILL after a grace period."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            self._signal_group(process, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), self.stop_timeout / 2)
            except TimeoutError:
                pass
        self._signal_group(process, signal.SIGKILL)  # the leader's orphans, if any
        await process.wait()
        if self._stderr_task is not None:
            await wait_quietly(self._stderr_task, 2.0)

    @staticmethod
    def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)  # start_new_session: its pid is its group's id

    def _emit(self, status: SupervisorStatus) -> None:
        self.status = status
        self.statuses.put_nowait(status)
        if self.on_status is not None:
            self.on_status(status)
