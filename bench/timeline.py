"""Timeline responsiveness: repaint of a 1000-item QtTimelineView, trims through undo, cold start.

Run ``python bench/timeline.py`` (``--help`` for options), offscreen (it sets
``QT_QPA_PLATFORM=offscreen`` unless set). It builds a timeline of ``--items`` clips, stills and
generated shots over three tracks with ``studio.document.edits``, then measures

- the median time to paint the view (1600x300) into a QImage with ``view.render``, at four
  zoom levels from the whole timeline down to a few items, scrolled to its middle;
- the same paints with filmstrips and still images on the cards (``--thumbnails``, on by
  default): the items point at the sample project's real clip, still and a take, and the
  thumbnail cache is warmed first, so this is the steady cost of drawing them;
- the time to apply 100 trims through ``studio.ui.commands.TrimCommand`` on a QUndoStack (the
  view attached, so the document's events reach it), and to undo them all;
- playback in the viewer: the sample project (9 s at 24 fps, 512x288) played from start to
  end in ``MainWindow``, counting the frames the viewer painted against the frames the clock
  passed (the rest were dropped) and the wall time against the timeline's length;
- the studio's cold start: a fresh ``python -c`` that opens the sample project in
  ``MainWindow``, shows it and paints it once, timed from spawn to that first paint.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import cast

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from PySide6.QtGui import QImage, QUndoStack  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from studio.document import edits  # noqa: E402
from studio.document.model import (  # noqa: E402
    Clip,
    Fingerprint,
    Generated,
    GeneratedSpec,
    Generation,
    Item,
    MediaRef,
    Project,
    Still,
    Take,
    new_project,
)
from studio.document.timebase import FrameRange  # noqa: E402
from studio.ui.commands import TrimCommand, push  # noqa: E402
from studio.ui.timeline.timeline_view import QtTimelineView  # noqa: E402

SIZE = (1600, 300)
TARGETS = {"repaint": 16.0, "trim": 5.0, "cold": 3.0}

COLD_START = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from studio.document import persistence
from studio.ui.window.main_window import MainWindow
app = QApplication(sys.argv[:1])
window = MainWindow(persistence.open_project(sys.argv[2]))
window.show()
def painted():
    window.grab()  # paints every widget once, synchronously
    print(time.time() - float(sys.argv[1]))
    app.quit()
QTimer.singleShot(0, painted)
app.exec()
"""


def use_real_media(project: Project, folder: Path) -> Path:
    """Point the bench's media and take at the sample project's files; returns its folder."""
    from studio.document import fingerprint
    from studio.sample import make_sample_project

    sample = make_sample_project(folder / "sample").parent
    for media_id, name in (("m-clip", "media/clip-1.mp4"), ("m-still", "media/still-1.png")):
        edits.relink_media(project, media_id, name,
                           fingerprint=fingerprint.fingerprint_file(sample / name))
    (sample / "takes").mkdir(exist_ok=True)
    (sample / "takes" / "a.mp4").write_bytes((sample / "media" / "clip-2.mp4").read_bytes())
    return sample


def warm_thumbnails(view: QtTimelineView, thumbnails: object, app: QApplication,
                    zoom: float, limit_s: float = 120.0) -> float:
    """Paint until every thumbnail the view asks for at ``zoom`` is cached; seconds taken."""
    view.set_pixels_per_frame(zoom)
    middle = view.project.timeline.duration * zoom / 2
    view.set_scroll(int(max(0.0, middle - SIZE[0] / 2)))
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        view.render(image)
        app.processEvents()  # the bench, not the product: deliver the thumbnails that arrived
        if thumbnails.idle:  # type: ignore[attr-defined]
            view.render(image)
            app.processEvents()
            if thumbnails.idle:  # type: ignore[attr-defined]
                break
        time.sleep(0.02)
    return time.perf_counter() - start


def build_project(count: int, tracks: int = 3) -> Project:
    """A project with ``count`` items cycling clip, still, generated over ``tracks`` tracks."""
    project = new_project("Bench", rate=Fraction(24), tracks=tracks)
    fingerprint = Fingerprint(size=1, digest="sha256:" + "00" * 32)
    edits.add_media(project, MediaRef(id="m-clip", path="media/a.mp4", kind="clip",
                                      fingerprint=fingerprint, probe={"frames": 100_000}))
    edits.add_media(project, MediaRef(id="m-still", path="media/b.png", kind="still",
                                      fingerprint=fingerprint))
    take = Take(id="take-1", job_id="job-1", path="takes/a.mp4", spec_hash="sha256:1",
                status="done", created="2026-11-23T10:00:00Z")
    for n in range(count):
        track = project.timeline.tracks[n % tracks].id
        duration = 12 + n % 5 * 12
        item: Item
        if n % 3 == 0:
            item = Clip(id=f"clip-{n}", media_id="m-clip", source=FrameRange(n, duration),
                        name=f"Clip {n}")
        elif n % 3 == 1:
            item = Still(id=f"still-{n}", media_id="m-still", duration=duration,
                         name=f"Still {n}")
        else:
            spec = GeneratedSpec(kind="shot", prompt=f"shot {n}: a red circle moves right",
                                 duration=duration)
            generation = Generation(spec=spec, takes=(take,) if n % 2 else (),
                                    active_take_id="take-1" if n % 2 else None)
            item = Generated(id=f"gen-{n}", generation=generation,
                             source=FrameRange(0, duration))
        edits.append(project, track, item)
    return project


def time_repaints(view: QtTimelineView, zoom: float, repeats: int) -> list[float]:
    """Milliseconds of ``repeats`` full paints of ``view`` at ``zoom``, scrolled to the middle."""
    view.set_pixels_per_frame(zoom)
    middle = view.project.timeline.duration * zoom / 2
    view.set_scroll(int(max(0.0, middle - SIZE[0] / 2)))
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    view.render(image)  # warm-up: fonts, glyph caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        view.render(image)
        times.append((time.perf_counter() - start) * 1000)
    return times


def visible_items(view: QtTimelineView) -> int:
    first, end = view.viewport.frames_in(SIZE[0])
    return sum(len(view.track_layout(t.id).visible(first, end))
               for t in view.project.timeline.tracks)


def time_trims(project: Project, view: QtTimelineView | None = None,
               count: int = 100) -> tuple[list[float], float]:
    """Per-trim milliseconds of ``count`` trims pushed on a QUndoStack, and undoing them all.

    With ``view``, each trim is followed by a full paint of it, counted in the trim's time.
    """
    stack = QUndoStack()
    items = [e.id for t in project.timeline.tracks for e in t.items[len(t.items) // 2:]][:count]
    image = QImage(*SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    times = []
    for n, item_id in enumerate(items):
        start = time.perf_counter()
        push(stack, TrimCommand(project, item_id, in_delta=0, out_delta=-1 - n % 3))
        if view is not None:
            view.render(image)
        times.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    while stack.canUndo():
        stack.undo()
    return times, (time.perf_counter() - start) * 1000


def time_cold_start(runs: int) -> list[float]:
    """Seconds from spawning a fresh interpreter to the main window's first paint."""
    from studio.sample import make_sample_project

    with tempfile.TemporaryDirectory() as folder:
        sample = make_sample_project(Path(folder) / "sample")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FRAMELOOM_HOME=folder)
        results = []
        for _ in range(runs):
            spawned = time.time()
            done = subprocess.run([sys.executable, "-c", COLD_START, str(spawned), str(sample)],
                                  cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
                                  check=True)
            results.append(float(done.stdout.strip().splitlines()[-1]))
        return results


def time_playback(app: QApplication) -> tuple[int, int, float, float]:
    """``(frames shown, frames in the timeline, wall seconds, timeline seconds)`` of playing
    the sample project through once in the viewer."""
    from PySide6.QtCore import QTimer

    from studio.document import persistence
    from studio.sample import make_sample_project
    from studio.ui.window.main_window import MainWindow
    from studio.ui.window.prompts import Prompts

    with tempfile.TemporaryDirectory() as folder:
        sample = make_sample_project(Path(folder) / "sample")
        window = MainWindow(persistence.open_project(sample),
                            prompts=Prompts(confirm_close=lambda _name: "discard"))
        window.show()
        shown: list[int] = []
        window.viewer.frame_shown.connect(shown.append)
        started = [0.0]

        def play() -> None:
            started[0] = time.perf_counter()
            window.transport.play_pause()

        window.playback.state_changed.connect(lambda speed: app.quit() if speed == 0 else None)
        window.viewer.updated.connect(lambda: QTimer.singleShot(0, play) if not started[0]
                                      else None)
        app.exec()
        wall = time.perf_counter() - started[0]
        project = window.project
        window.close()
        return (len(set(shown)), project.timeline.duration, wall,
                project.timeline.duration / float(project.rate))


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}, "
            f"{os.cpu_count()} cores; Python {platform.python_version()}")


def verdict(value: float, target: float) -> str:
    return "met" if value < target else "MISSED"


def repaint_with_thumbnails(view: QtTimelineView, project: Project, app: QApplication,
                            repeats: int, whole: float) -> None:
    """The repaint table again, with filmstrips drawn from a warm thumbnail cache."""
    from studio.media.thumbnails import ThumbnailService
    from studio.ui.workers.thumbnails import ItemThumbnails, QtThumbnails

    with tempfile.TemporaryDirectory() as folder:
        sample = use_real_media(project, Path(folder))
        thumbnails = QtThumbnails(ThumbnailService(Path(folder) / "cache"))
        view.thumbs = ItemThumbnails(thumbnails, project, sample).item
        thumbnails.changed.connect(view.update)
        print("\nWith filmstrips (cache warmed first):\n")
        print("| zoom (px/frame) | warm-up s | median ms | p90 ms | target < 16 ms |")
        print("|---|---|---|---|---|")
        for zoom in (whole, 0.5, 4.0, 16.0):
            warmed = warm_thumbnails(view, thumbnails, app, zoom)
            times = sorted(time_repaints(view, zoom, repeats))
            median = statistics.median(times)
            p90 = times[int(len(times) * 0.9) - 1]
            print(f"| {zoom:.3g} | {warmed:.1f} | {median:.2f} | {p90:.2f} | "
                  f"{verdict(median, TARGETS['repaint'])} |")
        thumbnails.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30, help="paints per zoom level")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--no-thumbnails", dest="thumbnails", action="store_false",
                        help="skip the paints with filmstrips")
    args = parser.parse_args(argv)

    # instance() is typed QCoreApplication; the only application here is a QApplication.
    app = cast("QApplication | None", QApplication.instance()) or QApplication(sys.argv[:1])
    print(machine())
    start = time.perf_counter()
    project = build_project(args.items)
    print(f"built {args.items} items on {len(project.timeline.tracks)} tracks "
          f"({project.timeline.duration} frames) in {time.perf_counter() - start:.1f} s")
    view = QtTimelineView(project)
    view.resize(*SIZE)
    view.show()
    app.processEvents()  # the bench, not the product: let the offscreen window be laid out

    print("\n| zoom (px/frame) | items visible | median ms | p90 ms | target < 16 ms |")
    print("|---|---|---|---|---|")
    whole = SIZE[0] / project.timeline.duration
    for zoom in (whole, 0.5, 4.0, 16.0):
        times = sorted(time_repaints(view, zoom, args.repeats))
        median = statistics.median(times)
        p90 = times[int(len(times) * 0.9) - 1]
        print(f"| {zoom:.3g} | {visible_items(view)} | {median:.2f} | {p90:.2f} | "
              f"{verdict(median, TARGETS['repaint'])} |")

    if args.thumbnails:
        repaint_with_thumbnails(view, project, app, args.repeats, whole)

    view.thumbs = None
    view.set_pixels_per_frame(4.0)
    print()
    for label, painted in (("trim", None), ("trim + full repaint at 4 px/frame", view)):
        trims, undo_all = time_trims(project, painted)
        print(f"100 x {label} through TrimCommand: median {statistics.median(trims):.2f} ms, "
              f"mean {statistics.mean(trims):.2f} ms, max {max(trims):.2f} ms "
              f"(target < 5 ms each: {verdict(max(trims), TARGETS['trim'])}); "
              f"undoing all 100: {undo_all:.1f} ms")

    shown, total, wall, length = time_playback(app)
    print(f"playback of the sample ({total} frames, {length:.1f} s): {shown} frames shown "
          f"({100 * shown / total:.0f}%, {shown / wall:.1f} fps against "
          f"{total / length:.0f}), {wall:.2f} s of wall time for {length:.1f} s")

    colds = time_cold_start(args.cold_runs)
    print(f"cold start to first paint: {', '.join(f'{c:.2f}' for c in colds)} s; median "
          f"{statistics.median(colds):.2f} s (target < 3 s: "
          f"{verdict(statistics.median(colds), TARGETS['cold'])})")


if __name__ == "__main__":
    main()
