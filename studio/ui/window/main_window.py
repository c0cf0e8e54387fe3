"""The studio's main window: it assembles docks, menus and actions around one ProjectSession."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMenu, QWidget

from studio.document import persistence
from studio.document.errors import DocumentError
from studio.document.model import Project
from studio.media.proxy import ProxyBuilder
from studio.outline import notes
from studio.ui.export.export_control import ExportControl
from studio.ui.export.export_dialog import ExportOptions
from studio.ui.export.otio_action import OtioExport
from studio.ui.generation.generation import GenerationActions
from studio.ui.generation.lora_requests import LoraRequests
from studio.ui.viewer.sound import SoundPlayer
from studio.ui.viewer.transport import Transport
from studio.ui.viewer.viewer import Playback, QtViewer
from studio.ui.window import chrome
from studio.ui.window.actions import ActionSpec, build_actions, fill_recent
from studio.ui.window.edit_requests import EditRequests
from studio.ui.window.editing_actions import STUDIO_ACTIONS
from studio.ui.window.help import Help
from studio.ui.window.project_views import ProjectViews
from studio.ui.window.prompts import Prompts
from studio.ui.window.session import AUTOSAVE_MS, ProjectSession, recent_projects
from studio.ui.window.status_bar import StudioStatusBar
from studio.ui.workers.proxies import QtProxies
from studio.ui.workers.thumbnails import QtThumbnails

if TYPE_CHECKING:
    from studio.ui.generation.engine_bridge import EngineBridge


#: The most questions open over one another that closing unasked dismisses in one go.
_NESTED_QUESTIONS = 8


class MainWindow(QMainWindow):
    """One open project: media bin, viewer, timeline, outline, inspector and jobs docks.

    Every menu item and shortcut comes from the action table (``STUDIO_ACTIONS``); their
    callbacks are the File methods below and the methods of the window's parts (Transport,
    EditRequests, ExportControl, OtioExport, GenerationActions, Help); docks, transport bar,
    icons and context menus come from :mod:`.chrome`. Nothing here edits the document directly.

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

    def __init__(self, opened: persistence.OpenedProject | None = None, *,
                 bridge: EngineBridge | None = None, prompts: Prompts | None = None,
                 autosave_ms: int = AUTOSAVE_MS, proxies: ProxyBuilder | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._unasked = False  # close_unasked: closing asks nothing
        # File dialogs open in the project's folder (looked up when asked).
        self.prompts = prompts or Prompts.dialogs(self, lambda: self.session.dialog_folder())
        self.autosave_ms = autosave_ms
        self.viewer = QtViewer()
        self.playback = Playback(self)
        self.thumbnails = QtThumbnails(parent=self)
        self.thumbnails.changed.connect(self._thumbnails_arrived)
        # Looked up when asked: tests and dialogs replace the prompts' functions.
        self.exports = ExportControl(lambda *args: self.prompts.export_options(*args), self,
                                     confirm_untaken=lambda n: self.prompts.confirm_untaken(n))
        self.status_bar = StudioStatusBar(self.exports.bar, engine=bridge is not None)
        self.otio = OtioExport(lambda: (self.project, self.session.folder),
                               lambda n: self.prompts.otio_path(n), self.status_bar.showMessage)
        self.setStatusBar(self.status_bar)
        self.sound = SoundPlayer(self.playback, self.status_bar.showMessage, parent=self)
        self.exports.message.connect(self.status_bar.showMessage)
        self.proxies = QtProxies(proxies, parent=self)
        self.proxies.message.connect(self.status_bar.showMessage)
        self.proxies.busy.connect(self.status_bar.show_proxies_busy)
        self.setAcceptDrops(True)  # files dropped anywhere on the window are imported
        self.docks = chrome.make_docks(self)
        self.bridge = bridge
        # Generate sends the prompt being typed first (Ctrl+Enter leaves the prompt unfinished).
        self.generation = GenerationActions(lambda: self.session, lambda: self.timeline.playhead,
                                            self.selection, bridge, parent=self,
                                            commit_edits=lambda: self.inspector.commit(),
                                            marks=lambda: self.transport.marked_range())
        self.generation.message.connect(self.status_bar.showMessage)
        self.loras = LoraRequests(bridge, lambda: self.prompts.lora_path(), lambda: self.project,
                                  self.selection, parent=self)
        self.loras.message.connect(self.status_bar.showMessage)
        self.jobs = None
        if self.generation.live is not None:
            from studio.ui.docks.jobs import QtJobsPanel  # engine_link only when it is used
            self.jobs = QtJobsPanel(self.generation.live)
            self.docks["Jobs"].setWidget(self.jobs)
            self.jobs.retry_requested.connect(self.generation.retry)
        self.docks["Jobs"].setVisible(bridge is not None)
        # The project's outline shows first; the jobs come to the front when one is queued.
        self.docks["Outline"].raise_()
        self.generation.submitted.connect(lambda *_: self.docks["Jobs"].raise_())
        # The new item is selected, so the inspector shows its prompt.
        self.generation.created.connect(lambda item_id: self._selected([item_id]))
        self.models: list[dict[str, Any]] = []  # the engine's model records
        if bridge is not None:
            bridge.status_changed.connect(self.status_bar.show_engine)
            bridge.cluster_changed.connect(self.status_bar.show_cluster)
            for changed in (bridge.job_changed, bridge.job_removed):
                changed.connect(lambda *_: self.status_bar.show_nodes(bridge.board.jobs.values()))
            bridge.models_changed.connect(self._models_changed)
        self.views: ProjectViews | None = None
        self.help = Help(self, lambda: self.action_set.specs)
        self.action_set = build_actions(self, STUDIO_ACTIONS, update=False)  # _load() does
        self.exports.changed.connect(self.action_set.update)
        self.setCentralWidget(chrome.viewer_panel(self.viewer, self.action_set, self.playback))
        menus = self.action_set.fill_menus(self.menuBar())
        self.recent_menu = QMenu("Open &Recent", self)
        menus["File"].insertMenu(self.action_set["quit"], self.recent_menu)
        menus["File"].insertSeparator(self.action_set["quit"])
        self.recent_menu.aboutToShow.connect(
            lambda: fill_recent(self.recent_menu, recent_projects(), self.open_project))
        chrome.add_dock_toggles(menus["View"], self.docks, jobs=bridge is not None)
        self.dock_shares = chrome.DockShares(self, self.docks)
        chrome.place_on_screen(self)
        self._load(opened)

    # ------------------------------------------------------------------- project life
    def _load(self, opened: persistence.OpenedProject | None) -> None:
        """Show ``opened`` (or a new project) with a fresh undo stack and fresh views."""
        recover = bool(opened and opened.recovery and self.prompts.recover(opened))
        if self.views is not None:  # replacing an open project
            self.playback.stop()
            self.views.close()
            self.exports.forget()  # the last export's file belonged to the old project
        session = ProjectSession(opened, recover=recover, autosave_ms=self.autosave_ms,
                                 parent=self)
        views = self.views = ProjectViews(session, self.thumbnails, self.generation.live)
        # The parts tests and actions reach, named as before the views were grouped.
        self.session, self.timeline, self.outline = session, views.timeline, views.outline
        self.timeline.snapping = self.action_set["snapping"].isChecked()
        self.media_list, self.inspector = views.media_list, views.inspector
        self.item_thumbs = views.item_thumbs
        for name, widget in views.docked().items():
            self.docks[name].setWidget(widget)
        message = self.status_bar.showMessage
        self.transport = Transport(self.playback, self.timeline, session.project, message)
        self.edits = EditRequests(session, self.timeline, self.media_list, self.inspector,
                                  self.generation, self.viewer, message)
        chrome.add_context_menus(self.timeline, self.media_list, self.action_set)
        chrome.follow_undo_texts(session.stack, self.action_set)
        self.timeline.selection_changed.connect(self._selected)
        self.outline.selection_changed.connect(self._selected)
        self.outline.marker_chosen.connect(self.timeline.set_playhead)
        self.timeline.playhead_moved.connect(self.viewer.show_frame)
        self.viewer.set_project(session.project, session.folder)
        self.sound.set_project(session.project, session.folder, self.timeline.playhead_moved)
        self.proxies.attach(session.project, session.folder)
        self.inspector.set_models(self.models)
        session.message.connect(message)
        session.dirty_changed.connect(self._refresh)
        session.stack.indexChanged.connect(self._refresh)
        self._refresh()
        if recover:
            note = "Recovered the autosaved work; save to keep it."
        else:
            note = "  ".join(notes(opened)) if opened else "New project."
        self.status_bar.showMessage(note)

    @property
    def project(self) -> Project:
        """The open project."""
        return self.session.project

    def _refresh(self, *_args: object) -> None:
        self.setWindowTitle(self.session.title())
        self.status_bar.show_project(self.session.project)
        self.action_set.update()

    def _may_discard(self) -> bool:
        """Ask what to do with unsaved changes; True if the project may be closed."""
        if not self.session.dirty:
            return True
        answer = self.prompts.confirm_close(self.project.name)
        return answer == "discard" or (answer == "save" and self.save())

    def close_unasked(self) -> None:
        """Close without asking anything, as when the system ends Frameloom (SIGTERM, a
        logout): unsaved work goes to the recovery file, which the next start offers to open.

        A question open at the time (a modal dialog, its own event loop) is dismissed first,
        as its Cancel would, and the window closes once its caller has had that answer; closed
        under the dialog, the window would leave the application running until someone
        answered it."""
        dismissed = False
        for _ in range(_NESTED_QUESTIONS):
            if not isinstance(dialog := QApplication.activeModalWidget(), QDialog):
                break
            dialog.reject()
            if dialog.isVisible():  # a dialog that refuses its Cancel is hidden, which ends it
                dialog.hide()
            dismissed = True
        if dismissed:
            QTimer.singleShot(0, self.close_unasked)
            return
        self.session.autosave()
        self._unasked = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._unasked and not self._may_discard():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything the window runs (autosave, playback, the viewer's thread, thumbnail
        and proxy making, an export in flight, which leaves nothing); closing does this."""
        self.session.close()
        self.playback.stop()
        self.sound.shutdown()
        self.viewer.detach()
        self.thumbnails.shutdown()
        self.proxies.shutdown()
        self.exports.shutdown()

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
            self.status_bar.showMessage(str(exc))
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
        folder = self.session.folder  # the media paths are relative to it now
        self.viewer.set_project(self.project, folder)
        self.item_thumbs.folder = self.proxies.folder = folder
        return True

    def export_timeline(self, target: Path | ExportOptions | None = None) -> bool:
        """Export the timeline in the background: to ``target``, or as the user chooses in
        the export dialog (which starts from the last export's settings)."""
        return self.exports.export_timeline(self.project, self.session.folder,
                                            self.transport.marked_range(), target)

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
        return bool(paths) and self.session.import_media(paths)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.session.import_media_in_background(paths)
            event.acceptProposedAction()

    def toggle_snapping(self) -> None:
        """Follow View > Snapping (N): dragged edges snap, or go where the pointer is."""
        on = self.action_set["snapping"].isChecked()
        self.timeline.snapping = on
        self.status_bar.showMessage("Snapping on." if on else "Snapping off: edges go where "
                                    "the pointer is.")

    def not_built(self, spec: ActionSpec) -> None:
        """What an action that does not exist yet says."""
        self.status_bar.showMessage(f"{spec.title.replace('&', '')} is not built yet.")

    # --------------------------------------------------------------- enabled states
    def can_save(self) -> bool:
        return self.session.dirty or self.session.path is None

    def has_offline_media(self) -> bool:
        return self.can_edit() and "offline" in self.session.media_status.values()

    def can_edit(self) -> bool:
        return not self.session.read_only

    def has_selection(self) -> bool:
        return self.can_edit() and bool(self.selection())

    # --------------------------------------------------------------- selection and models
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

    def _thumbnails_arrived(self) -> None:
        if self.views is not None:
            self.views.thumbnails_arrived()

    def _models_changed(self, models: list[dict[str, Any]]) -> None:
        self.models = list(models)
        self.inspector.set_models(self.models)
