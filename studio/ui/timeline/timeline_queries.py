"""Qt-free questions about what lies where on a project's timeline (for the edit and transport
actions)."""

from __future__ import annotations

from studio.document.model import Project


def covers(project: Project, item_id: str, frame: int) -> bool:
    """Whether ``frame`` lies strictly inside the entry ``item_id`` (not on an edge)."""
    track, index, entry = project.find(item_id)
    start = track.start_of(index)
    return start < frame < start + getattr(entry, "duration", 0)


def items_at(project: Project, frame: int) -> list[str]:
    """Ids of the items ``frame`` lies strictly inside, top track first."""
    return [e.id for t in reversed(project.timeline.tracks) for _i, s, e in t.layout()
            if s < frame < s + e.duration]


def edit_points(project: Project) -> list[int]:
    """Every frame where an item starts or ends on any track, sorted (Up/Down step along)."""
    points = {0}
    for track in project.timeline.tracks:
        for _index, start, item in track.layout():
            points.update((start, start + item.duration))
    return sorted(points)


def previous_edit(project: Project, frame: int) -> int:
    """The last edit point before ``frame`` (0 when there is none)."""
    return max((p for p in edit_points(project) if p < frame), default=0)


def next_edit(project: Project, frame: int) -> int:
    """The first edit point after ``frame`` (``frame`` itself when there is none)."""
    return min((p for p in edit_points(project) if p > frame), default=frame)
