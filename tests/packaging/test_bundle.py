"""The PyInstaller bundle (packaging/build_bundle.py) builds and its ``frameloom`` runs alone."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio import __version__

REPO = Path(__file__).resolve().parents[2]
NOT_INSTALLED = "PyInstaller is not installed (pip install -e \".[bundle]\" or \".[test]\")"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200),
              pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                                 reason=NOT_INSTALLED)]


def test_the_bundle_builds_and_runs_version_and_an_offscreen_screenshot(
        tmp_path: Path, sample_project: Path) -> None:
    build = subprocess.run([sys.executable, str(REPO / "packaging" / "build_bundle.py"),
                            "--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "work")],
                           cwd=REPO, capture_output=True, text=True, timeout=1100)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    exe = tmp_path / "dist" / "frameloom" / ("frameloom.exe" if os.name == "nt" else "frameloom")
    assert exe.is_file()
    bundled = tmp_path / "dist" / "frameloom" / "_internal"
    assert not any((bundled / name).exists() for name in ("torch", "diffusers", "transformers"))
    # Run it from elsewhere, with this checkout's packages out of reach.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    run = {"cwd": tmp_path, "capture_output": True, "text": True, "timeout": 300, "env": env}
    version = subprocess.run([str(exe), "--version"], **run)
    assert (version.returncode, version.stdout) == (0, f"frameloom {__version__}\n"), version
    shot = tmp_path / "shot.png"
    opened = subprocess.run([str(exe), str(sample_project), "--screenshot", str(shot),
                             "--no-engine"], **run)
    assert opened.returncode == 0, opened.stderr
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and shot.stat().st_size > 10_000
