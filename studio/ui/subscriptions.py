"""Subscriptions: the document signals one view follows, dropped together when the view goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.document.signals import Signal


class Subscriptions:
    """Document signals a view follows, so it can stop following them before it goes away."""

    def __init__(self) -> None:
        self._pairs: list[tuple[Signal, Callable[..., Any]]] = []

    def connect(self, signal: Signal, slot: Callable[..., Any]) -> None:
        """Call ``slot`` on ``signal`` until :meth:`clear`."""
        signal.connect(slot)
        self._pairs.append((signal, slot))

    def clear(self) -> None:
        """Disconnect everything."""
        for signal, slot in self._pairs:
            signal.disconnect(slot)
        self._pairs.clear()
