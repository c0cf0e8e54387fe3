"""Start Qt, show the main window, and optionally save a screenshot of it and exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMessageLogContext, QtMsgType, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from studio.ui.main_window import MainWindow
from studio.ui.prompts import Prompts
from studio.ui.refcount_guard import bindings_drop_references

if TYPE_CHECKING:
    from studio.document.persistence import OpenedProject

#: Harmless warnings Qt prints on every offscreen run.
_NOISE = ("does not support propagateSizeHints",)


class _QtMessages:
    """Qt's log, held back until Qt has started so a failed start reads as one line.

    A fatal message (no usable platform plugin, no X server) would make Qt abort with a core
    dump; it becomes ``frameloom: <sentence>`` and exit status 2 instead.
    """

    def __init__(self) -> None:
        self.held: list[str] | None = []

    def __call__(self, mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
        if mode == QtMsgType.QtFatalMsg:
            details = "; ".join(self.held or [message])
            print(f"frameloom: Qt could not start a window system here ({details}); check DISPLAY, "
                  "install the system libraries Qt needs (see the README), or run headless "
                  "with QT_QPA_PLATFORM=offscreen.", file=sys.stderr, flush=True)
            os._exit(2)  # Qt aborts when this handler returns; nothing else can be cleaned up
        # Info is kept only during start-up: Qt says there which platform plugin failed.
        quiet = (QtMsgType.QtDebugMsg,) if self.held is not None else (
            QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg)
        if mode in quiet or any(n in message for n in _NOISE):
            return
        if self.held is None:
            print(message, file=sys.stderr)
        else:
            self.held.append(message)

    def started(self) -> None:
        """Print what was held back and print later messages as they come."""
        for message in self.held or []:
            print(message, file=sys.stderr)
        self.held = None


def run(opened: OpenedProject | None, *, screenshot: Path | None = None) -> int:
    """Show a :class:`MainWindow` for ``opened`` and run Qt until it closes.

    Parameters
    ----------
    opened
        The project to show, or None for a new one.
    screenshot
        If given, the window is rendered to this PNG file as soon as it is shown, and the
        application exits (status 0 on success, 2 if the file could not be written).

    Returns
    -------
    int
        The exit status.
    """
    messages = _QtMessages()
    qInstallMessageHandler(messages)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    messages.started()
    if bindings_drop_references():
        print("frameloom: this PySide6 release drops references to None on every call and "
              "would crash the studio; install the version pyproject.toml asks for "
              "(pip install -e .).", file=sys.stderr)
        return 2
    app.setApplicationName("Frameloom")
    # A screenshot run asks nothing: no recovery or unsaved-changes dialog may block it.
    window = MainWindow(opened, prompts=Prompts() if screenshot is not None else None)
    window.show()
    if screenshot is None:
        return app.exec()

    status = {"code": 0}

    def capture() -> None:
        if not window.grab().save(str(screenshot), "PNG"):
            print(f"frameloom: Could not write the screenshot {screenshot}.", file=sys.stderr)
            status["code"] = 2
        window.close()
        app.quit()

    # Queued, so the window has been laid out and painted once before it is grabbed.
    QTimer.singleShot(0, capture)
    app.exec()
    return status["code"]
