"""The worker: a child process of the server that keeps pipelines loaded and runs one job at a time.

It talks to the server in JSON lines: commands on stdin, reports on the process's original
stdout (which is then pointed at stderr, so a library's stray ``print`` cannot corrupt the
channel). Commands: ``run`` (job_id, request, output, preview_every_s and, from a cluster actor
running on copies of the pinned files, ``originals``: copy path -> the pin's own path, which the
take records), ``cancel`` (job_id) and ``exit``. Reports: ``ready``, ``progress``, ``preview``,
``done``, ``failed``, ``cancelled``.
When stdin closes the server is gone, and the worker exits at once, even in the middle of a step.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import numpy as np

from engine import policy
from engine.backends import BackendError
from engine.backends.cache import PipelineCache, free_memory, is_out_of_memory, memory_info
from engine.models.installed import ModelError, ModelInfo, find_model
from engine.models.licences import licence_record
from engine.output.record import provenance
from engine.output.video import OutputError, write_video
from engine.paths import cache_dir, log_path
from engine.protocol.drafts import draft_of, draft_record
from engine.protocol.files import atomic_output
from engine.protocol.requests import (
    OPERATION_KEY,
    GenerationRequest,
    OperationSpec,
    RequestError,
    fit_request,
)
from engine.worker.faults import Faults
from engine.worker.operations import OperationFailure, run_operation_job

__all__ = ["JobCancelled", "JobFailure", "Worker", "main"]

_T = TypeVar("_T")


class JobCancelled(Exception):
    """Raised from the step callback when the job's cancel flag is set."""


class JobFailure(Exception):
    """A job that cannot finish, with a code, one readable sentence and a hint."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def preview_path(job_id: str, step: int) -> Path:
    """Where a job's preview at ``step`` is written, in the engine's cache (deletable any time)."""
    key = hashlib.sha1(job_id.encode()).hexdigest()[:16]
    folder = cache_dir() / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}-{step:04d}.jpg"


class Worker:
    """Runs jobs sent by the server; ``send`` writes one report (a JSON-ready dict).

    Parameters
    ----------
    send
        Writes one report to the server.
    faults
        Test-only fault injection, off unless the engine was started with it.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None], faults: Faults) -> None:
        self.send = send
        self.faults = faults
        self._cache: PipelineCache | None = None
        self._lock = threading.Lock()
        self._cancelled: set[str] = set()

    @property
    def cache(self) -> PipelineCache:
        """The loaded pipelines; created on first use, since that imports torch (seconds)."""
        if self._cache is None:
            self._cache = PipelineCache()
        return self._cache

    def request_cancel(self, job_id: str) -> None:
        """Set a job's cancel flag; called from the command thread, read at every step."""
        with self._lock:
            self._cancelled.add(job_id)

    def _is_cancelled(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._cancelled

    def run(self, command: dict[str, Any]) -> None:
        """Run one job and send exactly one of ``done``, ``failed`` or ``cancelled`` for it."""
        job_id = str(command.get("job_id"))
        try:
            outputs, settings, timings = self._run(job_id, command)
        except JobCancelled:
            self.send({"ev": "cancelled", "job_id": job_id})
        except JobFailure as failure:
            self.send({"ev": "failed", "job_id": job_id, "code": failure.code,
                       "message": failure.message, "hint": failure.hint})
        except Exception as exc:  # a bug or a library error: one sentence out, traceback to the log
            traceback.print_exc()
            self.send({"ev": "failed", "job_id": job_id, "code": "internal",
                       "message": f"The job failed with an unexpected error: "
                                  f"{type(exc).__name__}: {str(exc)[:300]}",
                       "hint": f"See the engine log ({log_path()}) for details, and try "
                               "again."})
        else:
            self.send({"ev": "done", "job_id": job_id, "outputs": outputs, "settings": settings,
                       "timings": timings, **memory_info()})
        finally:
            with self._lock:
                self._cancelled.discard(job_id)

    def _run(self, job_id: str, command: dict[str, Any]
             ) -> tuple[list[str], dict[str, Any], dict[str, float]]:
        started = time.perf_counter()
        try:
            data = dict(command.get("request") or {})
            spec = data.pop(OPERATION_KEY, None)
            request = GenerationRequest.from_dict(data)
            operation = OperationSpec.from_dict(spec) if spec is not None else None
            # Checked here too, before anything loads, so in-process ``generate`` obeys it.
            for prompt in (request.prompt, *(c.prompt for c in (operation.cues if operation
                                                                  else ()))):
                refused = policy.refusal(prompt, request.negative_prompt)
                if refused is not None:
                    raise JobFailure(*refused)
            info = find_model(request.model_id)
            if operation is not None:
                return self._run_operation(job_id, command, request, operation, info)
            fitted, notes = fit_request(request, info.constraints)
        except ModelError as exc:
            raise JobFailure("unknown_model", str(exc),
                             "Download or import the model, or pick an installed one.") from None
        except RequestError as exc:
            raise JobFailure("bad_request", str(exc),
                             "Change the request and submit it again.") from None
        for pin in fitted.pins:
            if not Path(pin.path).is_file():
                raise JobFailure("missing_media", f"The pinned file {pin.path} does not exist.",
                                 "Relink or re-import it, then submit the job again.")
        output = Path(str(command.get("output")))
        preview_every = float(command.get("preview_every_s", 2.0))
        # A draft records the full settings it stands for (its final) and how it ran.
        run, draft_notes = draft_of(fitted, info.constraints) if fitted.draft else (fitted, [])
        frames, profile, timings = self._generate(job_id, info, run, preview_every)
        settings = {**fitted.to_dict(), "model_family": info.family, "memory_profile": profile,
                    "device": self.cache.device, "notes": notes + draft_notes,
                    **provenance(fitted, info.path), **licence_record(fitted.model_id)}
        if fitted.draft:
            settings["draft_run"] = draft_record(run, self.cache.get(info, profile).draft_cache())
        # A cluster node runs on copies of the pinned files; the take records the originals.
        originals: dict[str, str] = dict(command.get("originals") or {})
        for pin in settings["pins"]:
            pin["path"] = originals.get(pin["path"], pin["path"])
        encode_start = time.perf_counter()
        try:
            write_video(frames, fitted.fps, output, settings)
        except OutputError as exc:
            raise JobFailure("output_failed", str(exc),
                             "Check that the disk has free space, then try again.") from None
        timings["encode_s"] = time.perf_counter() - encode_start
        timings["total_s"] = time.perf_counter() - started
        return [str(output)], settings, timings

    def _run_operation(self, job_id: str, command: dict[str, Any], request: GenerationRequest,
                       operation: OperationSpec, info: ModelInfo
                       ) -> tuple[list[str], dict[str, Any], dict[str, float]]:
        """An extend, bridge, loop or long shot: planned, run window by window, take + joined.

        Out of memory runs the whole operation once more with the next cheaper memory profile
        (its windows pin each other, so a half-done chain is not resumed), then fails with a
        hint, as a plain job does.
        """
        faults = self.faults.for_prompt(request.prompt)
        preview_every = float(command.get("preview_every_s", 2.0))

        def run(profile: str, attempt: int) -> tuple[list[str], dict[str, Any], dict[str, float]]:
            on_step = self._step_callback(job_id, attempt, faults, preview_every,
                                          time.perf_counter())
            try:
                return run_operation_job(request, operation, info, self.cache, on_step,
                                         Path(str(command.get("output"))), profile=profile,
                                         originals=command.get("originals"))
            except OperationFailure as exc:
                raise JobFailure(exc.code, exc.message, exc.hint) from None

        return self._cheaper_on_out_of_memory(job_id, info, request.profile, run, lambda profile: (
            f"The GPU ran out of memory during the operation, also with the {profile!r} "
            "memory profile.",
            f"Lower the size (now {request.width}x{request.height}) or the length (now "
            f"{operation.frames} frames), or close other programs using the GPU."))

    def _unload_if_out_of_memory(self, exc: Exception) -> None:
        """Re-raise anything but out-of-memory; for that, unload every pipeline and free memory."""
        if not is_out_of_memory(exc):
            raise exc
        self.cache.clear()
        free_memory()

    def _cheaper_on_out_of_memory(self, job_id: str, info: ModelInfo, asked: str,
                                  run: Callable[[str, int], _T],
                                  failure: Callable[[str], tuple[str, str]]) -> _T:
        """``run(profile, attempt)`` with the profile ``asked`` for (or, ``auto``, the model's
        first); if it runs out of memory, free everything and run once more with the next
        cheaper one, then fail with ``failure(profile)`` = (message, hint)."""
        try:
            profile = self.cache.first_profile(info, asked)
        except BackendError as exc:
            raise JobFailure(exc.code, exc.message, exc.hint) from None
        for attempt in (1, 2):
            try:
                return run(profile, attempt)
            except BackendError as exc:
                raise JobFailure(exc.code, exc.message, exc.hint) from None
            except Exception as exc:
                self._unload_if_out_of_memory(exc)
                cheaper = self.cache.next_profile(profile)
                if attempt == 2 or cheaper is None:
                    message, hint = failure(profile)
                    raise JobFailure("out_of_memory", message, hint) from None
                print(f"frameloom-engine: job {job_id} ran out of memory with the {profile!r} "
                      f"profile; retrying with {cheaper!r}.", file=sys.stderr, flush=True)
                profile = cheaper
        raise AssertionError("unreachable")

    def _generate(self, job_id: str, info: ModelInfo, request: GenerationRequest,
                  preview_every: float) -> tuple[np.ndarray, str, dict[str, float]]:
        """Load (or reuse) the pipeline and denoise; on out-of-memory, retry once more cheaply."""
        faults = self.faults.for_prompt(request.prompt)

        def run(profile: str, attempt: int) -> tuple[np.ndarray, str, dict[str, float]]:
            load_start = time.perf_counter()
            backend = self.cache.get(info, profile)
            loaded = time.perf_counter()
            on_step = self._step_callback(job_id, attempt, faults, preview_every, loaded)
            frames = backend.generate(request, on_step)
            return frames, profile, {"load_s": loaded - load_start,
                                     "generate_s": time.perf_counter() - loaded}

        return self._cheaper_on_out_of_memory(job_id, info, request.profile, run, lambda profile: (
            f"The GPU ran out of memory, also with the {profile!r} memory profile.",
            f"Lower the size (now {request.width}x{request.height}) or the frame count (now "
            f"{request.frames}), or close other programs using the GPU."))

    def _step_callback(self, job_id: str, attempt: int, faults: dict[str, int],
                       preview_every: float, started: float
                       ) -> Callable[[int, int, Callable[[], np.ndarray] | None], None]:
        last_preview = [-float("inf")]

        def on_step(step: int, total: int, preview: Callable[[], np.ndarray] | None) -> None:
            self.faults.inject(faults, step, attempt)
            if self._is_cancelled(job_id):
                raise JobCancelled(job_id)
            now = time.perf_counter()
            eta = (now - started) / step * (total - step) if step else None
            self.send({"ev": "progress", "job_id": job_id, "step": step, "total": total,
                       "eta_s": eta})
            if preview is not None and now - last_preview[0] >= preview_every:
                last_preview[0] = now
                path = preview_path(job_id, step)
                _save_jpeg(preview(), path)
                self.send({"ev": "preview", "job_id": job_id, "step": step, "path": str(path)})

        return on_step


def _save_jpeg(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    with atomic_output(path) as temp:  # a reader never sees half a JPEG
        Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).save(temp, "JPEG",
                                                                          quality=80)


def _read_commands(stream: BinaryIO, worker: Worker, jobs: queue.Queue[dict[str, Any] | None]
                   ) -> None:
    """Route commands: cancel at once (the main thread is busy in a step), runs to the queue."""
    for line in stream:
        try:
            command = json.loads(line)
        except ValueError:
            print(f"frameloom-engine worker: ignored a malformed command {line[:80]!r}",
                  file=sys.stderr, flush=True)
            continue
        op = command.get("op")
        if op == "cancel":
            worker.request_cancel(str(command.get("job_id")))
        elif op == "run":
            jobs.put(command)
        elif op == "exit":
            jobs.put(None)
            return
    # stdin closed: the server died or killed us; nothing will read our results, so stop now.
    os._exit(0)


def main() -> int:
    """Serve commands until ``exit`` or until the server goes away."""
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    write_lock = threading.Lock()

    def send(report: dict[str, Any]) -> None:
        line = json.dumps(report, allow_nan=False).encode() + b"\n"
        with write_lock:
            channel.write(line)

    worker = Worker(send, Faults.from_env())
    jobs: queue.Queue[dict[str, Any] | None] = queue.Queue()
    threading.Thread(target=_read_commands, args=(sys.stdin.buffer, worker, jobs),
                     daemon=True, name="worker-commands").start()
    send({"ev": "ready", "pid": os.getpid(), "device": worker.cache.device, **memory_info()})
    while (command := jobs.get()) is not None:
        worker.run(command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
