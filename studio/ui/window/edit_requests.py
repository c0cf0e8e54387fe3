"""What the views ask of one open project, turned into undo commands pushed through its session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from studio.document.edit_steps import fresh_copy
from studio.document.errors import EditError
from studio.document.model import (
    Clip,
    Gap,
    Generated,
    Item,
    Still,
    Track,
    Transition,
    new_id,
)
from studio.ui import commands
from studio.ui.docks.inspector import QtInspector
from studio.ui.docks.media_bin import QtMediaBin
from studio.ui.generation.finals import make_final
from studio.ui.generation.generation import GenerationActions
from studio.ui.generation.take_steps import choice_steps
from studio.ui.timeline.timeline_queries import covers, items_at
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.viewer.viewer import QtViewer
from studio.ui.window.frame_export import FrameExport
from studio.ui.window.marker_requests import MarkerRequests
from studio.ui.window.placing import placing_steps
from studio.ui.window.session import ProjectSession
from studio.ui.window.sound_requests import SoundRequests
from studio.ui.window.track_requests import TrackRequests


class EditRequests:
    """The Edit menu's work and the edits the timeline, media bin and inspector request.

    Nothing here edits the document directly: every request becomes commands pushed through
    ``session`` (a refusal is one sentence on the session's ``message``). Cut, Copy and Paste
    use a clipboard of this project's timeline items, kept here.

    Parameters
    ----------
    session
        The open project's session.
    timeline, media_list, inspector
        The views whose requests are followed.
    generation
        Queues a take when the inspector asks for one again (or a draft's final), and adds
        pins.
    viewer
        Shows a take selected in the inspector.
    message
        Shows one sentence in the status bar (why an edit did not happen).
    """

    def __init__(self, session: ProjectSession, timeline: QtTimelineView,
                 media_list: QtMediaBin, inspector: QtInspector,
                 generation: GenerationActions, viewer: QtViewer,
                 message: Callable[[str], None]) -> None:
        self.session = session
        self._message = message
        self.project = project = session.project
        self.timeline = timeline
        self.generation = generation
        self.viewer = viewer
        #: Copied items: ``(track id, frames after the first copied item's start, item)``.
        self.clipboard: list[tuple[str, int, Item]] = []
        #: Add Video Track, Add Audio Track, Remove Track.
        self.tracks = TrackRequests(session, timeline, message)
        #: Gain and fades from the inspector, Unlink Sound and Relink Sound.
        self.sound = SoundRequests(session, timeline, inspector, message)
        #: Add, go to, edit and delete markers.
        self.markers = MarkerRequests(session, timeline, message)
        #: Export Frame.
        self.frames = FrameExport(session, timeline, message)
        media_list.add_requested.connect(self.add_media_to_timeline)
        timeline.media_dropped.connect(self.add_media_to_timeline)
        timeline.files_dropped.connect(self._files_dropped)
        timeline.move_requested.connect(self._move_requested)
        timeline.trim_requested.connect(self._trim_requested)
        timeline.track_setting_requested.connect(
            lambda track_id, field, on: self.session.push(
                commands.SetTrackCommand(self.project, track_id, **{field: on})))
        # A fade drag names the fade's length, so each request replaces the drag's last one.
        timeline.fade_requested.connect(
            lambda item_id, field, frames, drag_id: session.push(
                commands.SetSoundCommand(project, item_id, gesture=("fade drag", drag_id),
                                         **{field: frames}), gesture=True))
        timeline.split_requested.connect(
            lambda item_id, frame: session.push(commands.SplitCommand(project, item_id, frame)))
        timeline.delete_requested.connect(
            lambda item_id: session.push(commands.RippleDeleteCommand(project, item_id)))
        inspector.spec_edit_requested.connect(self._spec_edit_requested)
        inspector.take_requested.connect(self._take_requested)
        inspector.take_selected.connect(self._take_selected)
        inspector.pin_requested.connect(generation.add_pins)
        inspector.trim_requested.connect(
            lambda item_id, in_delta, out_delta: session.push(commands.TrimCommand(
                project, item_id, in_delta=in_delta, out_delta=out_delta,
                gesture=("inspector trim", item_id))))

    # ------------------------------------------------------------------- Edit menu
    def split_at_playhead(self) -> None:
        """Split the selected items under the playhead (or, with none selected, the top one)."""
        frame = self.timeline.playhead
        ids = [i for i in self.timeline.selection if covers(self.project, i, frame)] or (
            items_at(self.project, frame)[:1])
        if not ids:
            self._message("There is no item under the playhead to split.")
            return
        self.session.transact("Split", [commands.SplitCommand(self.project, i, frame)
                                        for i in ids])

    def trim_to_playhead(self, side: str) -> bool:
        """Premiere's Q and W: cut the selected items under the playhead (or, with none
        selected, the top one) from their ``"start"`` to the playhead, or from the playhead to
        their ``"end"``, and close the hole (ripple), as one undo step; a linked sound is
        trimmed with its picture. After a start trim the playhead goes to the item's start,
        where the kept frames now begin."""
        frame = self.timeline.playhead
        chosen = [i for i in self.timeline.selection if covers(self.project, i, frame)
                  and not isinstance(self.project.find(i)[2], Gap)]
        ids = chosen or [i for i in items_at(self.project, frame)
                         if not isinstance(self.project.find(i)[2], Gap)][:1]
        if not ids:
            self._message("Put the playhead inside a clip, still or shot to trim it there "
                          "(on an edit point there is nothing to trim).")
            return False
        steps: list[commands.EditCommand] = []
        starts = []
        for item_id in ids:
            track, index, entry = self.project.find(item_id)
            if isinstance(entry, Transition) or getattr(entry, "link", None) in ids:
                continue  # a linked sound is trimmed with its picture
            start = track.start_of(index)
            starts.append(start)
            delta = ({"in_delta": frame - start} if side == "start"
                     else {"out_delta": frame - start - entry.duration})
            steps.append(commands.TrimCommand(self.project, item_id, ripple=True, **delta))
        name = "Trim start to playhead" if side == "start" else "Trim end to playhead"
        if not self.session.transact(name, steps):
            return False
        if side == "start":
            self.timeline.set_playhead(min(starts))
        return True

    def ripple_delete(self) -> None:
        """Remove the selected items and close their holes, as one undo step."""
        self.session.transact("Ripple delete", [
            commands.RippleDeleteCommand(self.project, entry.id)
            for _track, _index, entry in self._selected_entries()])

    def lift(self) -> bool:
        """Remove the selected items and leave gaps where they were, as one undo step."""
        ids = [entry.id for _track, _index, entry in self._selected_entries()
               if not isinstance(entry, Gap)]
        return bool(ids) and self.session.transact(
            "Lift", [commands.LiftCommand(self.project, i) for i in ids])

    def copy(self) -> bool:
        """Put the selected items (not gaps) on the clipboard, keeping their places relative to
        each other."""
        placed = [(track.id, track.start_of(index), entry)
                  for track, index, entry in self._selected_entries()
                  if isinstance(entry, (Clip, Still, Generated))]
        if not placed:
            self._message("Select clips, stills or shots to copy.")
            return False
        first = min(start for _track, start, _item in placed)
        self.clipboard = [(track, start - first, item) for track, start, item in placed]
        count = len(placed)
        self._message(f"Copied {count} item{'s' if count > 1 else ''}.")
        return True

    def cut(self) -> bool:
        """Copy the selected items, then lift them (their gaps stay), as editors do."""
        return self.copy() and self.lift()

    def can_paste(self) -> bool:
        """Whether there is something to paste."""
        return bool(self.clipboard)

    def paste(self) -> bool:
        """Put copies of the clipboard's items at the playhead over what lies there
        (overwrite), each on its own track, as one undo step; the playhead moves past them."""
        tracks = {t.id for t in self.project.timeline.tracks}
        if not self.clipboard or not tracks:
            return False
        at = self.timeline.playhead
        default = self.project.timeline.tracks[0].id
        steps: list[commands.EditCommand] = []
        end = at
        for track, offset, item in self.clipboard:
            copy = fresh_copy(item)
            steps.append(commands.OverwriteCommand(self.project, track if track in tracks
                                                   else default, at + offset, copy))
            end = max(end, at + offset + copy.duration)
        if not self.session.transact("Paste", steps):
            return False
        self.timeline.set_playhead(end)
        return True

    def paste_insert(self) -> bool:
        """Premiere's Paste Insert: open a hole as long as the clipboard's items at the playhead
        on each track they go on (what lies after it moves on, with its sounds), put copies of
        them in it, and move the playhead past them, as one undo step."""
        tracks = {t.id for t in self.project.timeline.tracks}
        if not self.clipboard or not tracks:
            return False
        at = self.timeline.playhead
        default = self.project.timeline.tracks[0].id
        placed = [(track if track in tracks else default, offset, fresh_copy(item))
                  for track, offset, item in self.clipboard]
        length = max(offset + item.duration for _track, offset, item in placed)
        steps: list[commands.EditCommand] = [
            commands.InsertCommand(self.project, track, at, Gap(id=new_id("gap"),
                                                                duration=length))
            for track in dict.fromkeys(track for track, _offset, _item in placed)]
        steps += [commands.OverwriteCommand(self.project, track, at + offset, item)
                  for track, offset, item in placed]
        if not self.session.transact("Paste insert", steps):
            return False
        self.timeline.set_playhead(at + length)
        return True

    def nudge(self, direction: str) -> bool:
        """Move the selected items (not gaps) one frame ``"left"`` or ``"right"``, over what
        lies there, as one undo step; a linked sound goes with its picture."""
        step = -1 if direction == "left" else 1
        chosen = set(self.timeline.selection)
        placed = [(track.start_of(index), track.id, entry.id)
                  for track, index, entry in self._selected_entries()
                  if not isinstance(entry, Gap) and getattr(entry, "link", None) not in chosen]
        if not placed:
            self._message("Select the items to nudge.")
            return False
        if min(start for start, _track, _item in placed) + step < 0:  # before any step opens
            self._message("Frame positions start at 0.")
            return False
        placed.sort(reverse=step > 0)  # the leading item first, so none runs over another
        return self.session.transact("Nudge", [
            commands.MoveCommand(self.project, item_id, track_id, start + step)
            for start, track_id, item_id in placed])

    def select_all(self) -> None:
        """Select every clip, still and shot on the timeline."""
        self.timeline.set_selection([item.id for track in self.project.timeline.tracks
                                     for _index, _start, item in track.layout()
                                     if not isinstance(item, Gap)])

    def _selected_entries(self) -> list[tuple[Track, int, Item]]:
        """``(track, index, entry)`` of each selected item still on the timeline (an edit
        just made may have removed some; the view drops them from its selection after it)."""
        found = []
        for item_id in self.timeline.selection:
            try:
                track, index, entry = self.project.find(item_id)
            except EditError:
                continue
            if not isinstance(entry, Transition):
                found.append((track, index, entry))
        return found

    def add_media_to_timeline(self, media_ids: list[str], track_id: str | None = None,
                              frame: int | None = None) -> bool:
        """Insert pool media at ``frame`` (else at the playhead, which then moves past them),
        one after another, as one undo step: clips and audio files whole, stills for three
        seconds; pictures on ``track_id`` or the first video track, sounds on ``track_id`` or
        the first audio track (:mod:`~studio.ui.window.placing`)."""
        project = self.project
        at = self.timeline.playhead if frame is None else frame
        steps, end = placing_steps(project, media_ids, track_id, at)
        if not steps:
            if media_ids and not project.timeline.tracks:
                self._message("The timeline has no video track to put pictures on; add one.")
            return False
        if not self.session.transact("Add to timeline", steps):
            return False
        if frame is None:  # as editors do: the playhead moves past what was put there
            self.timeline.set_playhead(end)
        return True

    # ------------------------------------------------------------------- view requests
    def _files_dropped(self, paths: list[Path], track_id: str, frame: int) -> None:
        self.session.import_media_in_background(
            paths, lambda added: self.add_media_to_timeline(added, track_id, frame))

    def _move_requested(self, item_id: str, track_id: str, frame: int, drag_id: int,
                        _final: bool, ripple: bool) -> None:
        # A move names its absolute destination, so each request replaces the drag's last
        # one: an item dragged across another must not overwrite it on the way.
        command = commands.MoveCommand(self.project, item_id, track_id, frame, ripple=ripple,
                                       gesture=("move", drag_id))
        self.session.push(command, gesture=True)

    def _trim_requested(self, item_id: str, in_delta: int, out_delta: int, drag_id: int,
                        _final: bool, ripple: bool) -> None:
        # A trim names the whole change since the press, so it too replaces the drag's last
        # request: a switch between ripple and overwrite mid-drag starts from the item as it
        # was, and a refused request leaves the last one that worked.
        self.session.push(commands.TrimCommand(self.project, item_id, in_delta=in_delta,
                                               out_delta=out_delta, ripple=ripple,
                                               gesture=("trim", drag_id)), gesture=True)

    def _spec_edit_requested(self, entry_id: str, field: str, value: object) -> None:
        fields: dict[str, object] = {field: value}
        if field == "size":  # a preset: both at once, None for the project's size
            width, height = value if isinstance(value, tuple) else (None, None)
            fields = {"width": width, "height": height}
        self.session.push(commands.SetSpecCommand(self.project, entry_id,
                                                  gesture=(entry_id, field), **fields))

    def _take_requested(self, entry_id: str, action: str, take_id: str) -> None:
        # The shot's sound follows the take it shows (take_steps.choice_steps).
        if action == "use":
            self.session.transact("Choose take", choice_steps(
                self.project, entry_id,
                commands.ChooseTakeCommand(self.project, entry_id, take_id)))
        elif action == "delete":  # the file stays in takes/, so undo brings the take back
            self.session.transact("Delete take", choice_steps(
                self.project, entry_id,
                commands.RemoveTakeCommand(self.project, entry_id, take_id)))
        elif action == "final":
            make_final(self.generation, entry_id, take_id)
        else:
            self.generation.generate([entry_id])

    def _take_selected(self, entry_id: str, take_id: str, active: bool) -> None:
        # A take other than the chosen one shows in the viewer until another is selected.
        if take_id and not active:
            self.viewer.show_take(entry_id, take_id)
        else:
            self.viewer.show_timeline()
