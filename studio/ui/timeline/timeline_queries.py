"""Qt-free questions about what lies where on a project's timeline (for the edit actions)."""

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
