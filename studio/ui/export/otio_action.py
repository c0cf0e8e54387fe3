"""The window's File > Export Timeline (OTIO): ask for a ``.otio`` path and write it there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from studio.document.model import Project
from studio.outline import frames_text, rate_text
from studio.render.otio_export import InterchangeError, export_otio

__all__ = ["OtioExport"]


class OtioExport:
    """Writes the open project's timeline as an OpenTimelineIO file the user names.

    The file is small and written at once (atomically) on the GUI thread; media and takes are
    referenced by absolute ``file://`` URLs, as ``frameloom export-otio`` writes them.

    Parameters
    ----------
    project
        Answers the open project and the folder its relative media paths start from.
    ask_path
        Asks for the ``.otio`` file, given the project's name (a save dialog in the project's
        folder, a plain function in tests); None when the user cancels.
    message
        Shows one sentence in the status bar: what was written, or why nothing was.
    """

    def __init__(self, project: Callable[[], tuple[Project, Path]],
                 ask_path: Callable[[str], Path | None], message: Callable[[str], None]) -> None:
        self.project = project
        self.ask_path = ask_path
        self.message = message

    def export(self, path: Path | None = None) -> bool:
        """Write the timeline to ``path`` (or a file the user picks); False if nothing was
        written (cancelled, or the sentence in the status bar says why)."""
        project, folder = self.project()
        path = path or self.ask_path(project.name)
        if path is None:
            return False
        try:
            export_otio(project, folder, path)
        except InterchangeError as exc:
            self.message(str(exc))
            return False
        self.message(f"Exported the timeline to {path.name}: {len(project.timeline.tracks)} "
                     f"track(s), {frames_text(project.timeline.duration, project.rate)} at "
                     f"{rate_text(project.rate)}.")
        return True
