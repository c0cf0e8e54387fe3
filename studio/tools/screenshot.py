"""``python -m studio.tools.screenshot PROJECT OUT.png``: the studio window and timeline as PNGs.

Opens the main window on PROJECT offscreen (no engine, no dialogs), puts the playhead on
``--frame`` and selects ``--select``, waits for the viewer's frame, the thumbnails, the
clips' preview proxies and the waveforms' peaks, and
writes the whole window
to OUT.png and the timeline dock to OUT-timeline.png. The README's screenshots come from it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Write the two screenshots; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m studio.tools.screenshot")
    parser.add_argument("project", type=Path, help="a project folder or .frameloom file")
    parser.add_argument("output", type=Path, metavar="OUT.png")
    parser.add_argument("--frame", type=int, default=0, help="playhead frame (default 0)")
    parser.add_argument("--select", metavar="ID", help="a timeline entry to select")
    parser.add_argument("--size", default="1600x1000", help="window size (default 1600x1000, "
                        "the README's)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.document import persistence
    from studio.document.errors import DocumentError
    from studio.ui.theme import apply_dark_theme
    from studio.ui.window.main_window import MainWindow
    from studio.ui.window.prompts import Prompts

    try:
        opened = persistence.open_project(args.project)
    except DocumentError as exc:
        print(f"screenshot: {exc}", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.split("x"))
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    apply_dark_theme(app)  # as the studio starts
    window = MainWindow(opened, prompts=Prompts())
    window.resize(width, height)
    window.show()
    if args.select:
        window.timeline.set_selection([args.select])
    status = {"code": 0, "taken": False}

    def capture() -> None:
        timeline_png = args.output.with_name(f"{args.output.stem}-timeline.png")
        for widget, path in ((window, args.output), (window.timeline, timeline_png)):
            if not widget.grab().save(str(path), "PNG"):
                print(f"screenshot: could not write {path}", file=sys.stderr)
                status["code"] = 2
        window.close()
        app.quit()

    waited = {"ms": 0}

    def when_thumbnails_settle() -> None:
        window.timeline.repaint()  # asks for any filmstrip tiles still missing
        settled = window.thumbnails.idle and window.proxies.idle and \
            (window.views is None or window.views.waveforms.idle)
        if settled or waited["ms"] > 15_000:
            capture()
        else:
            waited["ms"] += 100
            QTimer.singleShot(100, when_thumbnails_settle)

    def once() -> None:
        if not status["taken"]:
            status["taken"] = True
            QTimer.singleShot(100, when_thumbnails_settle)  # painted before the grab

    window.viewer.updated.connect(lambda: once() if window.viewer.shown_frame == args.frame
                                  or window.viewer.error else None)
    window.timeline.set_playhead(args.frame)
    QTimer.singleShot(15_000, once)
    app.exec()
    return status["code"]


if __name__ == "__main__":
    sys.exit(main())
