"""``frameloom-engine`` against a real engine: status, submit --wait, jobs, cancel; and generate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import av

from engine.output.video import read_settings
from engine_harness import TINY, Engine

FLAGS = ["--model", TINY, "--width", "32", "--height", "32", "--frames", "9", "--steps", "2"]


def cli(engine_home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FRAMELOOM_HOME": str(engine_home), "FRAMELOOM_ENGINE_FAULTS": "1",
           "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def test_status_submit_wait_and_jobs(engine: Engine, tmp_path: Path) -> None:
    status = cli(engine.home, "status")
    assert status.returncode == 0 and "is running" in status.stdout
    job_id = f"cli-{uuid.uuid4().hex[:6]}"
    out = tmp_path / "take.mp4"
    done = cli(engine.home, "submit", *FLAGS, "--prompt", "a red circle", "--id", job_id,
               "--wait", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out) and "step 2/2" in done.stderr
    assert read_settings(out)["prompt"] == "a red circle"
    listed = json.loads(cli(engine.home, "jobs", "--json").stdout)
    assert {"id": job_id, "state": "done"}.items() <= next(
        j for j in listed if j["id"] == job_id).items()
    table = cli(engine.home, "jobs").stdout.splitlines()
    assert table[0].startswith("ID ") and any(line.startswith(job_id) for line in table[1:])


def test_submit_wait_exits_non_zero_when_the_job_fails(engine: Engine) -> None:
    failed = cli(engine.home, "submit", *FLAGS, "--prompt", "[fault oom_attempts=2] x", "--wait")
    assert failed.returncode == 1
    assert "ran out of memory" in failed.stderr and "Lower the size" in failed.stderr


def test_refusals_are_one_sentence_and_exit_2(engine: Engine) -> None:
    unknown = cli(engine.home, "cancel", "no-such-job")
    assert unknown.returncode == 2
    assert unknown.stderr == ("frameloom-engine: There is no job with id 'no-such-job'. "
                              "List the jobs to see their ids.\n")
    bad = cli(engine.home, "submit", *FLAGS[:2], "--prompt", "x", "--steps", "0")
    assert bad.returncode == 2 and bad.stderr.startswith("frameloom-engine: --steps must be")


def test_commands_without_an_engine(tmp_path: Path) -> None:
    status = cli(tmp_path, "status")
    assert status.returncode == 3 and "not running" in status.stdout
    jobs = cli(tmp_path, "jobs")
    assert jobs.returncode == 0 and jobs.stdout == "No jobs.\n"
    assert "frameloom-engine serve" in jobs.stderr


def _state(engine: Engine, job_id: str) -> str:
    jobs = json.loads(cli(engine.home, "jobs", "--json").stdout)
    return str(next(j["state"] for j in jobs if j["id"] == job_id))


def test_retry_queues_a_cancelled_jobs_request_under_a_new_id(engine: Engine,
                                                              tmp_path: Path) -> None:
    job_id = f"slow-{uuid.uuid4().hex[:6]}"
    prompt = "[fault sleep_per_step_ms=1500] a slow green square"
    queued = cli(engine.home, "submit", *FLAGS, "--prompt", prompt, "--id", job_id)
    assert queued.returncode == 0, queued.stderr
    assert cli(engine.home, "cancel", job_id).returncode == 0
    deadline = time.monotonic() + 60
    while _state(engine, job_id) != "cancelled":
        assert time.monotonic() < deadline, "the cancelled job did not end"
        time.sleep(0.5)
    done_already = cli(engine.home, "retry", "no-such-job")
    assert done_already.returncode == 2 and "There is no job with id" in done_already.stderr
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "again.mp4"
    again = cli(engine.home, "retry", job_id, "--wait", "-o", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == str(out) and f"retries job {job_id}" in again.stderr
    assert [p.name for p in out.parent.iterdir()] == ["again.mp4"]
    assert read_settings(out)["prompt"] == prompt
    jobs = {j["id"]: j for j in json.loads(cli(engine.home, "jobs", "--json").stdout)}
    assert jobs[job_id]["state"] == "cancelled"
    retried = [j for j in jobs.values() if j["request"]["prompt"] == prompt and j["id"] != job_id]
    assert len(retried) == 1 and retried[0]["state"] == "done"
    finished = cli(engine.home, "retry", retried[0]["id"], "--wait", "-o",
                   str(tmp_path / "out" / "twice.mp4"))
    assert finished.returncode == 2 and finished.stderr == (
        f"frameloom-engine: Job {retried[0]['id']} is done; only a failed, cancelled or "
        "interrupted job can be retried.\n")
    assert [p.name for p in out.parent.iterdir()] == ["again.mp4"]


def test_generate_runs_in_process_with_a_progress_bar(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "here.mp4"
    pin = tmp_path / "still.png"
    from PIL import Image

    Image.new("RGB", (48, 40), (50, 90, 220)).save(pin)
    result = cli(engine.home, "generate", *FLAGS, "--prompt", "a blue square", "--width", "40",
                 "--pin", f"{pin}@0", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "step 2/2" in result.stderr and "width 40 became 32" in result.stderr
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 9
    settings = read_settings(out)
    assert settings["pins"][0]["path"] == str(pin) and settings["width"] == 32


def test_generate_failure_is_one_sentence(tmp_path: Path) -> None:
    result = cli(tmp_path, "generate", *FLAGS, "--prompt", "x", "-o", str(tmp_path / "o.mp4"))
    assert result.returncode == 2  # an unknown model is an input error, as for submit
    assert result.stderr.strip().startswith("frameloom-engine: There is no model called")
    assert not (tmp_path / "o.mp4").exists()


def test_submit_wait_runs_an_operation_on_the_engine(engine: Engine, tmp_path: Path) -> None:
    import numpy as np

    from engine.output.video import write_video

    source = write_video(np.full((9, 32, 32, 3), 90, np.uint8), 24, tmp_path / "source.mp4")
    out = tmp_path / "take.mp4"
    done = cli(engine.home, "submit", *FLAGS, "--prompt", "a bar moves", "--wait",
               "--extend-forward", str(source), "--frames", "8", "-o", str(out))
    assert done.returncode == 0, done.stderr
    take, joined = done.stdout.split()
    assert take == str(out) and joined.endswith("-joined.mp4")
    with av.open(take) as container:
        assert sum(1 for _ in container.decode(video=0)) == 8
    assert read_settings(out)["spec"]["kind"] == "extend_forward"
