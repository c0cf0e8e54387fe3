"""Adding and removing tracks from the window: the Edit menu's and the timeline's right-click
menu's Add Video Track, Add Audio Track and Remove Track, each one undo step.

Remove Track acts on the track whose row was last clicked in the timeline (a right-click on a
row's header, then the menu, as in other editors), else on the track of the first selected
item. A track is removed with everything on it; the status bar says what went, and Undo puts
all of it back. The last video track stays (the timeline needs one for pictures).
"""

from __future__ import annotations

from collections.abc import Callable

from studio.document.model import Gap, Track, Transition
from studio.ui import commands
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.window.actions import ActionSpec
from studio.ui.window.session import ProjectSession

TRACK_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("add_video_track", "Add &Video Track", "", "edits.tracks.add_video", "can_edit",
               "Edit", tip="Add an empty video track above the others"),
    ActionSpec("add_audio_track", "Add A&udio Track", "", "edits.tracks.add_audio", "can_edit",
               "Edit", tip="Add an empty audio track below the others"),
    ActionSpec("remove_track", "Remove &Track", "", "edits.tracks.remove", "can_edit", "Edit",
               tip="Remove the track last clicked (or the selected item's) with everything on "
                   "it; Undo brings it back"),
)


class TrackRequests:
    """The track actions of one open project, as commands pushed through ``session``.

    Parameters
    ----------
    session
        The open project's session.
    timeline
        Says which track was last clicked (:attr:`QtTimelineView.pointed_track`) and what is
        selected.
    message
        Shows one sentence in the status bar.
    """

    def __init__(self, session: ProjectSession, timeline: QtTimelineView,
                 message: Callable[[str], None]) -> None:
        self.session, self.timeline, self._message = session, timeline, message
        self.project = session.project
        timeline.track_pointed.connect(self._name_target)

    def _name_target(self, _track_id: str) -> None:
        """Name the track Remove Track would remove on it (in the menus it is in), so the
        right-click menu of a row's header says which track goes."""
        target = self.target()
        for action in self.timeline.actions():
            if action.objectName() == "remove_track":
                name = f" {target.name or target.id}" if target is not None else ""
                action.setText(f"Remove &Track{name}")

    def add_video(self) -> bool:
        """Add an empty video track on top of the others."""
        return self._add("video")

    def add_audio(self) -> bool:
        """Add an empty audio track under the others."""
        return self._add("audio")

    def _add(self, kind: str) -> bool:
        timeline = self.project.timeline
        tracks = timeline.audio_tracks if kind == "audio" else timeline.tracks
        letter = "A" if kind == "audio" else "V"
        names = {t.name for t in tracks}
        number = len(tracks) + 1
        while f"{letter}{number}" in names:  # a removed track's neighbours keep their names
            number += 1
        return self.session.push(commands.AddTrackCommand(self.project, kind=kind,
                                                          name=f"{letter}{number}"))

    def target(self) -> Track | None:
        """The track Remove Track would remove: the one last clicked, else the selected
        item's; None when neither is on the timeline."""
        tracks = self.project.timeline.all_tracks()
        pointed = self.timeline.pointed_track
        for track in tracks:
            if track.id == pointed:
                return track
        for item_id in self.timeline.selection:
            for track in tracks:
                if any(entry.id == item_id for entry in track.items):
                    return track
        return None

    def remove(self) -> bool:
        """Remove :meth:`target` and everything on it, as one undo step."""
        track = self.target()
        if track is None:
            self._message("Click a track's row, then remove it.")
            return False
        name = track.name or track.id
        if track.kind == "video" and len(self.project.timeline.tracks) == 1:
            self._message(f"{name} is the only video track; the timeline keeps one.")
            return False
        items = sum(not isinstance(e, (Gap, Transition)) for e in track.items)
        if not self.session.push(commands.RemoveTrackCommand(self.project, track.id)):
            return False
        gone = {e.id for e in track.items}
        self.timeline.set_selection([i for i in self.timeline.selection if i not in gone])
        self._name_target("")
        held = f" and its {items} item{'s' if items != 1 else ''}" if items else ""
        self._message(f"Removed {name}{held}; Undo brings {'them' if items else 'it'} back.")
        return True
