"""Draft jobs through a real engine: ``submit --draft`` and ``jobs --json`` show the draft label,
its full settings and how it ran, for a plain job and an operation alike."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
from test_server_cli import cli

from engine.output.video import write_video
from engine_harness import TINY, Engine

FLAGS = ["--model", TINY, "--width", "64", "--height", "64", "--frames", "9", "--steps", "4",
         "--prompt", "a paper boat", "--draft"]


def _job(engine: Engine, job_id: str) -> dict[str, object]:
    listed = json.loads(cli(engine.home, "jobs", "--json").stdout)
    found: dict[str, object] = next(job for job in listed if job["id"] == job_id)
    return found


def test_a_draft_job_is_labelled_in_its_record_and_in_jobs_json(engine: Engine,
                                                                tmp_path: Path) -> None:
    job_id = f"draft-{uuid.uuid4().hex[:6]}"
    done = cli(engine.home, "submit", *FLAGS, "--id", job_id, "--wait")
    assert done.returncode == 0, done.stderr
    job = _job(engine, job_id)
    request, settings = job["request"], job["settings"]
    assert isinstance(request, dict) and isinstance(settings, dict)
    assert request["draft"] is True and settings["draft"] is True
    assert (settings["width"], settings["height"], settings["steps"]) == (64, 64, 4)
    run = settings["draft_run"]
    assert (run["width"], run["height"], run["steps"]) == (32, 32, 2)
    assert run["step_cache"].startswith("TaylorSeer")


def test_a_draft_operation_job_records_how_its_windows_ran(engine: Engine,
                                                          tmp_path: Path) -> None:
    source = tmp_path / "source.mp4"
    write_video(np.stack([np.full((64, 64, 3), 9 * i, np.uint8) for i in range(17)]), 24,
                source)
    job_id = f"draft-op-{uuid.uuid4().hex[:6]}"
    done = cli(engine.home, "submit", *FLAGS, "--extend-forward", str(source), "--id", job_id,
               "--wait")
    assert done.returncode == 0, done.stderr
    settings = _job(engine, job_id)["settings"]
    assert isinstance(settings, dict)
    assert settings["base"]["draft"] is True and settings["base"]["width"] == 64
    assert settings["draft_run"]["width"] == 32
    assert all(window["request"]["width"] == 32 for window in settings["windows"])
