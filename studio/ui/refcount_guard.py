"""Work around PySide6 bindings that drop a reference to None, True or False on every call.

PySide6 6.12.0 on CPython 3.11 returns ``None`` from void methods (``QPainter.drawRect``,
``QWidget.update``...) and bools from others without taking a reference, as if they were
immortal (they are only from Python 3.12, PEP 683). Each call then lowers their reference count
by one, and a few thousand calls (one repaint of a busy timeline) bring it to zero, which aborts
the interpreter with "deallocating None". These objects are never freed on a healthy
interpreter, so raising their counts far out of reach changes nothing else.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QRectF

#: Enough headroom for a million calls a second for about twelve days.
CUSHION = 1 << 40
_applied = False


def bindings_drop_references() -> bool:
    """Whether a void PySide6 call lowers ``None``'s reference count (the bug above)."""
    if sys.version_info >= (3, 12):
        return False  # None, True and False are immortal there
    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(8):
        rect.setX(0.0)
    return sys.getrefcount(None) < before


def keep_singletons_alive() -> bool:
    """Add :data:`CUSHION` references to None, True and False once, if the bug is present.

    Returns whether the cushion was added (now or by an earlier call).
    """
    global _applied  # noqa: PLW0603 - the interpreter's singletons are process-wide anyway
    if not _applied and bindings_drop_references():
        for singleton in (None, True, False):
            # ob_refcnt is the first field of every CPython object, at the object's address.
            ctypes.c_ssize_t.from_address(id(singleton)).value += CUSHION
        _applied = True
    return _applied
