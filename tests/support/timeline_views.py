"""Timeline views for tests: made, sized, zoomed and shown, ready to be grabbed or clicked."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from studio.document.model import Project
from studio.ui.timeline.timeline_view import QtTimelineView


def shown_timeline(qtbot: QtBot, project: Project, size: tuple[int, int],
                   pixels_per_frame: float) -> QtTimelineView:
    """A timeline view of ``project``, ``size`` pixels at ``pixels_per_frame``, on screen."""
    view = QtTimelineView(project)
    qtbot.addWidget(view)
    view.resize(*size)
    view.set_pixels_per_frame(pixels_per_frame)
    view.show()
    qtbot.waitExposed(view)
    return view
