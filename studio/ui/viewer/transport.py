"""The transport: play, shuttle, step, go to edits and In/Out marks on one project's timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from studio.document.model import Project
from studio.document.timebase import frames_to_timecode
from studio.ui.timeline.timeline_queries import next_edit, previous_edit
from studio.ui.viewer.viewer import Playback

MAX_SPEED = 8.0


class Playhead(Protocol):
    """What the transport needs of a timeline view: its playhead, and where marks are drawn."""

    @property
    def playhead(self) -> int: ...

    def set_playhead(self, frame: int) -> None: ...

    def set_marks(self, mark_in: int | None, mark_out: int | None) -> None: ...


class Transport:
    """The Playback menu's work for one open project.

    With both In and Out marked, playback keeps to them: it starts at In when the playhead is
    outside them and stops at Out, or with Loop on (:meth:`toggle_loop`, kept by ``playback``
    for the window) goes on from In. The marks are drawn on the timeline's ruler.

    Parameters
    ----------
    playback
        The window's playback clock; its ``seek`` moves ``timeline``'s playhead.
    timeline
        The view whose playhead is played from, stepped and marked.
    project
        The project shown (its rate and length).
    message
        Shows one sentence in the status bar.
    """

    def __init__(self, playback: Playback, timeline: Playhead, project: Project,
                 message: Callable[[str], None]) -> None:
        self.playback = playback
        self.timeline = timeline
        self.project = project
        self.message = message
        self.in_out: list[int | None] = [None, None]  # for export and generation ranges
        playback.seek.connect(timeline.set_playhead)

    def play_pause(self) -> None:
        """Play from the playhead at the project's rate, or stop."""
        if self.playback.playing:
            self.playback.stop()
        else:
            self._play(1.0)

    def shuttle_forward(self) -> None:
        """Play forward; pressed again while playing forward, twice as fast (up to 8x)."""
        speed = self.playback.speed
        self._play(1.0 if speed <= 0 else min(MAX_SPEED, speed * 2))

    def shuttle_back(self) -> None:
        """Play backward; pressed again, twice as fast (up to 8x)."""
        speed = self.playback.speed
        self._play(-1.0 if speed >= 0 else max(-MAX_SPEED, speed * 2))

    def shuttle_stop(self) -> None:
        """Stop playback."""
        self.playback.stop()

    def _play(self, speed: float) -> None:
        project = self.project
        self.playback.start(self.timeline.playhead, project.rate, project.timeline.duration,
                            speed, self.marked_range())

    def toggle_loop(self) -> None:
        """Loop playback (over In to Out when marked, else the whole timeline), or stop
        looping."""
        self.playback.loop = not self.playback.loop
        self.message("Playback loops." if self.playback.loop else "Playback stops at the end.")

    def go_to_start(self) -> None:
        """Move the playhead to the first frame."""
        self.timeline.set_playhead(0)

    def go_to_end(self) -> None:
        """Move the playhead to the end of the timeline (just after its last frame)."""
        self.timeline.set_playhead(self.project.timeline.duration)

    def previous_edit(self) -> None:
        """Move the playhead to the nearest item start or end before it, on any track."""
        self.timeline.set_playhead(previous_edit(self.project, self.timeline.playhead))

    def next_edit(self) -> None:
        """Move the playhead to the nearest item start or end after it, on any track."""
        self.timeline.set_playhead(next_edit(self.project, self.timeline.playhead))

    def step_back(self) -> None:
        """Move the playhead one frame back."""
        self.timeline.set_playhead(max(0, self.timeline.playhead - 1))

    def step_forward(self) -> None:
        """Move the playhead one frame on."""
        self.timeline.set_playhead(self.timeline.playhead + 1)

    def set_in(self) -> None:
        """Mark the playhead as the in point (for export and generation ranges)."""
        self._mark(0, "In")

    def set_out(self) -> None:
        """Mark the playhead as the out point."""
        self._mark(1, "Out")

    def go_to_in(self) -> None:
        """Move the playhead to the In mark."""
        self._go_to_mark(0, "In", "I")

    def go_to_out(self) -> None:
        """Move the playhead to the Out mark."""
        self._go_to_mark(1, "Out", "O")

    def _go_to_mark(self, which: int, name: str, key: str) -> None:
        frame = self.in_out[which]
        if frame is None:
            self.message(f"No {name} point is marked; press {key} to mark one at the playhead.")
        else:
            self.timeline.set_playhead(frame)

    def clear_marks(self) -> None:
        """Remove the In and Out marks."""
        self.in_out = [None, None]
        self.timeline.set_marks(None, None)
        self.message("In and Out cleared.")

    def _mark(self, which: int, name: str) -> None:
        frame = self.timeline.playhead
        self.in_out[which] = frame
        other = self.in_out[1 - which]
        if other is not None and (other < frame if which == 0 else other > frame):
            self.in_out[1 - which] = None  # a mark past the other one replaces it, as editors do
        self.timeline.set_marks(*self.in_out)
        self.message(f"{name} point at {frames_to_timecode(frame, self.project.rate)}.")

    def marked_range(self) -> tuple[int, int] | None:
        """``(in, out)`` when both are marked and in order, else None."""
        start, end = self.in_out
        return (start, end) if start is not None and end is not None and start <= end else None
