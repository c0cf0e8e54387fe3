"""Fixtures of the generation tests: the window with a fake engine (see fake_bridge.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_bridge import FakeBridge
from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


@pytest.fixture
def bridge() -> FakeBridge:
    return FakeBridge()


@pytest.fixture
def engine_window(qtbot: QtBot, sample_project: Path, bridge: FakeBridge) -> MainWindow:
    """The main window on a copy of the sample project, with a fake engine that is running."""
    win = MainWindow(persistence.open_project(sample_project), bridge=bridge,
                     prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(win)
    bridge.status_changed.emit("running", "The engine is ready.")
    return win
