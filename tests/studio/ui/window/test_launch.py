"""How the studio starts the engine: this Python's engine.cli, or frameloom-engine from a bundle."""

from __future__ import annotations

import sys

import pytest

from studio.ui.window.launch import engine_command


def test_the_engine_runs_from_this_python_or_from_the_path_in_a_bundle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert engine_command() == [sys.executable, "-m", "engine.cli", "serve"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # as PyInstaller's bootloader sets
    assert engine_command() == ["frameloom-engine", "serve"]  # the bundle holds no engine
