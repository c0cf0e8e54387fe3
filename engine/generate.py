"""``frameloom-engine generate``: run one request in this process, with a progress bar, to an MP4."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.faults import Faults
from engine.requests import GenerationRequest


def add_generate_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of ``generate`` beyond the request's own (operations arrive with the planner)."""


def run_generate(args: argparse.Namespace, request: GenerationRequest) -> int:
    """Run ``frameloom-engine generate`` for parsed arguments and the request they describe."""
    return generate_here(request, args.output)


def generate_here(request: GenerationRequest, output: str | None) -> int:
    """Generate ``request`` with the same code the worker runs; prints the output path.

    Returns
    -------
    int
        0 when the MP4 is written, 1 when the job failed (its sentence and hint on stderr).
    """
    from engine.worker import Worker

    target = Path(output or f"frameloom-{request.seed}.mp4").expanduser().resolve()
    outcome: dict[str, Any] = {}

    def report(message: dict[str, Any]) -> None:
        kind = message["ev"]
        if kind == "progress":
            done = message["step"] * 30 // message["total"]
            eta = message["eta_s"]
            left = f" {eta:.0f} s left" if eta is not None else ""
            print(f"\r[{'#' * done}{'.' * (30 - done)}] step {message['step']}/"
                  f"{message['total']}{left}   ", end="", file=sys.stderr, flush=True)
        elif kind in ("done", "failed", "cancelled"):
            outcome.update(message)

    worker = Worker(report, Faults.from_env())
    worker.run({"job_id": "generate", "request": request.to_dict(), "output": str(target),
                "preview_every_s": float("inf")})
    print(file=sys.stderr)
    if outcome.get("ev") != "done":
        hint = outcome.get("hint") or ""
        print(f"frameloom-engine: {outcome.get('message', 'The job did not finish.')} {hint}"
              .rstrip(), file=sys.stderr)
        return 1
    for note in outcome["settings"].get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    print(target)
    return 0
