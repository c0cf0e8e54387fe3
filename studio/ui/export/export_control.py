"""The window's Export and Cancel Export: the dialog, one background export and its progress bar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QProgressBar

from studio.document.model import Project
from studio.render.licences import export_licences, restricted_note
from studio.render.plan import untaken_shots
from studio.ui.export.export_dialog import ExportOptions
from studio.ui.export.exporting import ExportRunner

#: Asks the user for export settings: (start from, project, in/out marks or None, the one-line
#: note on restricted model licences or None) -> options.
AskExport = Callable[[ExportOptions, Project, tuple[int, int] | None, str | None],
                     ExportOptions | None]
#: Asks whether to export although this many generated shots have no take (they show cards).
ConfirmUntaken = Callable[[int], bool]


class ExportControl(QObject):
    """Starts exports from the export dialog's answers and shows their progress in :attr:`bar`.

    Parameters
    ----------
    ask
        Asks for the export settings (the export dialog, or a plain function in tests).
    confirm_untaken
        Asks whether to export although some shots have no take and would render as "Not
        generated yet" cards; None exports them without asking.

    Signals
    -------
    message(str)
        One sentence for the status bar: started, refused, finished or cancelled.
    changed()
        An export started or finished, so what may be exported or cancelled changed.
    """

    message = Signal(str)
    changed = Signal()

    def __init__(self, ask: AskExport, parent: QObject | None = None, *,
                 confirm_untaken: ConfirmUntaken | None = None) -> None:
        super().__init__(parent)
        self._ask = ask
        self._confirm_untaken = confirm_untaken
        self.last: ExportOptions | None = None  # the dialog starts from these next time
        self.runner = ExportRunner(self)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setVisible(False)
        self.runner.progress.connect(self._progress)
        self.runner.notice.connect(self.message)
        self.runner.finished.connect(self._finished)

    @property
    def running(self) -> bool:
        """Whether an export is in flight."""
        return self.runner.running

    def can_start(self) -> bool:
        """Whether Export applies now: no export is in flight."""
        return not self.runner.running

    def is_running(self) -> bool:
        """Whether Cancel Export applies now."""
        return self.runner.running

    def export_timeline(self, project: Project, folder: Path,
                        marks: tuple[int, int] | None = None,
                        target: Path | ExportOptions | None = None) -> bool:
        """Export ``project`` in the background: to ``target``, or as the user chooses in the
        export dialog (which starts from the last export's settings and offers ``marks``).
        Shots without a take in the exported range are named and confirmed first. When takes
        of models under restricted licences are used, the dialog and the status bar say so."""
        note = restricted_note(export_licences(project, folder))
        if target is None:
            start = self.last or ExportOptions.for_path(folder / f"{project.name}.mp4")
            target = self._ask(start, project, marks, note)
            if target is None:
                return False
        options = target if isinstance(target, ExportOptions) else ExportOptions.for_path(target)
        first, last = options.in_out or (0, project.timeline.duration - 1)
        untaken = len(untaken_shots(project, first, last + 1))
        if untaken and self._confirm_untaken is not None and not self._confirm_untaken(untaken):
            self.message.emit(f"Export cancelled: {_shots(untaken)} no take yet; generate "
                              "them, or export anyway to show them as cards.")
            return False
        started = self.runner.start(project, folder, options)
        if started:
            self.last = options
            self.bar.setValue(0)
            self.bar.setVisible(True)
            self.message.emit(f"Exporting {options.path.name}…" + (f" {note}" if note else ""))
        self.changed.emit()
        return started

    def cancel(self) -> None:
        """Stop the running export; nothing is left under its name."""
        self.runner.cancel()

    def forget(self) -> None:
        """Drop the last export's settings (they belonged to a project that was closed)."""
        self.last = None

    def shutdown(self) -> None:
        """Cancel an export in flight (it leaves nothing) and wait for its thread."""
        if self.runner.running:
            self.runner.cancel()
            self.runner.wait(10)

    def _progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(1, total))
        self.bar.setValue(done)

    def _finished(self, _written: bool, sentence: str) -> None:
        self.bar.setVisible(False)
        self.message.emit(sentence)
        self.changed.emit()


def _shots(count: int) -> str:
    return "1 shot has" if count == 1 else f"{count} shots have"
