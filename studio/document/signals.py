"""A tiny synchronous signal, so views can follow the document without Qt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """A list of callbacks called in connection order on :meth:`emit`.

    A callback that raises does not stop the others; the first error is re-raised after all ran,
    so a broken view cannot leave other views out of date.
    """

    __slots__ = ("_slots", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> Callable[..., Any]:
        """Call ``slot`` on every emit; returns it, so this works as a decorator."""
        self._slots.append(slot)
        return slot

    def disconnect(self, slot: Callable[..., Any]) -> None:
        """Stop calling ``slot``; unknown slots are ignored."""
        try:
            self._slots.remove(slot)
        except ValueError:
            pass

    def emit(self, *args: Any) -> None:
        """Call every connected slot with ``args``."""
        error: BaseException | None = None
        for slot in list(self._slots):
            try:
                slot(*args)
            except Exception as exc:
                error = error or exc
        if error is not None:
            raise error

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, {len(self._slots)} slots)"
