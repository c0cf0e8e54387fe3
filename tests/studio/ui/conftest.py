"""Fixtures of the studio window tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.ui.main_window import MainWindow
from studio.ui.prompts import Prompts


@pytest.fixture
def window(qtbot: QtBot, sample_project: Path) -> MainWindow:
    """The main window on a copy of the sample project, without an engine."""
    win = MainWindow(persistence.open_project(sample_project),
                     prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(win)
    return win
