"""Reversible primitive changes: the only code that mutates a document, and emits its events.

An edit (see ``edits``) is recorded as a :class:`Change`: an ordered list of primitive ops, each
holding both the old and new values. ``apply`` replays it, ``revert`` undoes it exactly, and
both fire :class:`~.model.DocumentEvents` so views follow along.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from .errors import EditError
from .model import Marker, MediaRef, Project, Track, TrackEntry


@dataclass(frozen=True, slots=True)
class Splice:
    """Replace ``removed`` (found at ``index`` of track ``track_id``) with ``inserted``."""

    track_id: str
    index: int
    removed: tuple[TrackEntry, ...]
    inserted: tuple[TrackEntry, ...]

    def inverse(self) -> Splice:
        return Splice(self.track_id, self.index, self.inserted, self.removed)


@dataclass(frozen=True, slots=True)
class SetMedia:
    """Put ``new`` in the media pool under ``media_id`` where ``old`` was (None: absent)."""

    media_id: str
    old: MediaRef | None
    new: MediaRef | None

    def inverse(self) -> SetMedia:
        return SetMedia(self.media_id, self.new, self.old)


@dataclass(frozen=True, slots=True)
class SetTracks:
    """Replace tracks ``removed`` at ``index`` of the timeline's video tracks (or its audio
    tracks, with ``audio``) with ``inserted``."""

    index: int
    removed: tuple[Track, ...]
    inserted: tuple[Track, ...]
    audio: bool = False

    def inverse(self) -> SetTracks:
        return SetTracks(self.index, self.inserted, self.removed, self.audio)


@dataclass(frozen=True, slots=True)
class SetProject:
    """Change one project setting (name, rate, width, height)."""

    field: str
    old: Any
    new: Any

    def inverse(self) -> SetProject:
        return SetProject(self.field, self.new, self.old)


@dataclass(frozen=True, slots=True)
class SetMarkers:
    """Replace the timeline's markers ``old`` with ``new`` (both in frame order)."""

    old: tuple[Marker, ...]
    new: tuple[Marker, ...]

    def inverse(self) -> SetMarkers:
        return SetMarkers(self.new, self.old)


Op: TypeAlias = Splice | SetMedia | SetTracks | SetProject | SetMarkers


@dataclass(frozen=True, slots=True)
class Change:
    """A named, reversible edit: what ``edits`` functions return and undo commands keep."""

    label: str
    ops: tuple[Op, ...]

    def inverse(self) -> Change:
        return Change(self.label, tuple(op.inverse() for op in reversed(self.ops)))


def apply(project: Project, change: Change) -> None:
    """Replay ``change`` on ``project`` (redo). Raises EditError if the document diverged."""
    for op in change.ops:
        apply_op(project, op)


def revert(project: Project, change: Change) -> None:
    """Undo ``change``, restoring exactly the document it was made on."""
    apply(project, change.inverse())


def apply_op(project: Project, op: Op) -> None:
    """Apply one primitive op and emit its events."""
    events = project.events
    if isinstance(op, Splice):
        track = project.track(op.track_id)
        end = op.index + len(op.removed)
        current = track.items[op.index:end]
        if len(current) != len(op.removed) or any(a is not b and a != b
                                                  for a, b in zip(current, op.removed)):
            raise EditError("The timeline changed underneath this edit; it cannot be replayed.")
        track.items[op.index:end] = op.inserted
        events.track_spliced.emit(track, op.index, op.removed, op.inserted)
        if len(op.removed) == len(op.inserted) and all(
                a.id == b.id for a, b in zip(op.removed, op.inserted)):
            for offset, (old, new) in enumerate(zip(op.removed, op.inserted)):
                events.item_changed.emit(track, op.index + offset, old, new)
        else:
            for offset in reversed(range(len(op.removed))):
                events.item_removed.emit(track, op.index + offset, op.removed[offset])
            for offset, entry in enumerate(op.inserted):
                events.item_added.emit(track, op.index + offset, entry)
    elif isinstance(op, SetMedia):
        if project.media.get(op.media_id) != op.old:
            raise EditError("The media pool changed underneath this edit; it cannot be replayed.")
        if op.new is None:
            del project.media[op.media_id]
        else:
            project.media[op.media_id] = op.new
        events.media_changed.emit(op.media_id, op.old, op.new)
    elif isinstance(op, SetTracks):
        tracks = project.timeline.audio_tracks if op.audio else project.timeline.tracks
        end = op.index + len(op.removed)
        if tuple(tracks[op.index:end]) != op.removed:
            raise EditError("The tracks changed underneath this edit; it cannot be replayed.")
        tracks[op.index:end] = op.inserted
        for offset in reversed(range(len(op.removed))):
            events.track_removed.emit(project.timeline, op.index + offset, op.removed[offset])
        for offset, track in enumerate(op.inserted):
            events.track_added.emit(project.timeline, op.index + offset, track)
    elif isinstance(op, SetMarkers):
        if tuple(project.timeline.markers) != op.old:
            raise EditError("The markers changed underneath this edit; it cannot be replayed.")
        project.timeline.markers[:] = op.new
        events.markers_changed.emit(op.old, op.new)
    else:
        if getattr(project, op.field) != op.old:
            raise EditError("The project settings changed underneath this edit.")
        setattr(project, op.field, op.new)
        events.project_changed.emit(op.field, op.old, op.new)


class Recorder:
    """Applies ops one by one while an edit computes them; rolls all back if the edit fails.

    Use as ``with Recorder(project, "Trim") as rec: ...; return rec.change``.
    """

    def __init__(self, project: Project, label: str) -> None:
        self.project = project
        self.label = label
        self.ops: list[Op] = []

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            for op in reversed(self.ops):
                apply_op(self.project, op.inverse())
            self.ops.clear()

    def do(self, op: Op) -> None:
        """Apply ``op`` now and record it."""
        apply_op(self.project, op)
        self.ops.append(op)

    def splice(self, track: Track, index: int, count: int,
               inserted: Sequence[TrackEntry] = ()) -> None:
        """Replace ``count`` entries of ``track`` at ``index`` with ``inserted``."""
        removed = tuple(track.items[index:index + count])
        if removed or inserted:
            self.do(Splice(track.id, index, removed, tuple(inserted)))

    @property
    def change(self) -> Change:
        return Change(self.label, tuple(self.ops))
