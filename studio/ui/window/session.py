"""One open project: its undo stack, its file, autosave, the dirty state and recent projects."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from studio import paths
from studio.document import persistence
from studio.document.changes import Change, SetMedia
from studio.document.errors import DocumentError, EditError
from studio.document.model import MediaRef, Project, new_project
from studio.document.persistence import relative_media_path
from studio.document.relink import find_relinks
from studio.errors import MediaError
from studio.media.importer import import_media
from studio.ui.commands import (
    AddMediaCommand,
    EditCommand,
    RelinkMediaCommand,
    push,
    push_gesture,
)
from studio.ui.undo import transaction
from studio.ui.workers import threads

__all__ = ["AUTOSAVE_MS", "ProjectSession", "recent_projects", "remember_project"]

AUTOSAVE_MS = 60_000
RECENT_KEPT = 10


def _recent_file() -> Path:
    return paths.data_dir() / "recent.json"


def recent_projects() -> list[Path]:
    """Project files opened or saved lately, newest first (a damaged list reads as empty)."""
    try:
        data = json.loads(_recent_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in data if isinstance(p, str)] if isinstance(data, list) else []


def remember_project(path: Path) -> None:
    """Put ``path`` first in the recent projects list."""
    path = Path(path).resolve()
    items = [path] + [p for p in recent_projects() if p != path]
    try:
        _recent_file().write_text(json.dumps([str(p) for p in items[:RECENT_KEPT]]),
                                  encoding="utf-8")
    except OSError:
        pass  # the list is a convenience; failing to keep it must not fail a save


class ProjectSession(QObject):
    """The state of one open project that outlives any one view.

    Parameters
    ----------
    opened
        As ``persistence.open_project`` returned it, or None for a new project.
    recover
        Use the autosave ``opened.recovery`` instead of the file (the project starts dirty).
    autosave_ms
        Autosave period; the recovery file is written only when there is unsaved work.

    Signals
    -------
    dirty_changed(bool)
        Unsaved work appeared or was saved (or undone back to the saved state).
    message(str)
        One sentence for the status bar: a refused edit, a failed save.
    """

    dirty_changed = Signal(bool)
    message = Signal(str)

    def __init__(self, opened: persistence.OpenedProject | None = None, *, recover: bool = False,
                 autosave_ms: int = AUTOSAVE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.opened = opened
        self.path: Path | None = opened.path if opened else None
        self.read_only = bool(opened and opened.read_only)
        self.media_status: dict[str, str] = dict(opened.media_status) if opened else {}
        self.project: Project = opened.project if opened else new_project("Untitled")
        self._recovered = False
        if opened is not None and recover and opened.recovery is not None:
            self.project = persistence.recover(opened)
            self._recovered = True
        self.stack = QUndoStack(self)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import")
        threads.install()
        # Connected before any view: views read media_status when media_changed reaches them.
        project = self.project
        project.events.media_changed.connect(self._media_changed)
        # A bound slot, not a lambda: Qt drops it with the session, before the stack's own
        # destruction emits cleanChanged one last time.
        self.stack.cleanChanged.connect(self._clean_changed)
        # Counts every undo, redo and push: an index alone repeats after undo + a new edit.
        self._edits = 0
        self.stack.indexChanged.connect(self._count_edit)
        self._autosaved_at: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(autosave_ms)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        if self.path is not None:
            remember_project(self.path)

    def _clean_changed(self, _clean: bool) -> None:
        self.dirty_changed.emit(self.dirty)

    def _count_edit(self, _index: int) -> None:
        self._edits += 1

    @property
    def dirty(self) -> bool:
        """Whether there is work the project file does not hold."""
        return self._recovered or not self.stack.isClean()

    @property
    def folder(self) -> Path:
        """The folder the project's media paths are relative to (the working folder until the
        project is first saved: an untitled project's media paths are absolute)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def dialog_folder(self) -> Path:
        """Where file dialogs open: the project's folder, else the last project's, else home."""
        if self.path is not None:
            return self.path.parent
        recent = [p.parent for p in recent_projects() if p.parent.is_dir()]
        return recent[0] if recent else Path.home()

    def title(self) -> str:
        """The window title: the project name with ``*`` when dirty."""
        return f"{self.project.name}{'*' if self.dirty else ''} — Frameloom"

    def push(self, command: EditCommand, *, gesture: bool = False) -> bool:
        """Run ``command`` and put it on the stack; a refusal becomes a ``message``.

        With ``gesture``, the command is one request of a drag and replaces the drag's previous
        request (see :func:`~studio.ui.commands.push_gesture`).
        """
        try:
            (push_gesture if gesture else push)(self.stack, command)
        except EditError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def transact(self, text: str, steps: Sequence[EditCommand]) -> bool:
        """Push ``steps`` as one undo step called ``text``; if one is refused, none is kept."""
        try:
            with transaction(self.stack, text):
                for command in steps:
                    push(self.stack, command)
        except EditError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def import_media(self, files: Sequence[Path]) -> bool:
        """Add stills and clips to the media pool as one undo step (one command per file).

        Probes here, on the calling thread; :meth:`import_media_in_background` does not.
        """
        try:
            scratch = _probe(self.path or Path.cwd(), files)
        except MediaError as exc:
            self.message.emit(str(exc))
            return False
        return self._add_imported(scratch, files)

    def import_media_in_background(self, files: Sequence[Path],
                                   then: Callable[[list[str]], object] | None = None) -> None:
        """Probe and fingerprint ``files`` on a worker thread, then add them as one undo step
        on this thread and call ``then`` with the new media ids (not called on failure)."""
        files = list(files)
        self.message.emit(f"Importing {len(files)} file{'s' if len(files) > 1 else ''}…")
        future = self._pool.submit(_probe, self.path or Path.cwd(), files)
        future.add_done_callback(
            threads.on_gui(self, lambda me, done: me._finish_import(done, (files, then))))

    def _finish_import(self, future: Future[Change], context: tuple[list[Path], Any]) -> None:
        files, then = context
        try:
            scratch = future.result()
        except MediaError as exc:
            self.message.emit(str(exc))
            return
        before = set(self.project.media)
        if self._add_imported(scratch, files) and then is not None:
            then([m for m in self.project.media if m not in before])

    def _media_changed(self, media_id: str, _old: object, new: MediaRef | None) -> None:
        if new is None:
            self.media_status.pop(media_id, None)
            return
        folder = self.folder
        online = persistence.resolve_media_path(folder, new).is_file()
        self.media_status[media_id] = "online" if online else "offline"

    def relink_in_background(self, search_dir: Path) -> None:
        """Look under ``search_dir`` (off this thread) for the files of offline media by their
        fingerprints, then point the media found at them as one undo step."""
        folder = self.folder
        self.message.emit(f"Looking for offline media in {search_dir}…")
        pool_only = dataclasses.replace(self.project, media=dict(self.project.media))
        future = self._pool.submit(find_relinks, pool_only, folder, search_dir)
        future.add_done_callback(
            threads.on_gui(self, lambda me, done: me._finish_relink(done, folder)))

    def _finish_relink(self, future: Future[dict[str, Path]], folder: Path) -> None:
        try:
            found = future.result()
        except (OSError, DocumentError) as exc:
            self.message.emit(f"The search for offline media stopped: {exc}")
            return
        steps = []
        for media_id, file in found.items():
            if media_id in self.project.media:
                steps.append(RelinkMediaCommand(self.project, media_id,
                                                relative_media_path(folder, file)))
        if steps and self.transact("Relink media", steps):
            offline = sum(state == "offline" for state in self.media_status.values())
            left = f"; {offline} still offline" if offline else ""
            self.message.emit(f"Relinked {len(steps)} file{'s' if len(steps) > 1 else ''}"
                              f"{left}.")
        elif not steps:
            self.message.emit("None of the offline media was found there (files are matched "
                              "by content, whatever their names).")

    def _add_imported(self, scratch: Change, files: Sequence[Path]) -> bool:
        refs = [op.new for op in scratch.ops if isinstance(op, SetMedia) and op.new is not None]
        if self.path is None:  # nothing to be relative to yet: keep where the files are
            refs = [dataclasses.replace(ref, path=Path(file).resolve().as_posix())
                    for ref, file in zip(refs, files)]
        done = self.transact(scratch.label, [AddMediaCommand(self.project, r) for r in refs])
        if done:
            self.message.emit(f"Imported {len(refs)} file{'s' if len(refs) > 1 else ''}.")
        return done

    def save(self, path: Path | None = None) -> bool:
        """Save atomically to ``path`` (or the current file); False with a message on failure."""
        target = path or self.path
        if target is None:
            return False
        try:
            written = persistence.save_project(self.project, target)
        except DocumentError as exc:
            self.message.emit(str(exc))
            return False
        if self.path is None:  # the untitled recovery file is no longer the only copy
            (paths.state_dir() / "recovery" / f"{self.project.id}.frameloom").unlink(
                missing_ok=True)
        self.path, self.read_only, self._recovered = written, False, False
        self.stack.setClean()
        self.dirty_changed.emit(False)
        remember_project(written)
        self.message.emit(f"Saved {written.name}.")
        return True

    def autosave(self) -> Path | None:
        """Write the recovery file if there is work not yet autosaved; never the user's file."""
        if not self.dirty or self._autosaved_at == self._edits:
            return None
        try:
            if self.path is None:
                written = persistence.autosave_untitled(self.project)
            else:
                written = persistence.autosave(self.project, self.path)
        except DocumentError as exc:
            self.message.emit(str(exc))
            return None
        self._autosaved_at = self._edits
        return written

    def close(self) -> None:
        """Stop autosaving and drop the recovery file if everything is saved."""
        self.timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self.path is not None and not self.dirty:
            persistence.discard_recovery(self.path)


def _probe(folder: Path, files: Sequence[Path]) -> Change:
    # Probed and fingerprinted on a scratch project, so the open one changes only through
    # commands (and a worker thread never touches it).
    return import_media(new_project("scratch"), folder, files)
