"""The studio's main window: it assembles docks, menus and actions around one ProjectSession."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QWidget,
)

from studio.document import persistence
from studio.document.errors import DocumentError
from studio.document.model import Project
from studio.outline import frames_text, notes, rate_text
from studio.document.timebase import frames_to_timecode
from studio.media.proxy import ProxyBuilder
from studio.ui import commands
from studio.ui.window.actions import ActionSpec, build_actions, fill_recent
from studio.ui.docks.inspector import QtInspector
from studio.ui.docks.media_bin import QtMediaBin
from studio.ui.docks.outline import QtOutline
from studio.ui.export.export_dialog import ExportOptions
from studio.ui.export.exporting import ExportRunner
from studio.ui.generation.generation import GenerationActions, items_for_media
from studio.ui.window.prompts import Prompts
from studio.ui.window.session import AUTOSAVE_MS, ProjectSession, recent_projects
from studio.ui.workers.proxies import QtProxies
from studio.ui.workers.thumbnails import ItemThumbnails, QtThumbnails
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.undo import transaction
from studio.ui.viewer.viewer import Playback, QtViewer

if TYPE_CHECKING:
    from studio.ui.generation.engine_bridge import EngineBridge

Area = Qt.DockWidgetArea


class MainWindow(QMainWindow):
    """One open project: media bin, viewer, timeline, outline, inspector and jobs docks.

    Every menu item and shortcut comes from :data:`studio.ui.window.actions.ACTIONS`; its callbacks
    are the public methods below, which build undo commands and push them through the
    session. Nothing here edits the document directly.

    Parameters
    ----------
    opened
        As :func:`studio.document.persistence.open_project` returned it, or None for a new
        project. If it has newer autosaved work, ``prompts.recover`` decides which to open.
    bridge
        The engine adapter; the jobs dock is shown only when one is given.
    prompts
        How the window asks the user things (file names, recovery, unsaved changes); Qt
        dialogs by default, plain functions in tests.
    autosave_ms
        Autosave period in milliseconds.
    proxies
        What builds the clips' preview proxies; a fresh :class:`ProxyBuilder` by default.
    """

    session: ProjectSession
    timeline: QtTimelineView
    outline: QtOutline
    media_list: QtMediaBin
    inspector: QtInspector

    def __init__(self, opened: persistence.OpenedProject | None = None, *,
                 bridge: EngineBridge | None = None, prompts: Prompts | None = None,
                 autosave_ms: int = AUTOSAVE_MS, proxies: ProxyBuilder | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompts = prompts or Prompts.dialogs(self)
        self.autosave_ms = autosave_ms
        self.in_out: list[int | None] = [None, None]
        self.last_export: ExportOptions | None = None
        self.resize(960, 540)
        self.viewer = QtViewer()
        self.setCentralWidget(self.viewer)
        self.playback = Playback(self)
        self.thumbnails = QtThumbnails(parent=self)
        self.thumbnails.changed.connect(self._thumbnails_arrived)
        self.proxies = QtProxies(proxies, parent=self)
        self.proxies.message.connect(self.statusBar().showMessage)
        self.proxy_label = QLabel()
        self.proxy_label.setObjectName("proxy_status")
        self.proxy_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.proxy_label)
        self.proxies.busy.connect(self._proxies_busy)
        self.setAcceptDrops(True)  # files dropped anywhere on the window are imported
        self.docks = {name: self._dock(name, area) for name, area in (
            ("Media", Area.LeftDockWidgetArea), ("Timeline", Area.BottomDockWidgetArea),
            ("Outline", Area.RightDockWidgetArea), ("Inspector", Area.RightDockWidgetArea),
            ("Jobs", Area.RightDockWidgetArea))}
        self.tabifyDockWidget(self.docks["Outline"], self.docks["Jobs"])
        self.jobs = None
        if bridge is not None:
            from studio.ui.docks.jobs import QtJobsPanel  # engine_link only when it is used
            self.jobs = QtJobsPanel(bridge)
            self.docks["Jobs"].setWidget(self.jobs)
        self.docks["Jobs"].setVisible(bridge is not None)
        self.exporter = ExportRunner(self)
        self.export_bar = QProgressBar()
        self.export_bar.setMaximumWidth(160)
        self.export_bar.setVisible(False)
        self.statusBar().addPermanentWidget(self.export_bar)
        self.exporter.progress.connect(self._export_progress)
        self.exporter.notice.connect(self.statusBar().showMessage)
        self.exporter.finished.connect(self._export_finished)
        self.duration_label = QLabel()
        self.statusBar().addPermanentWidget(self.duration_label)
        self.engine_label = QLabel("Engine: off" if bridge is None else "Engine: starting")
        self.engine_label.setObjectName("engine_status")
        self.statusBar().addPermanentWidget(self.engine_label)
        self.bridge = bridge
        self.generation = GenerationActions(lambda: self.session, lambda: self.timeline.playhead,
                                            self.selection, bridge, parent=self)
        self.generation.message.connect(self.statusBar().showMessage)
        self.models: list[str] = []
        if bridge is not None:
            bridge.status_changed.connect(self._engine_status)
            bridge.models_changed.connect(self._models_changed)
        if self.jobs is not None:
            self.jobs.retry_requested.connect(self.generation.retry)
        self.action_set = build_actions(self, update=False)  # _load() updates them
        menus = self.action_set.fill_menus(self.menuBar())
        self.recent_menu = menus["File"].addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(
            lambda: fill_recent(self.recent_menu, recent_projects(), self.open_project))
        self._load(opened)

    def _dock(self, name: str, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(name, self)
        dock.setObjectName(name.lower())
        self.addDockWidget(area, dock)
        return dock

    # ------------------------------------------------------------------- project life
    def _load(self, opened: persistence.OpenedProject | None) -> None:
        """Show ``opened`` (or a new project) with a fresh undo stack and fresh views."""
        recover = bool(opened and opened.recovery and self.prompts.recover(opened))
        if hasattr(self, "session"):  # replacing an open project
            self.playback.stop()
            self.session.close()
            self.session.deleteLater()  # its stack keeps the old project alive otherwise
            for view in (self.timeline, self.outline, self.media_list, self.inspector):
                view.detach()
                view.deleteLater()
            self.docks["Inspector"].widget().deleteLater()  # the inspector's scroll area
            self.in_out = [None, None]  # marks and export file belonged to the old project
            self.last_export = None
        session = self.session = ProjectSession(opened, recover=recover,
                                                autosave_ms=self.autosave_ms, parent=self)
        project = session.project
        self.item_thumbs = ItemThumbnails(self.thumbnails, project, self._folder())
        self.timeline = QtTimelineView(project)
        self.timeline.thumbs = self.item_thumbs.item
        self.outline = QtOutline(project, session.media_status)
        self.media_list = QtMediaBin(project, session.media_status,
                                     thumb=self.item_thumbs.media)
        self.media_list.add_requested.connect(self.add_media_to_timeline)
        self.timeline.media_dropped.connect(self.add_media_to_timeline)
        self.timeline.files_dropped.connect(self._files_dropped)
        self.inspector = QtInspector(project, thumb=self.item_thumbs.take)
        # The inspector scrolls, so its many rows never force the window taller.
        inspector = QScrollArea()
        inspector.setWidgetResizable(True)
        inspector.setFrameShape(QFrame.Shape.NoFrame)
        inspector.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inspector.setWidget(self.inspector)
        for name, view in (("Timeline", self.timeline), ("Outline", self.outline),
                           ("Media", self.media_list), ("Inspector", inspector)):
            self.docks[name].setWidget(view)
        self.timeline.selection_changed.connect(self._selected)
        self.timeline.playhead_moved.connect(self.viewer.show_frame)
        self.playback.seek.connect(self.timeline.set_playhead)
        self.viewer.set_project(project, self._folder())
        self.proxies.attach(project, self._folder())
        self.outline.selection_changed.connect(self._selected)
        self.timeline.move_requested.connect(self._move_requested)
        self.timeline.trim_requested.connect(self._trim_requested)
        self.timeline.split_requested.connect(
            lambda item_id, frame: session.push(commands.SplitCommand(project, item_id, frame)))
        self.timeline.delete_requested.connect(
            lambda item_id: session.push(commands.RippleDeleteCommand(project, item_id)))
        self.inspector.spec_edit_requested.connect(self._spec_edit_requested)
        self.inspector.take_requested.connect(self._take_requested)
        self.inspector.take_selected.connect(self._take_selected)
        self.inspector.pin_requested.connect(self.generation.add_pins)
        self.inspector.trim_requested.connect(
            lambda item_id, in_delta, out_delta: session.push(commands.TrimCommand(
                project, item_id, in_delta=in_delta, out_delta=out_delta,
                gesture=("inspector trim", item_id))))
        self.inspector.set_models(self.models)
        session.message.connect(self.statusBar().showMessage)
        session.dirty_changed.connect(self._refresh)
        session.stack.indexChanged.connect(self._refresh)
        self._refresh()
        if recover:
            note = "Recovered the autosaved work; save to keep it."
        else:
            note = "  ".join(notes(opened)) if opened else "New project."
        self.statusBar().showMessage(note)

    @property
    def project(self) -> Project:
        """The open project."""
        return self.session.project

    def _refresh(self, *_args: Any) -> None:
        project = self.session.project
        self.setWindowTitle(self.session.title())
        self.duration_label.setText(
            f"{project.width}x{project.height}, {rate_text(project.rate)}, "
            f"{frames_text(project.timeline.duration, project.rate)}")
        self.action_set.update()

    def _may_discard(self) -> bool:
        """Ask what to do with unsaved changes; True if the project may be closed."""
        if not self.session.dirty:
            return True
        answer = self.prompts.confirm_close(self.project.name)
        return answer == "discard" or (answer == "save" and self.save())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self._may_discard():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything the window runs (autosave, playback, the viewer's thread, thumbnail
        and proxy making, an export in flight, which leaves nothing); closing does this."""
        self.session.close()
        self.playback.stop()
        self.viewer.detach()
        self.thumbnails.shutdown()
        self.proxies.shutdown()
        if self.exporter.running:  # an export in flight is cancelled; it leaves nothing
            self.exporter.cancel()
            self.exporter.wait(10)

    # ------------------------------------------------------------------- File actions
    def new_project(self) -> None:
        """Close the project (asking about unsaved changes) and start an empty one."""
        if self._may_discard():
            self._load(None)

    def open_project(self, path: Path | None = None) -> bool:
        """Open ``path`` (or one the user picks); False if nothing was opened."""
        path = path or self.prompts.open_path()
        if path is None or not self._may_discard():
            return False
        try:
            opened = persistence.open_project(path)
        except DocumentError as exc:
            self.statusBar().showMessage(str(exc))
            return False
        self._load(opened)
        return True

    def save(self) -> bool:
        """Save to the project's file; a new or read-only project asks for a file instead."""
        if self.session.path is None or self.session.read_only:
            return self.save_as()
        return self.session.save()

    def save_as(self) -> bool:
        """Save to a file the user picks."""
        path = self.prompts.save_path(self.project.name)
        if path is None or not self.session.save(path):
            return False
        self.viewer.set_project(self.project, self._folder())  # paths are relative to it now
        self.item_thumbs.folder = self.proxies.folder = self._folder()
        return True

    def _proxies_busy(self, text: str) -> None:
        self.proxy_label.setText(text)
        self.proxy_label.setVisible(bool(text))

    def _folder(self) -> Path:
        """The folder the project's media paths are relative to."""
        return self.session.path.parent if self.session.path is not None else Path.cwd()

    def export_timeline(self, target: Path | ExportOptions | None = None) -> bool:
        """Export the timeline in the background: to ``target``, or as the user chooses in
        the export dialog (which starts from the last export's settings)."""
        if target is None:
            start = self.last_export or ExportOptions.for_path(
                self._folder() / f"{self.project.name}.mp4")
            marks = self.in_out
            target = self.prompts.export_options(
                start, self.project, (marks[0], marks[1]) if marks[0] is not None
                and marks[1] is not None and marks[0] <= marks[1] else None)
            if target is None:
                return False
        options = target if isinstance(target, ExportOptions) else ExportOptions.for_path(target)
        started = self.exporter.start(self.project, self._folder(), options)
        if started:
            self.last_export = options
            self.export_bar.setValue(0)
            self.export_bar.setVisible(True)
            self.statusBar().showMessage(f"Exporting {options.path.name}…")
        self.action_set.update()
        return started

    def cancel_export(self) -> None:
        """Stop the running export; nothing is left under its name."""
        self.exporter.cancel()

    def _export_progress(self, done: int, total: int) -> None:
        self.export_bar.setMaximum(max(1, total))
        self.export_bar.setValue(done)

    def _export_finished(self, _written: bool, sentence: str) -> None:
        self.export_bar.setVisible(False)
        self.statusBar().showMessage(sentence)
        self.action_set.update()

    def relink_media(self, folder: Path | None = None) -> None:
        """Find moved offline media in a folder the user picks (matched by content)."""
        folder = folder or self.prompts.search_folder()
        if folder is not None:
            self.session.relink_in_background(folder)

    def import_media_action(self) -> None:
        """File > Import Media: files the user picks, probed off the GUI thread."""
        paths = self.prompts.media_paths()
        if paths:
            self.session.import_media_in_background(paths)

    def import_media(self, paths: list[Path] | None = None) -> bool:
        """Add stills and clips to the media pool as one undo step."""
        paths = paths if paths is not None else self.prompts.media_paths()
        if not paths:
            return False
        return self.session.import_media(paths)

    def add_media_to_timeline(self, media_ids: list[str], track_id: str | None = None,
                              frame: int | None = None) -> bool:
        """Insert pool media at ``frame`` (else at the playhead, which then moves past them) of
        ``track_id`` (the first track), one after another, as one undo step: clips whole,
        stills for three seconds."""
        project = self.project
        if not project.timeline.tracks:
            self.statusBar().showMessage("The timeline has no track to put media on.")
            return False
        track = track_id or project.timeline.tracks[0].id
        at = self.timeline.playhead if frame is None else frame
        steps = []
        for item in items_for_media(project, media_ids):
            steps.append(commands.InsertCommand(project, track, at, item))
            at += item.duration
        if not steps or not self.session.transact("Add to timeline", steps):
            return False
        if frame is None:  # as editors do: the playhead moves past what was put there
            self.timeline.set_playhead(at)
        return True

    def _files_dropped(self, paths: list[Path], track_id: str, frame: int) -> None:
        self.session.import_media_in_background(
            paths, lambda added: self.add_media_to_timeline(added, track_id, frame))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.session.import_media_in_background(paths)
            event.acceptProposedAction()

    def _thumbnails_arrived(self) -> None:
        self.timeline.update()
        self.media_list.refresh_icons()
        self.inspector.refresh_icons()

    # ------------------------------------------------------------------- Edit actions
    def undo(self) -> None:
        """Undo the last step."""
        self.session.stack.undo()

    def redo(self) -> None:
        """Redo the last undone step."""
        self.session.stack.redo()

    def split_at_playhead(self) -> None:
        """Split the selected items under the playhead (or, with none selected, the top one)."""
        frame = self.timeline.playhead
        ids = [i for i in self.selection() if self._covers(i, frame)] or self._items_at(frame)[:1]
        if not ids:
            self.statusBar().showMessage("There is no item under the playhead to split.")
            return
        self.session.transact("Split", [commands.SplitCommand(self.project, i, frame)
                                        for i in ids])

    def ripple_delete(self) -> None:
        """Remove the selected items and close their holes, as one undo step."""
        self.session.transact("Ripple delete", [commands.RippleDeleteCommand(self.project, i)
                                         for i in self.selection()])

    # --------------------------------------------------------------- Playback and view
    def play_pause(self) -> None:
        """Play from the playhead at the project's rate, or stop."""
        if self.playback.playing:
            self.playback.stop()
        else:
            self._play(1.0)

    def shuttle_forward(self) -> None:
        """Play forward; pressed again while playing forward, twice as fast (up to 8x)."""
        speed = self.playback.speed
        self._play(1.0 if speed <= 0 else min(8.0, speed * 2))

    def shuttle_back(self) -> None:
        """Play backward; pressed again, twice as fast (up to 8x)."""
        speed = self.playback.speed
        self._play(-1.0 if speed >= 0 else max(-8.0, speed * 2))

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
        self.statusBar().showMessage(f"{name} point at {time}.")

    def zoom_in(self) -> None:
        """Show fewer frames, larger."""
        self.timeline.zoom_in()

    def zoom_out(self) -> None:
        """Show more frames, smaller."""
        self.timeline.zoom_out()

    # --------------------------------------------------------------- Generate actions
    def new_shot(self) -> None:
        """Insert an empty shot after the selected item, or at the playhead."""
        self._new_item("shot")

    def animate_still(self) -> None:
        """Insert a shot after the selected still with the still pinned at its first frame."""
        self._new_item("animate")

    def extend_forward(self) -> None:
        """Insert an extension after the selected clip."""
        self._new_item("extend_forward")

    def extend_backward(self) -> None:
        """Insert an extension before the selected clip."""
        self._new_item("extend_backward")

    def bridge_to_next(self) -> None:
        """Insert a bridge between the selected item and the next one."""
        self._new_item("bridge")

    def loop_clip(self) -> None:
        """Insert a loop after the selected clip, back into its first frame."""
        self._new_item("loop")

    def _new_item(self, kind: str) -> None:
        item_id = self.generation.new_item(kind)
        if item_id is not None:  # the new item is selected, so the inspector shows its prompt
            self._selected([item_id])

    def generate(self) -> None:
        """Queue a take for each selected generated item."""
        self.generation.generate()

    def _engine_status(self, state: str, sentence: str) -> None:
        self.engine_label.setText(f"Engine: {state}")
        self.engine_label.setToolTip(sentence)
        if state in ("restarting", "failed"):
            self.statusBar().showMessage(sentence)

    def not_built(self, spec: ActionSpec) -> None:
        """What an action that does not exist yet says."""
        self.statusBar().showMessage(f"{spec.title.replace('&', '')} is not built yet.")

    # --------------------------------------------------------------- enabled states
    def can_save(self) -> bool:
        return (self.session.dirty or self.session.path is None)

    def has_offline_media(self) -> bool:
        return self.can_edit() and "offline" in self.session.media_status.values()

    def can_export(self) -> bool:
        return not self.exporter.running

    def is_exporting(self) -> bool:
        return self.exporter.running

    def can_edit(self) -> bool:
        return not self.session.read_only

    def can_undo(self) -> bool:
        return self.session.stack.canUndo()

    def can_redo(self) -> bool:
        return self.session.stack.canRedo()

    def has_selection(self) -> bool:
        return self.can_edit() and bool(self.selection())

    # --------------------------------------------------------------- view requests
    def selection(self) -> list[str]:
        """Ids of the selected timeline entries."""
        return self.timeline.selection

    def _selected(self, ids: list[str]) -> None:
        if ids != self.timeline.selection:
            self.timeline.set_selection(ids)
        if ids != self.outline.selected_ids():
            self.outline.select(ids)
        self.inspector.show_entry(ids[0] if len(ids) == 1 else None)
        self.action_set.update()

    def _covers(self, item_id: str, frame: int) -> bool:
        track, index, entry = self.project.find(item_id)
        start = track.start_of(index)
        return start < frame < start + getattr(entry, "duration", 0)

    def _items_at(self, frame: int) -> list[str]:
        """Items the playhead lies strictly inside, top track first."""
        return [e.id for t in reversed(self.project.timeline.tracks) for _i, s, e in t.layout()
                if s < frame < s + e.duration]

    def _move_requested(self, item_id: str, track_id: str, frame: int, drag_id: int,
                        _final: bool) -> None:
        # A move names its absolute destination, so each request replaces the drag's last
        # one: an item dragged across another must not overwrite it on the way.
        command = commands.MoveCommand(self.project, item_id, track_id, frame,
                                       gesture=("move", drag_id))
        self.session.push(command, gesture=True)

    def _trim_requested(self, item_id: str, in_delta: int, out_delta: int, drag_id: int,
                        _final: bool) -> None:
        # Trim requests are steps that add up over the drag: each is applied and merged.
        if in_delta or out_delta:
            self.session.push(commands.TrimCommand(self.project, item_id, in_delta=in_delta,
                                                   out_delta=out_delta,
                                                   gesture=("trim", drag_id)))

    def _spec_edit_requested(self, entry_id: str, field: str, value: object) -> None:
        fields: dict[str, object] = {field: value}
        if field == "size":  # a preset: both at once, None for the project's size
            width, height = value if isinstance(value, tuple) else (None, None)
            fields = {"width": width, "height": height}
        self.session.push(commands.SetSpecCommand(self.project, entry_id,
                                                   gesture=(entry_id, field), **fields))

    def _take_requested(self, entry_id: str, action: str, take_id: str) -> None:
        if action == "use":
            self.session.push(commands.ChooseTakeCommand(self.project, entry_id, take_id))
        elif action == "delete":  # the file stays in takes/, so undo brings the take back
            self.session.push(commands.RemoveTakeCommand(self.project, entry_id, take_id))
        else:
            self.generation.generate([entry_id])

    def _take_selected(self, entry_id: str, take_id: str, active: bool) -> None:
        # A take other than the chosen one shows in the viewer until another is selected.
        if take_id and not active:
            self.viewer.show_take(entry_id, take_id)
        else:
            self.viewer.show_timeline()

    def _models_changed(self, model_ids: list[str]) -> None:
        self.models = list(model_ids)
        self.inspector.set_models(self.models)
