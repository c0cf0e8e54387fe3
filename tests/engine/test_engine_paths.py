"""Engine folders: FRAMELOOM_HOME moves them all; the runtime folder is private."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from engine import paths
from engine.jobs.store import JobStore


def test_frameloom_home_moves_every_engine_path(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAMELOOM_HOME", str(tmp_path / "home"))
    folders = {"data": paths.data_dir(), "cache": paths.cache_dir(),
               "runtime": paths.runtime_dir(), "models": paths.models_dir()}
    for name, folder in folders.items():
        assert folder == tmp_path / "home" / name and folder.is_dir()
    if sys.platform != "win32":
        assert folders["runtime"].stat().st_mode & 0o777 == 0o700
        assert folders["data"].stat().st_mode & 0o777 == 0o700
    with JobStore() as store:
        assert store.path == tmp_path / "home" / "data" / "jobs.sqlite3"
        store.submit("a", {"prompt": "x"})
    assert (tmp_path / "home" / "data" / "jobs.sqlite3").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")
def test_runtime_dir_without_frameloom_home_is_private(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAMELOOM_HOME")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    folder = paths.runtime_dir()
    assert folder.parent == tmp_path and folder.stat().st_mode & 0o777 == 0o700
    folder.chmod(0o755)  # loosened by someone: tightened again
    assert paths.runtime_dir().stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_RUNTIME_DIR is Linux's")
def test_runtime_dir_uses_xdg_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAMELOOM_HOME")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    folder = paths.runtime_dir()
    assert folder == tmp_path / "frameloom" and folder.stat().st_mode & 0o777 == 0o700
