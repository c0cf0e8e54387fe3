"""Timeline markers from the window: M adds one at the playhead, Shift+M and Ctrl+Shift+M go to
the next and previous one (Premiere's keys), and the Playback menu renames, recolours or deletes
the marker under the playhead. Each change is one undo step; markers are drawn on the ruler.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from studio.document.marker_edits import MAX_NAME, marker_at, next_marker
from studio.document.model import MARKER_COLOURS, Marker
from studio.document.timebase import frames_to_timecode
from studio.ui import commands
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.window.actions import ActionSpec
from studio.ui.window.session import ProjectSession

__all__ = ["MARKER_ACTIONS", "MarkerRequests", "ask_marker"]

MARKER_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("add_marker", "Add &Marker", "M", "edits.markers.add", "can_edit", "Playback",
               tip="Put a marker on the timeline at the playhead"),
    ActionSpec("next_marker", "Next Mar&ker", "Shift+M", "edits.markers.go_next", None,
               "Playback", tip="Move the playhead to the next marker"),
    ActionSpec("previous_marker", "Previous Mark&er", "Ctrl+Shift+M",
               "edits.markers.go_previous", None, "Playback",
               tip="Move the playhead to the previous marker"),
    ActionSpec("edit_marker", "Edit Marker…", "", "edits.markers.edit", "can_edit", "Playback",
               tip="Name and colour the marker at the playhead"),
    ActionSpec("delete_marker", "Delete Marker", "", "edits.markers.delete", "can_edit", "Playback",
               tip="Remove the marker at the playhead"),
)

Ask = Callable[[QWidget | None, Marker], "tuple[str, str] | None"]


def ask_marker(parent: QWidget | None, marker: Marker) -> tuple[str, str] | None:
    """A small dialog for a marker's name and colour; None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Edit Marker")
    form = QFormLayout(dialog)
    name = QLineEdit(marker.name, dialog)
    name.setMaxLength(MAX_NAME)
    name.setPlaceholderText("a note on this frame")
    colour = QComboBox(dialog)
    colour.addItems(list(MARKER_COLOURS))
    colour.setCurrentText(marker.colour)
    form.addRow("Name", name)
    form.addRow("Colour", colour)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return name.text(), colour.currentText()


class MarkerRequests:
    """The marker actions of one open project, as commands pushed through ``session``.

    Parameters
    ----------
    session
        The open project's session.
    timeline
        Has the playhead (and is the dialog's parent).
    message
        Shows one sentence in the status bar.
    ask
        Asks for a marker's name and colour (:func:`ask_marker`; tests pass their own).
    """

    def __init__(self, session: ProjectSession, timeline: QtTimelineView,
                 message: Callable[[str], None], ask: Ask = ask_marker) -> None:
        self.session, self.timeline, self._message, self._ask = session, timeline, message, ask
        self.project = session.project

    def add(self) -> bool:
        """Put a marker at the playhead (the status bar says where)."""
        frame = self.timeline.playhead
        if not self.session.push(commands.AddMarkerCommand(self.project, frame)):
            return False
        self._message(f"Marker at {self._timecode(frame)}; Edit Marker names it.")
        return True

    def go_next(self) -> bool:
        """Move the playhead to the next marker; say so when there is none."""
        return self._go(backward=False)

    def go_previous(self) -> bool:
        """Move the playhead to the previous marker; say so when there is none."""
        return self._go(backward=True)

    def _go(self, *, backward: bool) -> bool:
        marker = next_marker(self.project, self.timeline.playhead, backward=backward)
        if marker is None:
            where = "before" if backward else "after"
            self._message(f"No marker {where} the playhead.")
            return False
        self.timeline.set_playhead(marker.frame)
        if marker.name:
            self._message(f"Marker: {marker.name}")
        return True

    def edit(self) -> bool:
        """Ask for the name and colour of the marker at the playhead, and set them."""
        marker = self._here()
        if marker is None:
            return False
        answer = self._ask(self.timeline, marker)
        if answer is None:
            return False
        name, colour = " ".join(answer[0].split()), answer[1]
        if (name, colour) == (marker.name, marker.colour):  # OK without a change: no step
            return False
        return self.session.push(commands.UpdateMarkerCommand(self.project, marker.id,
                                                              name=name, colour=colour))

    def delete(self) -> bool:
        """Remove the marker at the playhead."""
        marker = self._here()
        if marker is None:
            return False
        return self.session.push(commands.RemoveMarkerCommand(self.project, marker.id))

    def _here(self) -> Marker | None:
        marker = marker_at(self.project, self.timeline.playhead)
        if marker is None:
            self._message("No marker at the playhead; Shift+M goes to the next one.")
        return marker

    def _timecode(self, frame: int) -> str:
        return frames_to_timecode(frame, self.project.rate)
