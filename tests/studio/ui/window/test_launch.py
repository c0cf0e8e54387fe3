"""How the studio starts the engine: this Python's engine.cli, or frameloom-engine from a bundle."""

from __future__ import annotations

import os
import sys

import pytest

from studio.ui.window.launch import engine_command


def test_the_engine_runs_from_this_python_or_from_the_path_in_a_bundle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # --parent-pid: the engine the studio starts stops when the studio is gone.
    parent = ["--parent-pid", str(os.getpid())]
    assert engine_command() == [sys.executable, "-m", "engine.cli", "serve", *parent]
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # as PyInstaller's bootloader sets
    assert engine_command() == ["frameloom-engine", "serve", *parent]  # the bundle: no engine
