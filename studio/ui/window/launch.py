"""Start Qt, show the main window, and optionally save a screenshot of it and exit."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMessageLogContext, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from studio.ui.icons import APP_ICON
from studio.ui.theme import apply_dark_theme
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts
from studio.ui.window.refcount_guard import bindings_drop_references

if TYPE_CHECKING:
    from studio.document.persistence import OpenedProject
    from studio.ui.generation.engine_bridge import EngineBridge

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


def run(opened: OpenedProject | None, *, screenshot: Path | None = None,
        engine: bool = True) -> int:
    """Show a :class:`MainWindow` for ``opened`` and run Qt until it closes.

    Parameters
    ----------
    opened
        The project to show, or None for a new one.
    screenshot
        If given, the window is rendered to this PNG file once it is shown (and, with the
        engine, once the engine is running or has failed), and the application exits (status
        0 on success, 2 if the file could not be written).
    engine
        Start (or adopt) the engine and show its jobs; False opens an editor only.

    Returns
    -------
    int
        The exit status.
    """
    messages = _QtMessages()
    qInstallMessageHandler(messages)
    existing = QApplication.instance()  # typed QCoreApplication; the studio makes QApplications
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    messages.started()
    if bindings_drop_references():
        print("frameloom: this PySide6 release drops references to None on every call and "
              "would crash the studio; install the version pyproject.toml asks for "
              "(pip install -e .).", file=sys.stderr)
        return 2
    app.setApplicationName("Frameloom")
    app.setDesktopFileName("io.frameloom.Frameloom")  # Wayland matches it to the launcher
    app.setWindowIcon(QIcon(str(APP_ICON)))
    apply_dark_theme(app)
    if not engine:
        window = MainWindow(opened, prompts=_prompts(screenshot))
        with _ended_by_signals(window) as ended:
            shown = _show(app, window, screenshot)
        return 128 + ended[0] if ended else shown
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    app.setQuitOnLastWindowClosed(False)  # closing the window must not stop the loop before
    # the engine is stopped; main() returns once the window has closed
    try:
        bridge = _engine_bridge()
        # A screenshot run asks nothing: no recovery or unsaved-changes dialog may block it.
        window = MainWindow(opened, bridge=bridge, prompts=_prompts(screenshot))
        ready = asyncio.Event()
        bridge.status_changed.connect(
            lambda state, _sentence: ready.set() if state in ("running", "failed") else None)

        async def main() -> int:
            bridge.start()
            if screenshot is not None:
                _shown_for_screenshot(window)
                try:
                    async with asyncio.timeout(SCREENSHOT_ENGINE_WAIT_S):
                        await ready.wait()
                except TimeoutError:
                    pass  # the shot shows the engine still starting, which is the truth
                await _viewer_answered(window)
                await asyncio.sleep(0.2)  # let the docks repaint
                code = _capture(window, screenshot)
            else:
                closed = asyncio.Event()
                app.lastWindowClosed.connect(closed.set)
                window.show()
                await closed.wait()
                code = 0
            await bridge.stop()
            return code

        with _ended_by_signals(window) as ended:
            code: int = loop.run_until_complete(main())  # qasync is untyped: Any
        return 128 + ended[0] if ended else code
    finally:
        loop.close()


#: The signals that end the studio as closing its window does, asking nothing (see
#: :meth:`MainWindow.close_unasked`); the exit status is then 128 plus the signal's number.
END_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                    if hasattr(signal, name))


@contextlib.contextmanager
def _ended_by_signals(window: MainWindow) -> Iterator[list[int]]:
    """While inside, :data:`END_SIGNALS` close ``window`` unasked; yields the list that gets
    the signal's number. Python runs a signal's handler only between its own steps, so a
    timer wakes it while Qt waits; the handler itself only queues the close."""
    ended: list[int] = []

    def end(number: int, _frame: object) -> None:
        if not ended:
            ended.append(number)
            QTimer.singleShot(0, window.close_unasked)

    previous = {number: signal.signal(number, end) for number in END_SIGNALS}
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(200)
    try:
        yield ended
    finally:
        tick.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)


SCREENSHOT_ENGINE_WAIT_S = 120.0
#: The size a window drawn offscreen for a screenshot is given: Qt's offscreen screen is 800 x
#: 800, which would draw the window as cramped as no desktop shows it.
OFFSCREEN_SIZE = (1600, 1000)


def _shown_for_screenshot(window: MainWindow) -> None:
    """Show ``window`` to be captured, at :data:`OFFSCREEN_SIZE` when it has no real screen."""
    window.show()
    if QApplication.platformName() == "offscreen":
        window.resize(*OFFSCREEN_SIZE)


def _prompts(screenshot: Path | None) -> Prompts | None:
    return Prompts() if screenshot is not None else None


def _engine_bridge() -> EngineBridge:
    from studio.engine_link import EngineSupervisor
    from studio.ui.generation.engine_bridge import EngineBridge

    return EngineBridge(EngineSupervisor(engine_command()))


def engine_command() -> list[str]:
    """How the studio starts the engine: this Python's ``engine.cli``; from a bundle (which
    holds the editor only, see packaging/README.md), ``frameloom-engine`` on the PATH, as a
    Python install with the engine provides it."""
    # --parent-pid: an engine the studio started stops when the studio is gone, even killed
    # outright; its running job is marked interrupted, to retry (closing stops it too).
    parent = ["--parent-pid", str(os.getpid())]
    if getattr(sys, "frozen", False):
        return ["frameloom-engine", "serve", *parent]
    return [sys.executable, "-m", "engine.cli", "serve", *parent]


def _capture(window: MainWindow, screenshot: Path) -> int:
    code = 0
    if not window.grab().save(str(screenshot), "PNG"):
        print(f"frameloom: Could not write the screenshot {screenshot}.", file=sys.stderr)
        code = 2
    window.close()
    return code


def _show(app: QApplication, window: MainWindow, screenshot: Path | None) -> int:
    if screenshot is None:
        window.show()
        return app.exec()
    _shown_for_screenshot(window)
    status = {"code": 0}

    def capture() -> None:
        status["code"] = _capture(window, screenshot)
        app.quit()

    # Once the viewer shows its first frame (or says why not), or after VIEWER_WAIT_MS.
    done = {"taken": False}

    def once() -> None:
        if not done["taken"]:
            done["taken"] = True
            QTimer.singleShot(0, capture)  # queued: the frame is painted before the grab

    window.viewer.updated.connect(once)
    QTimer.singleShot(VIEWER_WAIT_MS, once)
    app.exec()
    return status["code"]


VIEWER_WAIT_MS = 10_000


async def _viewer_answered(window: MainWindow) -> None:
    """Wait (up to VIEWER_WAIT_MS) until the viewer has answered its first request."""
    import asyncio

    answered = asyncio.Event()
    window.viewer.updated.connect(answered.set)
    if window.viewer.image is not None or window.viewer.error:
        return
    try:
        async with asyncio.timeout(VIEWER_WAIT_MS / 1000):
            await answered.wait()
    except TimeoutError:
        pass  # the shot shows the viewer still waiting, which is the truth
