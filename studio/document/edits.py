"""Edits as functions: each changes the document, fires its events and returns a ``Change``.

``changes.revert(project, change)`` undoes an edit exactly and ``changes.apply`` redoes it. An
edit that fails raises :class:`EditError` and leaves the document untouched. Pictures use
``|`` for item boundaries and ``><`` for a transition; frames are integers at the project rate.
Every edit keeps a track tidy: neighbouring gaps merge, trailing gaps go, and a transition whose
neighbours no longer fit it is removed (undo restores it).

The edits live by what they change: :mod:`.item_edits` (items and transitions on a track),
:mod:`.shot_edits` (a shot's spec and takes) and :mod:`.project_edits` (media pool, tracks,
settings), :mod:`.marker_edits` (the timeline's markers), :mod:`.audio_edits` (audio tracks,
gain, fades, links) and :mod:`.take_sounds` (a
shot's active take's sound under it), on the shared steps of
:mod:`.edit_steps`; :mod:`.linked_edits` wraps the item edits so a clip's linked sound goes
where the clip goes. This module gathers them into the one
namespace that commands, tests and tools call (``edits.insert``, ``edits.add_take``...), so a
caller never needs to know which of those modules an edit lives in.
"""

from __future__ import annotations

from .audio_edits import link, linked_sounds, set_sound, set_track, unlink
from .errors import EditError
from .item_edits import set_transition
from .linked_edits import append, insert, lift, move, overwrite, ripple_delete, split, trim
from .marker_edits import add_marker, remove_marker, update_marker
from .project_edits import (
    add_media,
    add_track,
    relink_media,
    remove_media,
    remove_track,
    set_project,
)
from .shot_edits import add_take, choose_take, remove_take, set_spec, update_take
from .take_sounds import sync_take_sound

__all__ = [
    "EditError", "add_marker", "add_media", "add_take", "add_track", "append",
    "choose_take", "insert", "lift", "link", "linked_sounds", "move", "overwrite",
    "relink_media", "remove_marker", "remove_media", "remove_take", "remove_track",
    "ripple_delete", "set_project", "set_sound", "set_spec", "set_track", "set_transition",
    "split", "sync_take_sound", "trim", "unlink", "update_marker", "update_take",
]
