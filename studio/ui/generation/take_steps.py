"""The undo steps of a take coming or being chosen, with the sound of the shot's active take
kept under it (:func:`studio.document.edits.sync_take_sound`)."""

from __future__ import annotations

import dataclasses

from studio.document.model import Generated, MediaRef, Project, Take
from studio.ui import commands


def _with_sound(project: Project, entry_id: str,
                steps: list[commands.EditCommand]) -> list[commands.EditCommand]:
    """``steps``, then the shot's take sound made its active take's (bridges have none)."""
    if isinstance(project.find(entry_id)[2], Generated):
        steps.append(commands.SyncTakeSoundCommand(project, entry_id))
    return steps


def take_steps(project: Project, entry_id: str, take: Take,
               media: MediaRef | None) -> list[commands.EditCommand]:
    """Add ``take`` to ``entry_id`` as its active take; ``media``, the take file's pool entry
    when it has sound, goes in the pool first (named after the shot) and its sound under the
    shot."""
    steps: list[commands.EditCommand] = []
    if media is not None:
        entry = project.find(entry_id)[2]
        named = f"{getattr(entry, 'name', '') or entry_id} take {take.id.rsplit('-', 1)[-1][:6]}"
        steps.append(commands.AddMediaCommand(project, dataclasses.replace(media, name=named)))
    steps.append(commands.AddTakeCommand(project, entry_id, take))
    return _with_sound(project, entry_id, steps)


def choice_steps(project: Project, entry_id: str,
                 choice: commands.EditCommand) -> list[commands.EditCommand]:
    """``choice`` (choose or delete a take), then the sound of whichever take is active."""
    return _with_sound(project, entry_id, [choice])
