"""Exporting from the window: the timeline to MP4/MOV on a worker thread, with progress and cancel.

The export renders a snapshot of the document (taken when it starts, so editing on carries no
risk to it) through the same :func:`studio.render.export.export` and signing path as
``frameloom render``: a hidden temporary file renamed into place, signed after the final mux
when ``sign_exports`` is set, and nothing under the output name when it fails or is cancelled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.document.model import Project
from studio.errors import ExportCancelled, StudioError
from studio.provenance.exports import Signing, plan_signing, render_maybe_signed
from studio.render.encode import CODECS, FORMATS
from studio.render.export import export
from studio.render.preview import snapshot
from studio.ui.export.export_dialog import ExportOptions
from studio.ui.workers import threads

NAMES = {"h264": "H.264", "h265": "H.265", "prores": "ProRes"}


class ExportRunner(QObject):
    """Runs one export at a time off the GUI thread.

    Signals
    -------
    progress(int, int)
        Frames done, frames in all.
    finished(bool, str)
        Whether the file was written, and a sentence for the status bar.
    notice(str)
        A note before rendering (e.g. why the export is not signed), or why it cannot start.
    """

    progress = Signal(int, int)
    finished = Signal(bool, str)
    notice = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = False  # set by start, cleared on the GUI thread when finished arrives
        self.finished.connect(self._on_finished)  # first, so later slots see it cleared
        threads.install()

    @property
    def running(self) -> bool:
        """Whether an export has started and its ``finished`` has not been handled yet."""
        return self._busy

    def _on_finished(self, _written: bool, _sentence: str) -> None:
        self._busy = False

    def start(self, project: Project, folder: Path, target: Path | ExportOptions) -> bool:
        """Begin exporting ``project`` as ``target`` says (a file name alone: its extension
        picks the codec, the rest is the defaults); False, with the reason on ``notice``, if
        it cannot start."""
        if self.running:
            self.notice.emit("An export is already running; wait for it or cancel it.")
            return False
        options = target if isinstance(target, ExportOptions) else ExportOptions.for_path(target)
        output, suffix = options.path, options.path.suffix.lower()
        if suffix not in FORMATS:  # no container the encoder knows
            self.notice.emit(f"Export to .mp4 (H.264) or .mov (ProRes), not "
                             f"{output.suffix or 'a file without an extension'}.")
            return False
        containers = CODECS[options.codec].containers  # what the encoder will accept
        if suffix not in containers:
            *others, last = containers
            kinds = f"{', '.join(others)} or {last}" if others else last
            self.notice.emit(f"{NAMES[options.codec]} is written to {kinds} files, not "
                             f"{suffix}.")
            return False
        frozen = snapshot(project)
        try:
            signing = plan_signing(frozen, folder, output, None, None, None, self.notice.emit)
        except StudioError as exc:
            self.notice.emit(str(exc))
            return False
        self._cancel.clear()
        self._busy = True
        # The thread gets the cancel flag and a weak reporter, never the runner itself.
        report = threads.on_gui(self, lambda me, name, *args: getattr(me, name).emit(*args))
        self._thread = threading.Thread(target=_export_job, name="export", daemon=True,
                                        args=(self._cancel, report, frozen, folder, options,
                                              signing))
        self._thread.start()
        return True

    def cancel(self) -> None:
        """Stop the running export; it leaves nothing behind."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> None:
        """Join the worker (for closing the window)."""
        if self._thread is not None:
            self._thread.join(timeout)



def _export_job(cancel: threading.Event, report: Callable[..., None], project: Project,
                folder: Path, options: ExportOptions, signing: Signing | None) -> None:
    """The export thread: render (and sign), reporting ``progress`` and ``finished``."""
    started = time.monotonic()
    output = options.path
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()  # at most ten updates a second cross to the GUI thread
        if done >= total or now - shown[0] >= 0.1:
            shown[0] = now
            report("progress", done, total)

    def render(path: Path) -> Path:
        return export(project, folder, path, codec=options.codec, crf=options.crf,
                      preset=options.preset, width=options.width, height=options.height,
                      fps=options.fps, frame_range=options.frame_range(project.rate),
                      progress=progress, cancel=cancel)

    try:
        render_maybe_signed(render, output, signing)
    except ExportCancelled:
        report("finished", False, f"Export cancelled; nothing was written to {output.name}.")
        return
    except StudioError as exc:
        report("finished", False, str(exc))
        return
    except Exception as exc:
        report("finished", False, f"The export failed ({type(exc).__name__}: {exc}); "
                                  "nothing was written.")
        return
    signed = ", signed" if signing is not None else ""
    report("finished", True, f"Exported {output.name} in "
                             f"{time.monotonic() - started:.1f} s{signed}.")
