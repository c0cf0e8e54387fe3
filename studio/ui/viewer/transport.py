"""The transport: play, shuttle, step and in/out marks on one project's timeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from studio.document.model import Project
from studio.document.timebase import frames_to_timecode
from studio.ui.viewer.viewer import Playback

MAX_SPEED = 8.0


class Playhead(Protocol):
    """What the transport needs of a timeline view: its playhead."""

    @property
    def playhead(self) -> int: ...

    def set_playhead(self, frame: int) -> None: ...


class Transport:
    """The Playback menu's work for one open project.

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
                            speed)

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

    def _mark(self, which: int, name: str) -> None:
        self.in_out[which] = self.timeline.playhead
        time = frames_to_timecode(self.timeline.playhead, self.project.rate)
        self.message(f"{name} point at {time}.")

    def marked_range(self) -> tuple[int, int] | None:
        """``(in, out)`` when both are marked and in order, else None."""
        start, end = self.in_out
        return (start, end) if start is not None and end is not None and start <= end else None
