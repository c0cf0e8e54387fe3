"""Sound from the window: the inspector's gain and fades of a sound and gain of an audio track,
and the Edit menu's and the timeline's right-click menu's Unlink Sound and Relink Sound, each
one undo step.

Unlink Sound frees the selected sounds, and the sounds of the selected pictures, from what they
are linked to, so each can be moved and trimmed on its own. Relink Sound ties them together
again: the selected sounds to the one selected picture, or, with only sounds or only pictures
selected, each to the one item on the other kind of track that lies exactly with it (same
start and length, same media or a shot's), as an unlinked pair that was not moved apart does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from studio.document.edits import linked_sounds
from studio.document.errors import EditError
from studio.document.model import AudioItem, Clip, Generated, Item, Project, Still, Track
from studio.ui import commands
from studio.ui.docks.inspector import QtInspector
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.window.actions import ActionSpec
from studio.ui.window.session import ProjectSession

SOUND_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("unlink_sound", "U&nlink Sound", "", "edits.sound.unlink",
               "edits.sound.can_unlink", "Edit",
               tip="Free the selected items' sound from their pictures, so each moves on its "
                   "own"),
    ActionSpec("relink_sound", "Relin&k Sound", "", "edits.sound.relink",
               "edits.sound.can_relink", "Edit",
               tip="Link the selected sound to the selected picture again (or to the picture "
                   "it lies under)"),
)

#: The video items a sound can be linked to.
PICTURES = (Clip, Still, Generated)


class SoundRequests:
    """The sound edits of one open project, as commands pushed through ``session``.

    Parameters
    ----------
    session
        The open project's session.
    timeline
        Says what is selected, and which track's row was clicked (shown in the inspector).
    inspector
        Asks for gain and fade changes.
    message
        Shows one sentence in the status bar.
    """

    def __init__(self, session: ProjectSession, timeline: QtTimelineView,
                 inspector: QtInspector, message: Callable[[str], None]) -> None:
        self.session, self.timeline, self._message = session, timeline, message
        self.project: Project = session.project
        timeline.track_pointed.connect(inspector.point_track)
        # A box's steps in a row (its arrows held, the wheel turned) merge into one undo step,
        # as the shot settings' do.
        inspector.sound_edit_requested.connect(
            lambda item_id, field, value: session.push(commands.SetSoundCommand(
                self.project, item_id, gesture=(item_id, field), **{field: value})))
        inspector.track_edit_requested.connect(
            lambda track_id, field, value: session.push(commands.SetTrackCommand(
                self.project, track_id, gesture=(track_id, field), **{field: value})))

    # ------------------------------------------------------------------- Unlink
    def _to_unlink(self) -> list[str]:
        """Ids of the linked sounds among, or linked to, the selected items."""
        ids: list[str] = []
        for item_id in self.timeline.selection:
            item = self._item(item_id)
            if isinstance(item, AudioItem):
                found = [item] if item.link is not None else []
            else:
                found = [sound for *_at, sound in linked_sounds(self.project, item_id)]
            ids += [sound.id for sound in found if sound.id not in ids]
        return ids

    def can_unlink(self) -> bool:
        """Whether something selected is linked (and the project may be edited)."""
        return not self.session.read_only and bool(self._to_unlink())

    def unlink(self) -> bool:
        """Unlink the selected sounds and the sounds of the selected pictures, one undo step."""
        steps = [commands.UnlinkCommand(self.project, i) for i in self._to_unlink()]
        return self._transact("Unlink", steps, "Nothing selected is linked; select a clip with "
                              "sound or its sound.", "each now moves on its own")

    # ------------------------------------------------------------------- Relink
    def _pairs(self) -> list[tuple[str, str]]:
        """``(sound id, picture id)`` of each link Relink Sound would make; [] when none."""
        selected = [(i, self._item(i)) for i in self.timeline.selection]
        sounds = [item for _i, item in selected if isinstance(item, AudioItem)]
        pictures = [item for _i, item in selected if isinstance(item, PICTURES)]
        if len(pictures) == 1 and sounds:  # the selected sounds to the selected picture
            picture = pictures[0]
            return [(s.id, picture.id) for s in sounds if s.link != picture.id]
        if len(pictures) + len(sounds) != len(selected):
            return []
        pairs: list[tuple[str, str]] = []
        for sound in sounds:  # each sound to the one picture that lies exactly with it
            if sound.link is None:
                found = self._lying_with(sound, self.project.timeline.tracks)
                pairs += [(sound.id, found[0].id)] if len(found) == 1 else []
        for picture in pictures:  # a picture's unlinked sounds that lie exactly with it
            found = self._lying_with(picture, self.project.timeline.audio_tracks)
            pairs += [(s.id, picture.id) for s in found
                      if isinstance(s, AudioItem) and s.link is None]
        return sorted(set(pairs))

    def _lying_with(self, item: Item, tracks: list[Track]) -> Sequence[Item]:
        """The items of ``tracks`` with ``item``'s start and length that can be its pair: of
        the same media, or a shot and a sound (a take's sound is a file of its own)."""
        start = self._start(item.id)
        kinds = AudioItem if isinstance(item, PICTURES) else PICTURES
        return [other for track in tracks for _i, at, other in track.layout()
                if isinstance(other, kinds) and at == start and other.duration == item.duration
                and (isinstance(item, Generated) or isinstance(other, Generated)
                     or getattr(other, "media_id", None) == getattr(item, "media_id", None))]

    def can_relink(self) -> bool:
        """Whether Relink Sound has a link to make for the selection."""
        return not self.session.read_only and bool(self._pairs())

    def relink(self) -> bool:
        """Link the selected sounds and pictures again (see the module), one undo step."""
        steps = [commands.LinkCommand(self.project, s, p) for s, p in self._pairs()]
        return self._transact("Relink", steps, "Select a sound and the picture to link it to.",
                              "each moves with its picture again")

    def _transact(self, label: str, steps: Sequence[commands.EditCommand], refusal: str,
                  after: str) -> bool:
        """Push ``steps`` as one undo step and say what became of the sounds (``refusal``
        when there are none)."""
        if not steps:
            self._message(refusal)
            return False
        if not self.session.transact(label, steps):
            return False
        count = len(steps)
        self._message(f"{label}ed {count} sound{'s' if count > 1 else ''}; {after}.")
        return True

    # ------------------------------------------------------------------- lookups
    def _item(self, item_id: str) -> object:
        try:
            return self.project.find(item_id)[2]
        except EditError:  # a selected item an undo took away
            return None

    def _start(self, item_id: str) -> int:
        track, index, _entry = self.project.find(item_id)
        return track.start_of(index)
