"""The engine server: a Unix socket with a token, request/reply, a resumable event stream."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine import policy
from engine import protocol as p
from engine.jobs.store import Event, JobError, JobStore
from engine.models.installed import ModelError, find_model, list_models
from engine.models.loras import LoraError, add_lora
from engine.models.store import model_record
from engine.protocol.fields import build
from engine.protocol.requests import OPERATION_KEY, RequestError, fit_request
from engine.service.cluster import ClusterError, ClusterScheduler
from engine.service.endpoint import Endpoint, EndpointError
from engine.service.log import tee_stderr
from engine.service.scheduler import Scheduler, remove_partial_outputs

HELLO_TIMEOUT_S = 10.0
EVENT_BATCH = 500
_REQUEST_TYPES = (p.Submit, p.Cancel, p.ListJobs, p.GetJob, p.Subscribe, p.ListModels, p.Reorder,
                  p.Remove, p.Shutdown, p.AddLora)


class Notifier:
    """Wakes every subscriber when a new event is logged, without losing a wake-up."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def waiter(self) -> asyncio.Event:
        """Take this before reading the log; it is set by the next :meth:`notify`."""
        return self._event

    def notify(self) -> None:
        """Wake everyone waiting."""
        event, self._event = self._event, asyncio.Event()
        event.set()


def event_message(event: Event) -> p.Message:
    """The protocol message of a logged event (unknown data keys are left out)."""
    cls = p.REGISTRY[event.type]
    names = {f.name for f in dataclasses.fields(cls)}
    fields = {k: v for k, v in event.data.items() if k in names}
    fields["seq"] = event.seq
    if "job_id" in names:
        fields["job_id"] = event.job_id
    message: p.Message = build(cls, fields, "")
    return message


def _job_dict(job: Any) -> dict[str, Any]:
    return dataclasses.asdict(job)


def _add_lora(message: p.AddLora) -> dict[str, Any]:
    """Add a LoRA for a client (reads headers and copies the file: quick for a LoRA's size)."""
    try:
        added = add_lora(message.model_id, message.path, message.name)
    except LoraError as exc:
        raise _Refused("bad_lora", exc.message, exc.hint) from None
    except ModelError as exc:
        raise _Refused("unknown_model", str(exc), "Pick an installed model.") from None
    return {"model_id": added.model_id, "name": added.name, "layers": added.layers}


class EngineServer:
    """The engine: owns the endpoint files, the job store and the scheduler.

    Parameters
    ----------
    heartbeat_s
        Seconds between heartbeats on a subscribed connection.
    cancel_grace_s
        Seconds a cancelled step may take before the worker is killed.
    preview_every_s
        The least time between two previews of a job.
    worker_env
        Extra environment for the worker process (or for each cluster actor).
    cluster
        Run jobs on a Ray cluster instead of the local worker: keyword arguments of
        :class:`ClusterScheduler` (``address`` at least); None for the local worker.
    """

    def __init__(self, *, heartbeat_s: float = 2.0, cancel_grace_s: float = 10.0,
                 preview_every_s: float = 2.0, worker_env: Mapping[str, str] | None = None,
                 version: str = "0.0.0", parent_pid: int | None = None,
                 cluster: Mapping[str, Any] | None = None) -> None:
        self.heartbeat_s = heartbeat_s
        self.parent_pid = parent_pid
        self.version = version
        self.endpoint = Endpoint()
        self.store: JobStore | None = None
        self.notifier = Notifier()
        self._scheduler_options = (cancel_grace_s, preview_every_s, worker_env)
        self.scheduler: Scheduler | None = None
        self.cluster = dict(cluster) if cluster is not None else None
        self._server: asyncio.base_events.Server | None = None
        self._stopped = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        """Take the endpoint, recover the store, listen, and start running the queue.

        Raises
        ------
        EndpointError
            If another engine is running or the runtime folder cannot be used.
        JobError
            If the job store cannot be opened.
        ClusterError
            If a cluster was asked for and cannot be joined.
        """
        self.endpoint.acquire()
        try:
            self.store = JobStore()
            recovered = self.store.recover_after_crash()
            removed = remove_partial_outputs()
            if recovered or removed:
                print(f"frameloom-engine: {len(recovered)} job(s) were interrupted by the last "
                      f"stop; removed {removed} half-written output(s).", file=sys.stderr)
            grace, previews, worker_env = self._scheduler_options
            if self.cluster is None:
                self.scheduler = Scheduler(self.store, self.notifier.notify,
                                           cancel_grace_s=grace, preview_every_s=previews,
                                           worker_env=worker_env)
            else:
                options = {"cancel_grace_s": grace, "preview_every_s": previews,
                           "worker_env": worker_env, **self.cluster}
                cluster = ClusterScheduler(self.store, self.notifier.notify, **options)
                await cluster.start_cluster()
                self.scheduler = cluster
            if p.use_tcp():
                self._server = await asyncio.start_server(
                    self._connection, host=p.LOOPBACK, port=0, limit=p.MAX_LINE_BYTES + 1)
                self.endpoint.publish(self._server.sockets[0].getsockname()[1])
            else:
                self._server = await asyncio.start_unix_server(
                    self._connection, path=str(self.endpoint.socket),
                    limit=p.MAX_LINE_BYTES + 1)
                self.endpoint.publish()
        except BaseException:
            self.endpoint.release()
            raise
        self._spawn(self.scheduler.run())
        if self.parent_pid is not None:
            self._spawn(self._stop_with_parent(self.parent_pid))

    async def _stop_with_parent(self, pid: int) -> None:
        """Stop once process ``pid`` is gone (``serve --parent-pid``: tests, a bundled studio)."""
        while True:
            await asyncio.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                print(f"frameloom-engine: process {pid} is gone; stopping.", file=sys.stderr,
                      flush=True)
                self._spawn(self.stop())
                return
            except PermissionError:
                pass  # it exists, as another user's process

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_stopped(self) -> None:
        """Return once :meth:`stop` has finished."""
        await self._stopped.wait()

    async def stop(self) -> None:
        """Stop: no new connections, the worker stopped, a running job marked interrupted."""
        if self._stopped.is_set() or self.scheduler is None or self.store is None:
            self._stopped.set()
            return
        if self._server is not None:
            self._server.close()
        await self.scheduler.stop()
        self.store.recover_after_crash()  # the job that was running is interrupted, not lost
        self.notifier.notify()
        others = [task for task in self._tasks if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        if others:  # let event streams end before the store they read from closes
            await asyncio.wait(others, timeout=2.0)
        self.store.close()
        self.endpoint.release()
        self._stopped.set()

    # -- connections ---------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        subscription: asyncio.Task[None] | None = None
        send = _sender(writer)
        try:
            if not await self._authenticate(reader, send):
                return
            while True:
                try:
                    line = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    await send(p.Error(reply_to=None, code="line_too_long",
                                       message=f"A line is longer than the {p.MAX_LINE_BYTES} "
                                               "bytes allowed, so the connection is closed.",
                                       hint="Send smaller messages."))
                    return
                if not line:
                    return
                request, reply = self._handle_line(line)
                await send(reply)
                if not isinstance(reply, p.Ok):
                    continue
                if isinstance(request, p.Subscribe) and subscription is None:
                    subscription = self._spawn(self._stream(request.since_seq, send))
                elif isinstance(request, p.Shutdown):
                    self._spawn(self.stop())
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing to answer
        except asyncio.CancelledError:
            pass  # the engine is stopping; ending the task here keeps the log clean
        finally:
            if subscription is not None:
                subscription.cancel()
            writer.close()

    async def _authenticate(self, reader: asyncio.StreamReader,
                            send: Callable[[p.Message], Any]) -> bool:
        try:
            line = await asyncio.wait_for(reader.readline(), HELLO_TIMEOUT_S)
            hello = p.decode(line)
        except (TimeoutError, ValueError, asyncio.LimitOverrunError, p.ProtocolError):
            hello = None
        if not isinstance(hello, p.Hello) or not hmac.compare_digest(
                hello.token.encode(), self.endpoint.token.encode()):
            await send(p.Error(reply_to=getattr(hello, "id", None), code="unauthorized",
                               message="The first message must be a hello with the engine's "
                                       "token.",
                               hint=f"Read the token from {self.endpoint.token_file}."))
            return False
        assert self.store is not None
        await send(p.Ok(reply_to=hello.id, data={"engine_version": self.version,
                                                 "last_seq": self.store.last_seq()}))
        return True

    def _handle_line(self, line: bytes) -> tuple[p.Message | None, p.Message]:
        """The request a line holds (None if unreadable) and the reply to it."""
        try:
            message = p.decode(line)
        except p.ProtocolError as exc:
            return None, p.Error(reply_to=None, code=exc.code, message=exc.message)
        if not isinstance(message, _REQUEST_TYPES):
            return message, p.Error(reply_to=getattr(message, "id", None), code="bad_request",
                                    message=f"A {message.TYPE} message is not a request the "
                                            "engine answers.")
        request_id: str = message.id
        try:
            data = self._answer(message)
        except _Refused as refused:
            return message, p.Error(reply_to=request_id, code=refused.code,
                                    message=refused.message, hint=refused.hint)
        return message, p.Ok(reply_to=request_id, data=data)

    def _answer(self, message: p.Message) -> dict[str, Any]:
        store, scheduler = self.store, self.scheduler
        assert store is not None and scheduler is not None
        if isinstance(message, p.Submit):
            return self._submit(message)
        if isinstance(message, p.Cancel):
            self._known(message.job_id)
            try:
                state = scheduler.cancel_now(message.job_id)
            except JobError as exc:
                raise _Refused("cannot_cancel", str(exc)) from None
            if state == "cancelling":
                self._spawn(scheduler.cancel_running(message.job_id))
            return {"state": state}
        if isinstance(message, p.ListJobs):
            cluster = scheduler.cluster_state
            return {"jobs": [_job_dict(job) for job in store.list()],
                    **({"cluster": cluster} if cluster is not None else {})}
        if isinstance(message, p.GetJob):
            return {"job": _job_dict(self._known(message.job_id))}
        if isinstance(message, p.Subscribe):
            return {"last_seq": store.last_seq()}
        if isinstance(message, p.ListModels):
            total = scheduler.vram.get("vram_total")
            return {"models": [model_record(model, total if isinstance(total, int) else None)
                               for model in list_models()]}
        if isinstance(message, p.AddLora):
            return {"lora": _add_lora(message)}
        if isinstance(message, (p.Reorder, p.Remove)):
            try:
                if isinstance(message, p.Reorder):
                    store.reorder(message.job_ids)
                else:
                    self._known(message.job_id)
                    store.remove(message.job_id)
            except JobError as exc:
                raise _Refused("bad_request", str(exc)) from None
            self.notifier.notify()
            return {}
        return {}  # shutdown: answered first, then the connection handler stops the engine

    def _known(self, job_id: str) -> Any:
        assert self.store is not None
        job = self.store.get(job_id)
        if job is None:
            raise _Refused("unknown_job", f"There is no job with id {job_id!r}.",
                           "List the jobs to see their ids.")
        return job

    def _submit(self, message: p.Submit) -> dict[str, Any]:
        assert self.store is not None and self.scheduler is not None
        request, operation = message.request, message.operation
        # The prompt policy comes first: a refused prompt is never queued, whatever else it asks.
        prompts = [request.prompt, *(cue.prompt for cue in operation.cues)] if operation else [
            request.prompt]
        for prompt in prompts:
            refused = policy.refusal(prompt, request.negative_prompt)
            if refused is not None:
                raise _Refused(*refused)
        try:
            model = find_model(request.model_id)
        except ModelError as exc:
            raise _Refused("unknown_model", str(exc),
                           "Download or import the model, or pick one from the list.") from None
        refused = self.scheduler.refusal(request.model_id)
        if refused is not None:
            raise _Refused(*refused)
        notes: list[str] = []
        if operation is None:  # an operation's windows are fitted when the worker plans them
            try:
                _, notes = fit_request(request, model.constraints)
            except RequestError as exc:
                raise _Refused("bad_request", str(exc)) from None
        for path in [pin.path for pin in request.pins] + list(operation.clips if operation else ()):
            if not Path(path).is_file():
                raise _Refused("missing_media", f"The file {path} does not exist.",
                               "Relink or re-import it, then submit again.")
        payload = request.to_dict()
        if operation is not None:
            payload[OPERATION_KEY] = operation.to_dict()
        try:
            job, created = self.store.submit(message.job_id, payload,
                                             requeue_if_interrupted=message.requeue_if_interrupted)
        except JobError as exc:
            raise _Refused("job_conflict", str(exc), "Use a new job id.") from None
        if created:
            self.notifier.notify()
            self.scheduler.wake()
        return {"job": _job_dict(job), "created": created, "notes": notes}

    async def _stream(self, since_seq: int, send: Callable[[p.Message], Any]) -> None:
        """Send every logged event after ``since_seq``, then live ones, with heartbeats."""
        assert self.store is not None and self.scheduler is not None
        cursor = since_seq
        loop = asyncio.get_running_loop()
        next_beat = loop.time()
        while True:
            waiter = self.notifier.waiter()
            events = self.store.events_since(cursor, EVENT_BATCH)
            for event in events:
                if event.type in p.REGISTRY:
                    await send(event_message(event))
                cursor = event.seq
            if len(events) == EVENT_BATCH:
                continue
            if loop.time() >= next_beat:
                await send(p.Heartbeat(seq=cursor, busy=self.scheduler.busy,
                                       queue_length=len(self.store.list(["queued"])),
                                       cluster=self.scheduler.cluster_state,
                                       **self.scheduler.vram))
                next_beat = loop.time() + self.heartbeat_s
            # asyncio.timeout rather than wait_for: on Python 3.11 wait_for can swallow the
            # cancellation stop() sends, and the stream then reads a store that is closed.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, next_beat - loop.time())):
                    await waiter.wait()


class _Refused(Exception):
    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def _sender(writer: asyncio.StreamWriter) -> Callable[[p.Message], Any]:
    lock = asyncio.Lock()

    async def send(message: p.Message) -> None:
        async with lock:  # replies and events share the stream; one whole line at a time
            writer.write(p.encode(message))
            await writer.drain()

    return send


def serve(*, heartbeat_s: float = 2.0, cancel_grace_s: float = 10.0,
          preview_every_s: float = 2.0, version: str = "0.0.0",
          parent_pid: int | None = None, cluster: Mapping[str, Any] | None = None) -> int:
    """Run the engine until shutdown, SIGTERM or SIGINT; returns the exit status.

    ``cluster`` runs the jobs on a Ray cluster (see :class:`EngineServer`). Every expected
    failure is one line on stderr and status 2.
    """
    async def main() -> int:
        log = tee_stderr()
        server = EngineServer(heartbeat_s=heartbeat_s, cancel_grace_s=cancel_grace_s,
                              preview_every_s=preview_every_s, version=version,
                              parent_pid=parent_pid, cluster=cluster)
        try:
            await server.start()
        except (EndpointError, JobError, ClusterError) as exc:
            print(f"frameloom-engine: {exc}", file=sys.stderr)
            return 2
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
                loop.add_signal_handler(signum, lambda: loop.create_task(server.stop()))
        where = (f"{p.LOOPBACK} port {p.read_port(server.endpoint.folder)}" if p.use_tcp()
                 else str(server.endpoint.socket))
        print(f"frameloom-engine: serving on {where} (pid {os.getpid()}); log in {log}",
              file=sys.stderr, flush=True)
        await server.wait_stopped()
        return 0

    return asyncio.run(main())
