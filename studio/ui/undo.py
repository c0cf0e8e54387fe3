"""Named undo transactions: several commands as one undo step, rolled back if any fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QUndoStack

__all__ = ["transaction"]

#: The stack's property counting the transactions open on it (nested ones add none at the top).
_DEPTH = "frameloom_transactions_open"


@contextmanager
def transaction(stack: QUndoStack, text: str) -> Iterator[QUndoStack]:
    """Group the commands pushed inside the block into one undo step called ``text``.

    If the block raises, the commands it pushed are undone, the step is dropped from the stack
    and the exception goes on, so the document is as before (Pitivi's ``started()``/rollback).
    Opening the step drops the stack's redo history, as any new edit does. A block that
    pushes nothing leaves no step behind. Inside another transaction, a block's exception must
    reach the outer block, which rolls back all of it (caught in between, the inner block's
    edits would stay).

    Examples
    --------
    >>> with transaction(stack, "Ripple delete"):  # doctest: +SKIP
    ...     push(stack, RippleDeleteCommand(project, "clip-1"))
    """
    depth = int(stack.property(_DEPTH) or 0)
    stack.setProperty(_DEPTH, depth + 1)
    try:
        stack.beginMacro(text)
        # The steps that stay: a top-level step drops the redo history and is appended at once
        # (so counting before it opens would count the dropped history too); a nested one adds
        # nothing at the top, and its rollback is the outer step's.
        before = stack.count() - 1 if depth == 0 else stack.count()
        try:
            yield stack
        except BaseException:
            stack.endMacro()
            _drop_last(stack, before)
            raise
        stack.endMacro()
        if stack.count() > before and stack.command(stack.count() - 1).childCount() == 0:
            _drop_last(stack, before)  # an empty step would be an undo that does nothing
    finally:
        stack.setProperty(_DEPTH, depth)


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
