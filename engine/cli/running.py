"""The ``frameloom-engine`` commands that talk to a running engine: status, jobs, submit..."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from engine import protocol as p
from engine.cli.client import Control, ControlError
from engine.cli.progress import StepBar


def _line(job: dict[str, Any]) -> str:
    running = job["state"] == "running" and job["total"]
    progress = f" {job['step']}/{job['total']}" if running else ""
    detail = f"  {job['error_message']}" if job["error_message"] else ""
    outputs = f"  {job['outputs'][0]}" if job["outputs"] else ""
    prompt = job["request"].get("prompt", "")[:40]
    return f"{job['id']:<14} {job['state']:<11}{progress:<8} {prompt!r}{outputs}{detail}"


def status() -> int:
    """Say whether the engine runs and what it is doing; 1 when it is not running."""
    try:
        with Control(timeout=10) as control:
            jobs = control.request(p.ListJobs(id=control.next_id()))["jobs"]
            version = control.hello.get("engine_version")
    except ControlError as exc:
        if exc.code != "unavailable":
            raise
        print("The engine is not running; start it with `frameloom-engine serve`.")
        return 1
    running = [j for j in jobs if j["state"] == "running"]
    queued = sum(j["state"] == "queued" for j in jobs)
    doing = f"running {running[0]['id']}" if running else "idle"
    where = p.endpoint_file(p.default_runtime_dir())
    print(f"The engine {version} is running ({where}): {doing}, {queued} job(s) queued.")
    return 0


def jobs(*, as_json: bool) -> int:
    """Print every job, running and queued first."""
    with Control() as control:
        found = control.request(p.ListJobs(id=control.next_id()))["jobs"]
    if as_json:
        print(json.dumps(found, indent=2, sort_keys=True))
    else:
        for job in found:
            print(_line(job))
        if not found:
            print("No jobs.")
    return 0


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
        return 1
    result, *others = job["outputs"]
    if output:
        shutil.copyfile(result, Path(output))
        result = output
    for path in (result, *others):
        print(path)
    return 0 if end is None or isinstance(end, p.Done) else 1


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
