"""Edits of the timeline's markers: add one at a frame, change its name, colour or frame, remove it.

Markers stay in frame order with at most one per frame, as Resolve keeps them; an edit that
would put two on one frame is refused in one sentence, and every edit is one undo step.
"""

from __future__ import annotations

import dataclasses
from typing import cast

from .changes import Change, Recorder, SetMarkers
from .errors import EditError
from .model import MARKER_COLOURS, Marker, MarkerColour, Project, new_id

#: The longest marker name kept (a note, not a document).
MAX_NAME = 200


def add_marker(project: Project, frame: int, *, name: str = "", colour: str = "blue",
               marker_id: str | None = None) -> Change:
    """Put a marker at ``frame`` (0 or later) with a name and a colour."""
    _check_frame(frame)
    end = project.timeline.duration
    if frame > end:
        raise EditError(f"Frame {frame} lies past the timeline's end ({end}); put the marker "
                        "on the timeline.")
    marker = Marker(id=marker_id or new_id("marker"), frame=frame, name=_name(name),
                    colour=_colour(colour))
    markers = project.timeline.markers
    if marker.id in _ids(project):
        raise EditError(f"Id {marker.id!r} is already used in this project.")
    _refuse_taken(project, frame)
    return _replace(project, "Add Marker", sorted([*markers, marker], key=_frame))


def update_marker(project: Project, marker_id: str, *, frame: int | None = None,
                  name: str | None = None, colour: str | None = None) -> Change:
    """Change a marker's frame, name or colour (what is not given stays)."""
    old = find_marker(project, marker_id)
    moved = frame is not None and frame != old.frame
    if frame is not None and moved:
        _check_frame(frame)
        _refuse_taken(project, frame)
    new = dataclasses.replace(
        old, frame=frame if frame is not None else old.frame,
        name=old.name if name is None else _name(name),
        colour=old.colour if colour is None else _colour(colour))
    if new == old:
        raise EditError("The marker already has that frame, name and colour.")
    label = "Move Marker" if moved else "Change Marker"
    markers = [new if m.id == marker_id else m for m in project.timeline.markers]
    return _replace(project, label, sorted(markers, key=_frame))


def remove_marker(project: Project, marker_id: str) -> Change:
    """Take a marker off the timeline."""
    find_marker(project, marker_id)
    return _replace(project, "Delete Marker",
                    [m for m in project.timeline.markers if m.id != marker_id])


def find_marker(project: Project, marker_id: str) -> Marker:
    """The marker with ``marker_id``; EditError if there is none."""
    for marker in project.timeline.markers:
        if marker.id == marker_id:
            return marker
    raise EditError(f"There is no marker with id {marker_id!r}.")


def marker_at(project: Project, frame: int) -> Marker | None:
    """The marker on ``frame``, if any."""
    return next((m for m in project.timeline.markers if m.frame == frame), None)


def next_marker(project: Project, frame: int, *, backward: bool = False) -> Marker | None:
    """The first marker after ``frame`` (before it, with ``backward``); None past the last."""
    markers = project.timeline.markers
    if backward:
        return next((m for m in reversed(markers) if m.frame < frame), None)
    return next((m for m in markers if m.frame > frame), None)


def _ids(project: Project) -> set[str]:
    """Every id a marker's must differ from (the file's ids are one namespace)."""
    timeline = project.timeline
    ids = {project.id, timeline.id, *project.media, *(m.id for m in timeline.markers)}
    for track in timeline.all_tracks():
        ids.add(track.id)
        ids.update(entry.id for entry in track.items)
    return ids


def _replace(project: Project, label: str, markers: list[Marker]) -> Change:
    with Recorder(project, label) as rec:
        rec.do(SetMarkers(tuple(project.timeline.markers), tuple(markers)))
    return rec.change


def _frame(marker: Marker) -> int:
    return marker.frame


def _check_frame(frame: int) -> None:
    if type(frame) is not int or frame < 0:
        raise EditError(f"A marker goes on frame 0 or later, not {frame!r}.")


def _refuse_taken(project: Project, frame: int) -> None:
    taken = marker_at(project, frame)
    if taken is not None:
        raise EditError(f"Frame {frame} has a marker already"
                        f"{f' ({taken.name})' if taken.name else ''}; change that one instead.")


def _name(name: str) -> str:
    if not isinstance(name, str):
        raise EditError("A marker's name is text.")
    name = " ".join(name.split())  # one line: a marker's name is drawn on the ruler
    if len(name) > MAX_NAME:
        raise EditError(f"A marker's name is at most {MAX_NAME} characters, not {len(name)}.")
    return name


def _colour(colour: str) -> MarkerColour:
    if colour not in MARKER_COLOURS:
        raise EditError(f"A marker's colour is one of {', '.join(MARKER_COLOURS)}, "
                        f"not {colour!r}.")
    return cast(MarkerColour, colour)
