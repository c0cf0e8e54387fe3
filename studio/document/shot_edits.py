"""Edits of a generated shot's or bridge's generation: its spec and its takes."""

from __future__ import annotations

import dataclasses
from typing import Any

from .changes import Change
from .edit_steps import check_generation_fits, replace_entry
from .errors import DocumentError, EditError
from .model import Generated, GeneratedSpec, Generation, Project, Take, TrackEntry, Transition
from .timebase import FrameRange


def _generation_of(entry: TrackEntry) -> Generation:
    if isinstance(entry, Generated):
        return entry.generation
    if isinstance(entry, Transition) and entry.generation is not None:
        return entry.generation
    raise EditError("Only generated shots and bridges have a prompt and takes.")


def _with_generation(entry: TrackEntry, generation: Generation) -> TrackEntry:
    if isinstance(entry, Generated):
        spec = generation.spec
        source = entry.source
        if spec.duration != entry.generation.spec.duration:
            whole = source == FrameRange(0, entry.generation.spec.duration)
            if whole or source.start >= spec.duration:
                source = FrameRange(0, spec.duration)
            else:
                source = FrameRange(source.start,
                                    min(source.duration, spec.duration - source.start))
        return dataclasses.replace(entry, generation=generation, source=source)
    if isinstance(entry, Transition):
        return dataclasses.replace(entry, generation=generation)
    raise EditError("Only generated shots and bridges have a prompt and takes.")


def set_spec(project: Project, entry_id: str, **fields: Any) -> Change:
    """Change fields of a generated shot's or bridge's spec (prompt, seed, duration, pins...).

    A shot that showed its whole take keeps doing so when its duration changes::

        | A | shot 48 | B |     set duration 24     | A | shot 24 | B |
    """
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        unknown = set(fields) - {f.name for f in dataclasses.fields(GeneratedSpec)}
        if unknown:
            raise EditError(f"A shot has no setting called {sorted(unknown)[0]!r}.")
        if "pins" in fields:
            fields["pins"] = tuple(fields["pins"])
        try:
            spec = dataclasses.replace(generation.spec, **fields)
        except (TypeError, DocumentError) as exc:
            raise EditError(f"Those settings do not fit a shot: {exc}") from None
        new = dataclasses.replace(generation, spec=spec)
        check_generation_fits(project, new)
        if isinstance(entry, Transition) and spec.duration < entry.length:
            raise EditError("A bridge must generate at least as many frames as it covers.")
        return _with_generation(entry, new)

    return replace_entry(project, entry_id, "Change shot settings", make)


def add_take(project: Project, entry_id: str, take: Take, *, activate: bool = True) -> Change:
    """Add a take to a shot or bridge; it becomes the active take if ``activate`` or if the
    shot had none. Earlier takes are kept."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        if any(t.id == take.id for t in generation.takes):
            raise EditError(f"The shot already has a take with id {take.id!r}.")
        active = take.id if activate or generation.active_take_id is None else \
            generation.active_take_id
        new = Generation(spec=generation.spec, takes=generation.takes + (take,),
                         active_take_id=active)
        check_generation_fits(project, new)
        return _with_generation(entry, new)

    return replace_entry(project, entry_id, "Add take", make)


def update_take(project: Project, entry_id: str, take_id: str, **fields: Any) -> Change:
    """Change a take's status or path (e.g. when its job finishes)."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        takes = tuple(dataclasses.replace(t, **fields) if t.id == take_id else t
                      for t in generation.takes)
        if takes == generation.takes and not any(t.id == take_id for t in takes):
            raise EditError(f"The shot has no take with id {take_id!r}.")
        new = dataclasses.replace(generation, takes=takes)
        check_generation_fits(project, new)
        return _with_generation(entry, new)

    return replace_entry(project, entry_id, "Update take", make)


def choose_take(project: Project, entry_id: str, take_id: str | None) -> Change:
    """Show take ``take_id`` for the shot (None: show none)."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        if take_id is not None and not any(t.id == take_id for t in generation.takes):
            raise EditError(f"The shot has no take with id {take_id!r}.")
        return _with_generation(entry, dataclasses.replace(generation, active_take_id=take_id))

    return replace_entry(project, entry_id, "Choose take", make)


def remove_take(project: Project, entry_id: str, take_id: str) -> Change:
    """Forget a take (its file stays in ``takes/`` until the project is cleaned)."""
    def make(entry: TrackEntry) -> TrackEntry:
        generation = _generation_of(entry)
        takes = tuple(t for t in generation.takes if t.id != take_id)
        if len(takes) == len(generation.takes):
            raise EditError(f"The shot has no take with id {take_id!r}.")
        active = None if generation.active_take_id == take_id else generation.active_take_id
        return _with_generation(entry, Generation(spec=generation.spec, takes=takes,
                                                  active_take_id=active))

    return replace_entry(project, entry_id, "Delete take", make)

