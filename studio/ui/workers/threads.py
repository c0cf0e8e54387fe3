"""Handing work from worker threads back to the GUI thread without racing Qt's deletions.

A worker that emits a signal of a QObject the GUI thread is deleting at that moment (a window
closed while its thumbnails or an import are still being made) touches freed memory. Workers
hand callables to :func:`call_in_gui` instead: they go through one relay object that lives as
long as the application, and run on the GUI thread only if the object they are for is still
alive (:func:`alive`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

_Q = TypeVar("_Q", bound=QObject)


class _Relay(QObject):
    run = Signal(object)

    def call(self, call: Callable[[], object]) -> None:
        call()


_relay: _Relay | None = None
_lock = threading.Lock()


def install() -> None:
    """Create the relay; call once on the GUI thread before any worker uses :func:`call_in_gui`."""
    global _relay
    with _lock:
        if _relay is None:
            relay = _Relay()
            app = QCoreApplication.instance()
            if app is not None:
                relay.moveToThread(app.thread())
            # A slot of the relay itself, so Qt queues each call to the relay's (GUI) thread.
            relay.run.connect(relay.call, Qt.ConnectionType.QueuedConnection)
            _relay = relay


def call_in_gui(call: Callable[[], object]) -> None:
    """Run ``call`` on the GUI thread soon (from any thread)."""
    if _relay is None:
        raise RuntimeError("studio.ui.workers.threads.install() was not called on the GUI thread")
    _relay.run.emit(call)


def alive(obj: QObject) -> bool:
    """Whether the C++ side of ``obj`` still exists."""
    return bool(shiboken6.isValid(obj))


def on_gui(obj: _Q, call: Callable[..., object]) -> Callable[..., None]:
    """A callback for worker threads: ``report(*args)`` runs ``call(obj, *args)`` on the GUI
    thread soon, if ``obj`` still exists then.

    The callback holds only a weak reference to ``obj``, so a worker thread never holds the
    last reference to a Qt object's wrapper (dropping it there would free Qt state off the GUI
    thread). Make it on the GUI thread, before handing it to the worker.
    """
    ref = weakref.ref(obj)

    def report(*args: object) -> None:
        def run() -> None:
            target = ref()
            if target is not None and alive(target):
                call(target, *args)

        call_in_gui(run)

    return report
