"""Undo commands: one small ``QUndoCommand`` per document edit, holding the ``Change`` it made.

A command calls exactly one ``edits`` function, once; afterwards redo replays the recorded
:class:`~studio.document.changes.Change` and undo reverts it. :func:`push` runs the edit before
the command reaches the stack, so a refused edit (``EditError``) leaves both the document and
the stack (its redo history included) untouched.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.document import changes, edits
from studio.document.changes import Change
from studio.document.errors import EditError
from studio.document.model import Project, TrackEntry

__all__ = [
    "AddMediaCommand", "AddTakeCommand", "AppendCommand", "ChooseTakeCommand", "EditCommand",
    "InsertCommand", "LiftCommand", "LinkCommand", "MoveCommand", "OverwriteCommand",
    "RelinkMediaCommand", "RemoveTakeCommand", "RippleDeleteCommand", "SetSoundCommand",
    "SetSpecCommand", "SetTransitionCommand", "SplitCommand", "TrimCommand", "UnlinkCommand",
    "push", "push_gesture",
]

Edit = Callable[..., Change]


class EditCommand(QUndoCommand):
    """Runs ``edit(project, *args, **kwargs)`` once, then replays or reverts its Change.

    Subclasses name their edit in ``edit``; their constructor takes the edit's own arguments
    after ``project``. Mergeable subclasses set ``merge_id`` and are merged only with commands
    of the same ``gesture`` (one drag, one burst of typing), so a gesture is one undo step.

    Parameters
    ----------
    project
        The document the edit changes.
    *args, **kwargs
        The edit's arguments after ``project``; ``gesture`` (keyword) is kept, not passed on.
    """

    edit: ClassVar[Edit]
    merge_id: ClassVar[int] = -1
    #: What a locked track refuses of this edit: ``"items"``, any change to its items (the
    #: edits that arrange them: place, cut, move, trim, remove, transitions); ``"layout"``, a
    #: change to which items it holds or how long each is (a setting that lengthens a shot);
    #: ``"nothing"`` (a take arriving or chosen, with its sound: never refused, so no finished
    #: take is lost to a lock).
    locks: ClassVar[str] = "layout"

    def __init__(self, project: Project, *args: Any, gesture: object = None,
                 **kwargs: Any) -> None:
        super().__init__()
        self.project = project
        self.gesture = gesture
        self.args = args
        self.kwargs = kwargs
        self.change: Change | None = None
        self.error: str | None = None
        self._done_before_push = False

    def run(self) -> Change:
        """Make the edit now (before :meth:`QUndoStack.push`); raises ``EditError`` if refused."""
        if self.change is None:
            call = functools.partial(type(self).edit, self.project, *self.args, **self.kwargs)
            change = call()
            if self.locks != "nothing":
                _refuse_locked(self.project, change, self.locks == "items")
            self.change = change
            self.setText(self.change.label)
            self._done_before_push = True
        return self.change

    def redo(self) -> None:
        if self._done_before_push:
            self._done_before_push = False  # the push's own redo: the edit already ran
        elif self.change is None:
            # Pushed without push(): an exception cannot cross Qt's virtual call, so a refused
            # edit marks the command obsolete and Qt drops it.
            try:
                self.run()
                self._done_before_push = False
            except EditError as exc:
                self.error = str(exc)
                self.setObsolete(True)
        else:
            changes.apply(self.project, self.change)

    def undo(self) -> None:
        if self.change is not None:
            changes.revert(self.project, self.change)

    def id(self) -> int:
        return type(self).merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (type(other) is not type(self) or self.gesture is None
                or not isinstance(other, EditCommand) or other.gesture != self.gesture
                or self.change is None or other.change is None):
            return False
        # Both edits already ran, in this order: together they are one change.
        self.change = Change(self.change.label, self.change.ops + other.change.ops)
        return True


def _layout(entries: tuple[TrackEntry, ...]) -> list[tuple[str, int | None]]:
    return [(entry.id, getattr(entry, "duration", None)) for entry in entries]


def _refuse_locked(project: Project, change: Change, items: bool) -> None:
    """Undo ``change`` and raise ``EditError`` if it changed the items of a locked track (with
    ``items``) or only which items it holds and their lengths (without)."""
    for op in change.ops:
        if not isinstance(op, changes.Splice) or not project.track(op.track_id).locked:
            continue
        if items or _layout(op.removed) != _layout(op.inserted):
            track = project.track(op.track_id)
            changes.revert(project, change)
            raise EditError(f"Track {track.name or track.id} is locked; unlock it (its L "
                            "button) to change its items.")


def push(stack: QUndoStack, command: EditCommand) -> Change:
    """Make ``command``'s edit and put it on ``stack`` (or into its open macro).

    Raises
    ------
    EditError
        With one sentence, when the edit is refused; nothing has changed then.
    """
    change = command.run()
    stack.push(command)
    return change


def push_gesture(stack: QUndoStack, command: EditCommand) -> Change:
    """Push one request of a gesture whose requests name absolute targets (a move's frame).

    The previous request of the same gesture, if it is the last step on the stack, is undone
    and replaced, so the document shows only the latest request and the whole gesture is one
    undo step. A refused request restores the last one that worked. Gestures whose requests
    are steps that add up (trims) use :func:`push` and merge instead.

    Raises
    ------
    EditError
        When the request is refused.
    """
    top = stack.command(stack.index() - 1) if stack.index() > 0 else None
    replacing = (command.gesture is not None and isinstance(top, EditCommand)
                 and type(top) is type(command) and top.gesture == command.gesture)
    if replacing:
        stack.undo()
    try:
        return push(stack, command)
    except EditError:
        if replacing:
            stack.redo()
        raise


class InsertCommand(EditCommand):
    """``edits.insert(project, track_id, frame, item)``: ripple-insert an item."""

    edit = staticmethod(edits.insert)
    locks = "items"


class AppendCommand(EditCommand):
    """``edits.append(project, track_id, item)``: add an item at the end of a track."""

    edit = staticmethod(edits.append)
    locks = "items"


class OverwriteCommand(EditCommand):
    """``edits.overwrite(project, track_id, frame, item)``: place an item over what lies there."""

    edit = staticmethod(edits.overwrite)
    locks = "items"


class SplitCommand(EditCommand):
    """``edits.split(project, item_id, frame)``: cut an item in two."""

    edit = staticmethod(edits.split)
    locks = "items"


class RippleDeleteCommand(EditCommand):
    """``edits.ripple_delete(project, item_id)``: remove an item and close the hole."""

    edit = staticmethod(edits.ripple_delete)
    locks = "items"


class LiftCommand(EditCommand):
    """``edits.lift(project, item_id)``: remove an item, leaving a gap."""

    edit = staticmethod(edits.lift)
    locks = "items"


class TrimCommand(EditCommand):
    """``edits.trim(project, item_id, in_delta=, out_delta=, ripple=)``; one edge drag merges."""

    edit = staticmethod(edits.trim)
    locks = "items"
    merge_id = 1


class MoveCommand(EditCommand):
    """``edits.move(project, item_id, track_id, frame, ripple=)``; one drag merges into one step."""

    edit = staticmethod(edits.move)
    locks = "items"
    merge_id = 2


class SetTransitionCommand(EditCommand):
    """``edits.set_transition(project, left_item_id, kind, length, ...)``."""

    edit = staticmethod(edits.set_transition)
    locks = "items"


class SetSpecCommand(EditCommand):
    """``edits.set_spec(project, entry_id, **fields)``; one burst of typing merges."""

    edit = staticmethod(edits.set_spec)
    merge_id = 3


class AddTakeCommand(EditCommand):
    """``edits.add_take(project, entry_id, take, activate=)``."""

    edit = staticmethod(edits.add_take)
    locks = "nothing"


class ChooseTakeCommand(EditCommand):
    """``edits.choose_take(project, entry_id, take_id)``."""

    edit = staticmethod(edits.choose_take)
    locks = "nothing"


class RemoveTakeCommand(EditCommand):
    """``edits.remove_take(project, entry_id, take_id)``."""

    edit = staticmethod(edits.remove_take)
    locks = "nothing"


class AddMediaCommand(EditCommand):
    """``edits.add_media(project, media)``: put a still or clip in the media pool."""

    edit = staticmethod(edits.add_media)


class RelinkMediaCommand(EditCommand):
    """``edits.relink_media(project, media_id, path, **fields)``."""

    edit = staticmethod(edits.relink_media)


class SetTrackCommand(EditCommand):
    """``edits.set_track(project, track_id, **fields)``: mute, solo, gain or name of a track;
    a run of the same ``gesture`` (the inspector's gain box) is one undo step."""

    edit = staticmethod(edits.set_track)
    merge_id = 4


class SetSoundCommand(EditCommand):
    """``edits.set_sound(project, item_id, **fields)``: gain or fades of an audio item; a run
    of the same ``gesture`` (one of the inspector's boxes) is one undo step."""

    edit = staticmethod(edits.set_sound)
    merge_id = 5


class UnlinkCommand(EditCommand):
    """``edits.unlink(project, item_id)``: free a sound (or a clip's sounds) from its clip."""

    edit = staticmethod(edits.unlink)


class LinkCommand(EditCommand):
    """``edits.link(project, sound_id, item_id)``: tie a sound to a video item again."""

    edit = staticmethod(edits.link)


class AddTrackCommand(EditCommand):
    """``edits.add_track(project, index=, name=, track_id=, kind=)``: an empty video or audio
    track."""

    edit = staticmethod(edits.add_track)


class RemoveTrackCommand(EditCommand):
    """``edits.remove_track(project, track_id)``: a track and everything on it (undo puts all
    of it back)."""

    edit = staticmethod(edits.remove_track)


class SyncTakeSoundCommand(EditCommand):
    """``edits.sync_take_sound(project, entry_id)``: the shot's linked sound becomes its active
    take's (or goes, for a silent take)."""

    edit = staticmethod(edits.sync_take_sound)
    locks = "nothing"


class AddMarkerCommand(EditCommand):
    """``edits.add_marker(project, frame, name=, colour=, marker_id=)``: a marker on the
    timeline (never refused by a lock: markers belong to no track)."""

    edit = staticmethod(edits.add_marker)
    locks = "nothing"


class UpdateMarkerCommand(EditCommand):
    """``edits.update_marker(project, marker_id, frame=, name=, colour=)``."""

    edit = staticmethod(edits.update_marker)
    locks = "nothing"


class RemoveMarkerCommand(EditCommand):
    """``edits.remove_marker(project, marker_id)``."""

    edit = staticmethod(edits.remove_marker)
    locks = "nothing"
