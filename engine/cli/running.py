"""The ``frameloom-engine`` commands that talk to a running engine: status, jobs, submit..."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from engine import protocol as p
from engine.cli.client import Control, ControlError
from engine.cli.exits import DONE, FAILED, NO_ENGINE, USAGE, check_output
from engine.cli.progress import StepBar
from engine.protocol.requests import OPERATION_KEY

PROMPT_WIDTH = 40
RETRYABLE = ("failed", "cancelled", "interrupted")
_HEADER = f"{'ID':<14} {'STATE':<11} {'STEP':<7} {'PROMPT':<{PROMPT_WIDTH + 2}} OUTPUT OR ERROR"


def _line(job: dict[str, Any]) -> str:
    running = job["state"] == "running" and job["total"]
    progress = f"{job['step']}/{job['total']}" if running else "-"
    detail = f"{job['error_message']}" if job["error_message"] else ""
    outputs = f"{job['outputs'][0]}" if job["outputs"] else ""
    prompt = " ".join(str(job["request"].get("prompt", "")).split())
    if len(prompt) > PROMPT_WIDTH:
        prompt = prompt[:PROMPT_WIDTH - 1] + "…"
    quoted = f'"{prompt}"'
    return (f"{job['id']:<14} {job['state']:<11} {progress:<7} "
            f"{quoted:<{PROMPT_WIDTH + 2}} {outputs or detail}").rstrip()


def status() -> int:
    """Say whether the engine runs and what it is doing; 3 when it is not running."""
    try:
        with Control(timeout=10) as control:
            reply = control.request(p.ListJobs(id=control.next_id()))
            version = control.hello.get("engine_version")
    except ControlError as exc:
        if exc.code != "unavailable":
            raise
        print("The engine is not running; start it with `frameloom-engine serve`.")
        return NO_ENGINE
    jobs = reply["jobs"]
    running = [j for j in jobs if j["state"] == "running"]
    queued = sum(j["state"] == "queued" for j in jobs)
    doing = f"running {running[0]['id']}" if running else "idle"
    where = p.endpoint_file(p.default_runtime_dir())
    print(f"The engine {version} is running ({where}): {doing}, {queued} job(s) queued.")
    if reply.get("cluster") == "unreachable":
        print(f"Cluster: unreachable, {queued} job(s) waiting for its head to answer again.")
    elif reply.get("cluster"):
        print(f"Cluster: {reply['cluster']}.")
    return 0


def _saved_jobs() -> list[dict[str, Any]]:
    """The jobs in the job store the engine left, read without an engine (none if no store)."""
    import dataclasses

    from engine.jobs.store import JobStore
    from engine.paths import data_dir

    path = data_dir() / "jobs.sqlite3"
    if not path.is_file():
        return []
    with JobStore(path) as store:
        return [dataclasses.asdict(job) for job in store.list()]


def jobs(*, as_json: bool) -> int:
    """Print every job, running and queued first; the saved queue when the engine is down."""
    try:
        with Control() as control:
            found = control.request(p.ListJobs(id=control.next_id()))["jobs"]
    except ControlError as exc:
        if exc.code != "unavailable":
            raise
        found = _saved_jobs()
        print("frameloom-engine: note: the engine is not running; these are the jobs it saved "
              "(start it with `frameloom-engine serve` to run the queued ones).", file=sys.stderr)
    if as_json:
        print(json.dumps(found, indent=2, sort_keys=True))
    elif found:
        print(_HEADER)
        for job in found:
            print(_line(job))
    else:
        print("No jobs.")
    return DONE


def cancel(job_id: str) -> int:
    """Cancel one job."""
    with Control() as control:
        state = control.request(p.Cancel(id=control.next_id(), job_id=job_id))["state"]
    print(f"Job {job_id} is {state}.")
    return 0


def stop() -> int:
    """Ask the engine to shut down; a running job is marked interrupted."""
    with Control() as control:
        control.request(p.Shutdown(id=control.next_id()))
    print("The engine is stopping.")
    return 0


def submit(request: p.GenerationRequest, job_id: str, *, wait: bool, output: str | None,
           operation: p.OperationSpec | None = None) -> int:
    """Queue a job; with ``wait``, show its progress and exit 1 if it does not finish done.

    With ``output`` the take is copied there; an operation's joined file stays in the engine's
    outputs folder and its path is printed after the take's.
    """
    target = check_output(output) if output else None  # before anything is queued
    with Control(timeout=None if wait else 30) as control:
        since = control.hello["last_seq"]
        reply = control.request(p.Submit(id=control.next_id(), job_id=job_id, request=request,
                                         operation=operation))
        for note in reply["notes"]:
            print(f"note: {note}", file=sys.stderr)
        print(f"Job {job_id} is {reply['job']['state']}.", file=sys.stderr)
        if not wait:
            return 0
        if reply["job"]["state"] not in ("queued", "running"):
            end: p.Message | None = None
            job = reply["job"]
        else:
            end = _follow(control, job_id, since)
            job = control.request(p.GetJob(id=control.next_id(), job_id=job_id))["job"]
    if job["state"] != "done":
        message = job["error_message"] or f"Job {job_id} ended {job['state']}."
        print(f"frameloom-engine: {message} {job['error_hint'] or ''}".rstrip(), file=sys.stderr)
        return FAILED
    result, *others = job["outputs"]
    if target is not None:
        _copy(Path(result), target)
        result = str(output)
    for path in (result, *others):
        print(path)
    return DONE if end is None or isinstance(end, p.Done) else FAILED


def _copy(source: Path, target: Path) -> None:
    """Copy under a temporary name, then rename: a failed copy leaves nothing at ``target``."""
    temporary = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def retry(job_id: str, new_id: str, *, wait: bool, output: str | None) -> int:
    """Queue a failed, cancelled or interrupted job's request (and operation) again as ``new_id``.

    Reads the job with ``GetJob`` and sends its request with ``Submit``, as ``submit`` does.
    """
    with Control() as control:
        job = control.request(p.GetJob(id=control.next_id(), job_id=job_id))["job"]
    if job["state"] not in RETRYABLE:
        print(f"frameloom-engine: Job {job_id} is {job['state']}; only a failed, cancelled or "
              "interrupted job can be retried.", file=sys.stderr)
        return USAGE
    data = dict(job["request"])
    spec = data.pop(OPERATION_KEY, None)
    request = p.GenerationRequest.from_dict(data)
    operation = p.OperationSpec.from_dict(spec) if spec is not None else None
    print(f"Job {new_id} retries job {job_id}.", file=sys.stderr)
    return submit(request, new_id, wait=wait, output=output, operation=operation)


def _follow(control: Control, job_id: str, since: int) -> p.Message:
    """Print a job's progress until its last event, which is returned."""
    bar = StepBar()
    try:
        for event in control.events(since):
            if getattr(event, "job_id", None) != job_id:
                continue
            if isinstance(event, p.Progress):
                bar.update(event.step, event.total, event.eta_s)
            elif isinstance(event, (p.Done, p.Failed, p.Cancelled, p.Interrupted)):
                return event
    finally:
        bar.close()
    raise ControlError("The engine closed the connection.")
