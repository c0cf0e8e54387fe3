"""A project as outline rows and plain text, shared by ``frameloom info`` and the studio window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from studio.document.model import (
    AudioItem,
    Clip,
    Gap,
    Generated,
    Project,
    Still,
    Track,
    Transition,
)
from studio.document.timebase import format_rate, frames_to_timecode

if TYPE_CHECKING:
    from studio.document.persistence import OpenedProject


@dataclass(frozen=True, slots=True)
class Row:
    """One entry of a track as the outline shows it.

    ``status`` is ``""`` when all is well, else the status of the item's media (``"offline"``
    or ``"changed"``).
    """

    kind: str
    label: str
    start: str
    duration: str
    status: str = ""


def frames_text(frames: int, rate: Fraction) -> str:
    """``"00:00:02:00 (48 frames)"``."""
    return f"{frames_to_timecode(frames, rate)} ({frames} frame{'' if frames == 1 else 's'})"


def rate_text(rate: Fraction) -> str:
    """``"24 fps"``, ``"30000/1001 fps (29.97)"``."""
    text = f"{format_rate(rate)} fps"
    return text if rate.denominator == 1 else f"{text} ({float(rate):.3f})"


def track_rows(project: Project, track: Track,
               media_status: Mapping[str, str] | None = None) -> list[Row]:
    """The rows of ``track``: items and the transitions between them, in timeline order."""
    status = media_status or {}
    rate = project.rate
    rows = []
    for index, entry in enumerate(track.items):
        start = frames_to_timecode(track.start_of(index), rate)
        if isinstance(entry, Transition):
            rows.append(Row(entry.kind, "", start, f"{entry.length} frames"))
            continue
        duration = f"{entry.duration} frames"
        if isinstance(entry, (Clip, Still, AudioItem)):
            media = project.media.get(entry.media_id)
            label = entry.name or (media.name or media.path if media else entry.media_id)
            state = status.get(entry.media_id, "online")
            kind = "clip" if isinstance(entry, Clip) else "still" if isinstance(entry, Still) \
                else "sound"
            rows.append(Row(kind, label, start, duration, "" if state == "online" else state))
        elif isinstance(entry, Generated):
            spec = entry.generation.spec
            prompt = f'"{spec.prompt}"'
            label = f"{entry.name}: {prompt}" if entry.name else prompt
            rows.append(Row(spec.kind, label, start, duration))
        elif isinstance(entry, Gap):
            rows.append(Row("gap", "", start, duration))
    return rows


def marker_rows(project: Project) -> list[Row]:
    """The timeline's markers in frame order: the colour as the kind, the name as the label."""
    return [Row(marker.colour, marker.name, frames_to_timecode(marker.frame, project.rate), "")
            for marker in project.timeline.markers]


def notes(opened: OpenedProject) -> list[str]:
    """Sentences the user should see about how the project was opened."""
    out = []
    if opened.read_only:
        out.append(f"Read-only: {opened.message or 'this project cannot be saved over.'}")
    elif opened.message:
        out.append(opened.message)
    if opened.recovery is not None:
        out.append(f"An autosave newer than this file exists: {opened.recovery}")
    return out


def summary(opened: OpenedProject) -> str:
    """A plain-text summary: settings, duration, tracks with their items, media and notes."""
    project = opened.project
    lines = [f"{project.name} — {opened.path}",
             f"{project.width}x{project.height}, {rate_text(project.rate)}, "
             f"{frames_text(project.timeline.duration, project.rate)}"]
    lines += notes(opened)
    for track in project.timeline.all_tracks():
        lines.append(f"Track {track.name or track.id}:")
        for row in track_rows(project, track, opened.media_status):
            flag = f"  [{row.status}]" if row.status else ""
            line = f"  {row.start}  {row.kind:<15} {row.duration:>11}  {row.label}{flag}"
            lines.append(line.rstrip())
    markers = marker_rows(project)
    if markers:
        lines.append(f"Markers ({len(markers)}):")
        lines += [f"  {row.start}  {row.kind:<15} {row.label}".rstrip() for row in markers]
    lines.append(f"Media ({len(project.media)}):")
    for media_id, media in project.media.items():
        state = opened.media_status.get(media_id, "online")
        lines.append(f"  {state:<8} {media.kind:<6} {media.name or media_id}  ({media.path})")
    return "\n".join(lines)
