"""Detect PySide6 bindings that drop a reference to None on every call (PySide6 6.12.0).

PySide6 6.12.0 on CPython 3.11 returns ``None`` from void methods (``QPainter.drawRect``,
``QWidget.update``...) without taking a reference, as if it were immortal (it is only from
Python 3.12, PEP 683). Each call lowers None's reference count by one, and a few thousand calls
(one repaint of a busy timeline) bring it to zero, which aborts the interpreter with
"deallocating None". pyproject.toml excludes that release; this check lets the studio refuse to
start on such bindings with one sentence instead of crashing later.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRectF


def bindings_drop_references() -> bool:
    """Whether a void PySide6 call lowers ``None``'s reference count (the bug above)."""
    if sys.version_info >= (3, 12):
        return False  # None is immortal there
    rect = QRectF()
    before = sys.getrefcount(None)
    for _ in range(8):
        rect.setX(0.0)
    return sys.getrefcount(None) < before
