"""Fixtures of the studio window tests."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


@pytest.fixture
def window(qtbot: QtBot, sample_project: Path) -> MainWindow:
    """The main window on a copy of the sample project, without an engine."""
    win = MainWindow(persistence.open_project(sample_project),
                     prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(win)
    return win


@pytest.fixture(autouse=True)
def _qt_objects_go_with_their_test(qtbot: QtBot) -> Iterator[None]:
    """Stop each test's windows and free them before the next test starts.

    Set up after ``qtbot``, so this runs before pytest-qt closes the test's widgets: a window
    whose close is refused (unsaved work, a prompt answering "cancel") would otherwise keep its
    viewer thread, thumbnail and proxy workers running, and be freed by some later event loop
    or garbage collection, minutes later and in another test, which is where past segfaults
    surfaced.
    """
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            widget.shutdown()
            widget.prompts.confirm_close = lambda _name: "discard"
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.processEvents()
