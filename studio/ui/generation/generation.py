"""The Generate menu's work: new generated items, queueing their jobs, and adding finished takes.

:class:`GenerationActions` turns a timeline selection into undo commands (a new shot, an
extension, a bridge, a loop, an animated still, a retake of the In to Out range, pins) and
into engine jobs through the :class:`~studio.ui.generation.engine_bridge.EngineBridge`; when
a job is done it copies the take into the project's ``takes/`` folder (off the GUI thread)
and adds it to its item as one undo step, with the seam figures the engine measured. Every
refusal is one sentence on ``message``, given when the item is made where it can be (a bridge
that could never be generated is not made). New shots draw a fresh seed, and generating again
with settings an earlier take was made with draws another, so each take differs and its spec
still reproduces it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from studio.document import persistence, serialize
from studio.document.errors import EditError
from studio.document.model import (
    DEFAULT_MODEL,
    MAX_SEED,
    Clip,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    Pin,
    Project,
    Still,
    TrackEntry,
    Transition,
    new_id,
)
from studio.document.retakes import retake_item
from studio.document.timebase import FrameRange
from studio.engine_link.board import JobView
from studio.engine_link.models import ModelBook
from studio.engine_link.take_files import StoredTake, store_with_sound
from studio.engine_link.takes import (
    GenerationSetupError,
    entry_of_job,
    job_id_for,
    request_for,
    take_for,
)
from studio.ui import commands
from studio.ui.generation.live_jobs import LiveJobs
from studio.ui.generation.take_steps import take_steps
from studio.ui.workers import threads

if TYPE_CHECKING:
    from studio.ui.generation.engine_bridge import EngineBridge
    from studio.ui.window.session import ProjectSession

#: What each "new item" action makes, and where it goes relative to the selected item.
KINDS = {"shot": "at the playhead", "extend_forward": "after", "extend_backward": "before",
         "bridge": "after", "loop": "after", "animate": "after"}
DEFAULT_SECONDS = 2


def fresh_seed() -> int:
    """A random seed for a new take."""
    return secrets.randbelow(MAX_SEED + 1)


def _generation_of(project: Project, entry_id: str) -> Generation | None:
    entry = project.find(entry_id)[2]
    return entry.generation if isinstance(entry, (Generated, Transition)) else None


def _spec_hash(project: Project, entry_id: str) -> str:
    generation = _generation_of(project, entry_id)
    return serialize.spec_hash(generation.spec) if generation is not None else ""


def bridge_refusal(first: TrackEntry, after: list[TrackEntry]) -> str | None:
    """Why a bridge from ``first`` to the entry after it (``after``: it, or nothing) could
    never be generated, in one sentence; None when it can be (once both sides have frames)."""
    following = after[0] if after else None
    if following is None or isinstance(following, Transition):
        return "A bridge goes between two items; select the first of two adjacent items."
    if isinstance(first, Still) or isinstance(following, Still):
        return ("A bridge cannot start or end on a still; animate the still first and bridge "
                "from that shot.")
    if isinstance(following, Gap):
        return ("A bridge needs a clip right after the selected item, not a gap; close the gap "
                "first.")
    if not isinstance(first, (Clip, Generated)):
        return "A bridge starts from a clip or a generated shot; select one."
    return None


class GenerationActions(QObject):
    """Creates generated items and runs their jobs for one window.

    Parameters
    ----------
    session
        Returns the window's current session (it changes when a project is opened).
    playhead, selection
        Return the timeline's playhead frame and selected entry ids.
    bridge
        The engine adapter, or None when the studio runs without an engine.
    commit_edits
        Sends an edit still being typed (the inspector's prompt) before anything is generated.
    marks
        Return the timeline's In and Out marks (both included), or None when not both are set.

    Attributes
    ----------
    live
        The bridge's jobs as this project's items see them (None without an engine).
    """

    message = Signal(str)
    submitted = Signal(str, str)  # job id, entry id
    created = Signal(str)  # the id of a new generated item, for the window to select

    def __init__(self, session: Callable[[], ProjectSession], playhead: Callable[[], int],
                 selection: Callable[[], list[str]], bridge: EngineBridge | None,
                 parent: QObject | None = None, *,
                 commit_edits: Callable[[], None] = lambda: None,
                 marks: Callable[[], tuple[int, int] | None] = lambda: None) -> None:
        super().__init__(parent)
        self._session, self._playhead, self._selection = session, playhead, selection
        self._commit_edits, self._marks = commit_edits, marks
        self.bridge = bridge
        self.live: LiveJobs | None = None
        #: What each model can do and needs, from the engine's model records.
        self.models = ModelBook()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="takes")
        self._storing: set[str] = set()
        self._jobs_spec: dict[str, tuple[str, str]] = {}  # job id -> (item, spec hash) sent
        threads.install()
        if bridge is not None:
            bridge.take_ready.connect(self.take_ready)
            bridge.request_failed.connect(self.message.emit)
            bridge.models_changed.connect(self.set_models)
            self.live = LiveJobs(bridge, self)
            self.live.message.connect(self.message.emit)

    @property
    def project(self) -> Project:
        return self._session().project

    def set_models(self, records: list[dict[str, object]]) -> None:
        """Take the engine's model records (what each model can do and needs)."""
        self.models = ModelBook(records)

    # ------------------------------------------------------------------ what models can do
    def _model_of(self, entry_id: str | None) -> str:
        """The model a new item made from ``entry_id`` uses: a generated item's own (an
        extension of a shot continues with its model), else the default model."""
        if entry_id is None:
            return DEFAULT_MODEL
        try:
            entry = self.project.find(entry_id)[2]
        except EditError:
            return DEFAULT_MODEL
        generation = entry.generation if isinstance(entry, (Generated, Transition)) else None
        return generation.spec.model_id if generation is not None else DEFAULT_MODEL

    def refusal(self, action: str) -> str | None:
        """Why the Generate action ``action`` cannot run on the selection with the model it
        would use, in one sentence (the catalog's operations, the engine's GPU); None when it
        can, or when the engine's records do not say."""
        selected = self._selection()
        if action == "generate":
            for entry_id in selected:
                try:  # the selection may still name an item an undo removed
                    generation = _generation_of(self.project, entry_id)
                except EditError:
                    continue
                if generation is not None:
                    spec = generation.spec
                    why = (self.models.refusal(spec.model_id, spec.kind, spec.duration)
                           or self.models.fit_refusal(spec.model_id))
                    if why is not None:
                        return why
            return None
        model_id = self._model_of(selected[0] if len(selected) == 1 else None)
        return self.models.refusal(model_id, action)

    # ------------------------------------------------------------------ new items
    def new_item(self, kind: str) -> str | None:
        """Insert a generated item of ``kind`` (see :data:`KINDS`) as one undo step.

        Returns its id, or None when it was refused (the reason is on ``message``).
        """
        project = self.project
        duration = max(1, round(DEFAULT_SECONDS * project.rate))
        selected = self._selection()
        try:
            track_id, frame, anchor = self._place(kind, selected)
        except GenerationSetupError as exc:
            self.message.emit(str(exc))
            return None
        pins: tuple[Pin, ...] = ()
        if kind == "animate":
            assert isinstance(anchor, Still)
            pins = (Pin(id=new_id("pin"), media_id=anchor.media_id, source=FrameRange(0, 1),
                        at=0),)
        model_id = self._model_of(anchor.id if anchor is not None else None)
        why = self.models.refusal(model_id, kind)
        if why is not None:
            self.message.emit(why)
            return None
        spec = GeneratedSpec(kind="shot" if kind == "animate" else kind,  # type: ignore[arg-type]
                             prompt="", duration=duration, pins=pins, seed=fresh_seed(),
                             model_id=model_id)
        item = Generated(id=new_id("gen"), generation=Generation(spec=spec),
                         source=FrameRange(0, duration),
                         name=kind.replace("_", " ").capitalize())
        if not self._session().push(commands.InsertCommand(project, track_id, frame, item)):
            return None
        self.created.emit(item.id)
        return item.id

    def retake_in_out(self) -> str | None:
        """Make the frames from In to Out of the clip or shot under them again, pinned to its
        frames on both sides: a ``retake`` item placed over them (one undo step), queued at
        once when it has a prompt (a shot's), else selected for one to be written.

        Returns the new item's id, or None when refused (the reason is on ``message``).
        """
        marks = self._marks()
        if marks is None:
            self.message.emit("Mark In and Out over the frames to make again first.")
            return None
        project = self.project
        try:
            track_id, frame, item = retake_item(project, *marks, selected=self._selection(),
                                                seed=fresh_seed())
        except EditError as exc:
            self.message.emit(str(exc))
            return None
        if not self._session().push(commands.OverwriteCommand(project, track_id, frame, item)):
            return None
        self.created.emit(item.id)
        if item.generation.spec.prompt.strip():
            self.generate([item.id])
        else:
            self.message.emit("Write what the retaken frames show in the inspector's prompt, "
                              "then Generate.")
        return item.id

    def _place(self, kind: str, selected: list[str]) -> tuple[str, int, TrackEntry | None]:
        """``(track id, frame, the selected entry)`` where a new ``kind`` item goes."""
        project = self.project
        tracks = project.timeline.tracks
        if not tracks:
            raise GenerationSetupError("The timeline has no track to put the item on.")
        if kind == "shot" and not selected:
            return tracks[0].id, min(self._playhead(), tracks[0].duration), None
        if len(selected) != 1:
            raise GenerationSetupError("Select one item on the timeline first.")
        try:
            track, index, entry = project.find(selected[0])
        except EditError as exc:
            raise GenerationSetupError(str(exc)) from None
        if isinstance(entry, Transition):
            raise GenerationSetupError("Select an item, not a transition.")
        start = track.start_of(index)
        if kind == "shot":
            return track.id, start + entry.duration, entry
        if kind == "animate" and not isinstance(entry, Still):
            raise GenerationSetupError("Select a still to animate.")
        if kind in ("extend_forward", "extend_backward", "loop") and not isinstance(
                entry, (Clip, Generated)):
            raise GenerationSetupError(f"Select a clip to {kind.replace('_', ' ')}.")
        refusal = bridge_refusal(entry, track.items[index + 1:index + 2]) \
            if kind == "bridge" else None
        if refusal is not None:
            raise GenerationSetupError(refusal)
        return track.id, start if KINDS[kind] == "before" else start + entry.duration, entry

    # ------------------------------------------------------------------ pins
    def add_pins(self, entry_id: str, what: object) -> bool:
        """Pin, at frame 0 of ``entry_id`` (the inspector then moves it), either the frame the
        playhead shows (``"playhead"``: the top clip or still under it), the one timeline frame
        ``what`` shows (an int: the viewer's frame dragged out), or pool media (a list of media
        ids: a still, or a clip's first frame); one undo step."""
        project = self.project
        try:
            entry: TrackEntry | None = project.find(entry_id)[2]
        except EditError:
            entry = None
        generation = entry.generation if isinstance(entry, (Generated, Transition)) else None
        if generation is None:
            self.message.emit("Select a generated shot to pin frames to.")
            return False
        if what == "playhead" or isinstance(what, int):
            at = self._playhead() if what == "playhead" else int(what)
            found = self._frame_under(entry_id, at)
            if found is None:
                self.message.emit("There is no clip or still under the playhead to pin."
                                  if what == "playhead" else
                                  "There is no clip or still in that frame to pin.")
                return False
            sources = [found]
        elif isinstance(what, Iterable):
            sources = [(m, 0) for m in what if m in project.media]
        else:
            raise TypeError(f"Pins come from 'playhead' or a list of media ids, not {what!r}.")
        pins = tuple(Pin(id=new_id("pin"), media_id=media_id, source=FrameRange(frame, 1), at=0)
                     for media_id, frame in sources)
        if not pins:
            return False
        return self._session().push(commands.SetSpecCommand(
            project, entry_id, pins=generation.spec.pins + pins))

    def _frame_under(self, entry_id: str, frame: int) -> tuple[str, int] | None:
        """``(media id, frame of it)`` shown at timeline ``frame`` by the top clip or still
        (other than ``entry_id``)."""
        for track in reversed(self.project.timeline.tracks):
            for _index, start, entry in track.layout():
                if entry.id == entry_id or not start <= frame < start + entry.duration:
                    continue
                if isinstance(entry, Clip):
                    return entry.media_id, entry.source.start + frame - start
                if isinstance(entry, Still):
                    return entry.media_id, 0
        return None

    # ------------------------------------------------------------------ jobs
    def generate(self, entry_ids: list[str] | None = None) -> list[str]:
        """Queue one job per selected generated item; returns the job ids sent.

        An edit still being typed in the inspector is sent first. An item whose settings made
        a take already, or a job still queued or running, gets a fresh seed first (an undo
        step), so the new take differs from it and its spec still reproduces it.
        """
        if self.bridge is None:
            self.message.emit("The engine is not running in this window, so nothing can be "
                              "generated; start the studio with 'frameloom PROJECT'.")
            return []
        self._commit_edits()
        session = self._session()
        project = session.project
        # An untitled project's media paths are absolute, so any folder resolves them.
        folder = session.path.parent if session.path is not None else Path.cwd()
        ids = entry_ids if entry_ids is not None else self._selection()
        sent: list[str] = []
        reseeded: list[int] = []
        model_id = ""
        for entry_id in ids:
            try:
                request, operation = request_for(project, folder, entry_id)
                if self._repeats(project, entry_id):
                    seed = fresh_seed()
                    if session.push(commands.SetSpecCommand(project, entry_id, seed=seed)):
                        reseeded.append(seed)
                        request, operation = request_for(project, folder, entry_id)
            except (GenerationSetupError, ValueError) as exc:
                self.message.emit(str(exc))
                continue
            why = (self.models.refusal(request.model_id, operation.kind, request.frames)
                   or self.models.fit_refusal(request.model_id))
            if why is not None:
                self.message.emit(why)
                continue
            job_id = job_id_for(project, entry_id)
            self._jobs_spec[job_id] = (entry_id, _spec_hash(project, entry_id))
            # A job the engine loses to a crash shows as interrupted, for the user to retry.
            self.bridge.submit(job_id, request, operation=operation,
                               requeue_if_interrupted=False)
            if self.live is not None:
                self.live.sent(job_id, request.prompt)
            self.submitted.emit(job_id, entry_id)
            sent.append(job_id)
            model_id = request.model_id
        if not ids:
            self.message.emit("Select a generated item to generate.")
        elif sent:
            note = f"Queued {len(sent)} job{'s' if len(sent) > 1 else ''}."
            needs = self.models.needs(model_id) if len(sent) == 1 else None
            if needs is not None:
                note += f" {model_id}: {needs}"
            if reseeded:
                note += (f" The settings had made a take already, so a new seed "
                         f"({', '.join(map(str, reseeded))}) makes a different one.")
            self.message.emit(note)
        return sent

    def _repeats(self, project: Project, entry_id: str) -> bool:
        """Whether the item's settings made one of its takes, or a job that is not over."""
        spec_hash = _spec_hash(project, entry_id)
        generation = _generation_of(project, entry_id)
        if generation is not None and any(t.spec_hash == spec_hash for t in generation.takes):
            return True
        board = self.bridge.board.jobs if self.bridge is not None else {}
        return any(made == (entry_id, spec_hash) and (
            job_id not in board or board[job_id].state in ("queued", "running"))
            for job_id, made in self._jobs_spec.items())

    def retry(self, job_id: str) -> None:
        """Queue the item a finished job was for again, with its current settings; a job is
        retried once, and not while its item has a job queued or running."""
        entry_id = entry_of_job(job_id, self.project)
        if entry_id is None:
            self.message.emit("That job was not made for an item of this project.")
            return
        if self.live is not None:
            if not self.live.can_retry(job_id):
                self.message.emit("That job was retried already, or its item is being "
                                  "generated.")
                return
            self.live.retried(job_id)
        self.generate([entry_id])

    def take_ready(self, job: JobView) -> None:
        """Add a finished job's take to its item, once, as an undo step."""
        session = self._session()
        project = session.project
        entry_id = entry_of_job(job.id, project)
        if entry_id is None or not job.outputs:
            return
        if session.read_only:
            self.message.emit(f"A take finished ({job.outputs[0]}), but this project is "
                              "read-only; save it under a new name to add takes.")
            return
        try:
            project.find(entry_id)
        except EditError:
            self.message.emit(f"A take finished for an item that was deleted; it is kept at "
                              f"{job.outputs[0]}.")
            return
        try:
            if take_for(project, entry_id, job.id, "") is None:
                return  # the item already has this job's take
        except GenerationSetupError as exc:
            self.message.emit(str(exc))
            return
        if job.id in self._storing:
            return  # being copied already (the board announced it twice)
        self._storing.add(job.id)
        takes = persistence.takes_dir(session.path) if session.path is not None else None
        # Hashing, copying and probing a take for sound is disk work: off the GUI thread, then
        # back for the edit.
        future = self._pool.submit(store_with_sound, job.outputs[0], takes)
        future.add_done_callback(
            threads.on_gui(self, lambda me, done: me._stored(entry_id, job, done)))

    def _stored(self, entry_id: str, job: JobView, future: Future[StoredTake]) -> None:
        self._storing.discard(job.id)
        session = self._session()
        if entry_of_job(job.id, session.project) != entry_id:
            return  # another project was opened meanwhile; the job shows it again on reopen
        try:
            stored = future.result()
            take = take_for(session.project, entry_id, job.id, stored.path, job.settings,
                            stored.sound)
        except GenerationSetupError as exc:
            self.message.emit(str(exc))
            return
        if take is not None and session.transact("Add take", take_steps(
                session.project, entry_id, take, stored.media(take.id))):
            self.message.emit("A new take is ready and active.")
