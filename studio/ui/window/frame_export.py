"""File > Export Frame (Ctrl+Shift+E, Premiere's key): the timeline frame at the playhead, at the
project's size (an odd side one pixel less), saved as a PNG in the project's ``frames/`` folder
and added to the media bin as a still (one undo step), ready to pin in a shot or to animate.
Resolve calls it Grab Still.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QImage

from studio.document.timebase import frames_to_timecode
from studio.errors import RenderError
from studio.render.preview import frame_at
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.window.actions import ActionSpec
from studio.ui.window.session import ProjectSession

__all__ = ["FRAME_ACTIONS", "FrameExport"]

FRAME_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("export_frame", "Export Fra&me", "Ctrl+Shift+E", "edits.frames.export_frame",
               "can_edit", "File", tip="Save the frame at the playhead as a PNG in the project's "
               "frames folder and add it to the media bin as a still"),
)


class FrameExport:
    """Export Frame for one open project.

    Parameters
    ----------
    session
        The open project's session (its folder, and the import that adds the still).
    timeline
        Has the playhead.
    message
        Shows one sentence in the status bar.
    """

    def __init__(self, session: ProjectSession, timeline: QtTimelineView,
                 message: Callable[[str], None]) -> None:
        self.session, self.timeline, self._message = session, timeline, message

    def export_frame(self) -> Path | None:
        """Save the frame at the playhead and import it; the PNG's path, or None if refused."""
        session, frame = self.session, self.timeline.playhead
        if session.path is None:
            self._message("Save the project first: exported frames go in its folder.")
            return None
        try:
            picture = frame_at(session.project, session.folder, frame)
        except RenderError as exc:
            self._message(str(exc))
            return None
        height, width = picture.shape[:2]
        image = QImage(picture.data, width, height, 3 * width, QImage.Format.Format_RGB888)
        path = self._free_path(frame)
        try:
            path.parent.mkdir(exist_ok=True)
        except OSError as exc:
            self._message(f"Could not make {path.parent} ({exc.strerror or exc}); check the "
                          "project folder can be written.")
            return None
        if not image.save(str(path)):  # PNG, from the suffix
            self._message(f"Could not write {path}; check the project folder can be written.")
            return None
        if not session.import_media([path]):
            return None
        self._message(f"Frame {self._timecode(frame)} saved as frames/{path.name} and added to "
                      "the media bin.")
        return path

    def _free_path(self, frame: int) -> Path:
        """``frames/NAME 00-00-01-05.png``, numbered when that name is taken."""
        name = re.sub(r"[^\w .-]+", "_", self.session.project.name).strip() or "frame"
        stem = f"{name} {self._timecode(frame).replace(':', '-')}"
        folder = self.session.folder / "frames"
        path, number = folder / f"{stem}.png", 2
        while path.exists():
            path, number = folder / f"{stem} ({number}).png", number + 1
        return path

    def _timecode(self, frame: int) -> str:
        return frames_to_timecode(frame, self.session.project.rate)
