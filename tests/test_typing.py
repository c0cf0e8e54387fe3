"""The modules STYLE.md names type-check under ``mypy --strict``: the document layer, the engine
protocol, job store, model catalog, backends and service, and the studio's engine link."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

STRICT = {
    "document": ["studio/document"],
    "engine protocol": ["engine/protocol.py", "engine/requests.py", "engine/fields.py"],
    "engine job store": ["engine/jobs.py", "engine/job_records.py", "engine/paths.py"],
    "engine models": ["engine/models.py", "engine/backends"],
    "engine model store": ["engine/catalog.py", "engine/model_store.py", "engine/model_files.py"],
    "engine planner": ["engine/plan.py", "engine/colour.py", "engine/operations.py"],
    "engine link": ["studio/engine_link"],
    "studio undo commands": ["studio/ui/commands.py", "studio/ui/undo.py"],
    "provenance and prompt policy": ["studio/provenance", "engine/policy.py",
                                     "studio/settings.py"],
    "engine service": ["engine/server.py", "engine/scheduler.py", "engine/worker.py",
                       "engine/worker_process.py", "engine/worker_cache.py", "engine/endpoint.py",
                       "engine/faults.py", "engine/video_out.py", "engine/control.py",
                       "engine/control_commands.py", "engine/generate.py", "engine/cli.py",
                       "engine/model_commands.py", "engine/logfile.py", "engine/reproduce.py",
                       "engine/worker_operations.py"],
    "frameloom-mini evaluation": ["engine/mini/evaluate.py", "engine/mini/sheet.py",
                                  "bench/mini_cpu.py"],
}


@pytest.mark.parametrize("name", STRICT)
def test_strictly_typed(name: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         *STRICT[name]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
