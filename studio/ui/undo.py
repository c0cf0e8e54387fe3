"""Named undo transactions: several commands as one undo step, rolled back if any fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QUndoStack

__all__ = ["transaction"]


@contextmanager
def transaction(stack: QUndoStack, text: str) -> Iterator[QUndoStack]:
    """Group the commands pushed inside the block into one undo step called ``text``.

    If the block raises, the commands it pushed are undone, the step is dropped from the stack
    and the exception goes on, so the document is as before (Pitivi's ``started()``/rollback).
    Opening the step drops the stack's redo history, as any new edit does. A block that
    pushes nothing leaves no step behind.

    Examples
    --------
    >>> with transaction(stack, "Ripple delete"):  # doctest: +SKIP
    ...     push(stack, RippleDeleteCommand(project, "clip-1"))
    """
    before = stack.count()
    stack.beginMacro(text)
    try:
        yield stack
    except BaseException:
        stack.endMacro()
        _drop_last(stack, before)
        raise
    stack.endMacro()
    if stack.count() > before and stack.command(stack.count() - 1).childCount() == 0:
        _drop_last(stack, before)  # an empty step would be an undo that does nothing


def _drop_last(stack: QUndoStack, before: int) -> None:
    """Undo the step just closed, then remove it.

    Qt skips an obsolete command on undo or redo and deletes it instead, so the step is undone
    first and then marked obsolete and "redone", which only deletes it.
    """
    if stack.count() <= before:
        return
    stack.undo()
    stack.command(stack.index()).setObsolete(True)
    stack.redo()
