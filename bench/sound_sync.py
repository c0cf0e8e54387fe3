"""What keeping clips' sounds in step costs a ripple edit (studio.document.sound_sync).

Run ``python bench/sound_sync.py`` (``--help`` for options). It builds V1 with ``--clips``
clips end to end and times, over ``--repeats`` runs each (the median), an insert of a still
at frame 0 (every clip after it moves), a ripple delete of the first clip and a ripple trim of
the last but one, each undone after it:

- on clips whose media has sound, so each has a linked sound on A1 that
  ``studio.document.sound_sync.synced`` keeps in step (the same number of clips);
- on the same clips of media without sound: the plain baseline, in the same process.

It prints the table and the ratio of each to its baseline; ``--write`` puts them in
docs/BENCHMARKS.md between their markers.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.mini.evaluate import write_benchmarks  # noqa: E402
from studio.document import changes, edits  # noqa: E402
from studio.document.model import (  # noqa: E402
    Clip,
    Fingerprint,
    MediaRef,
    Project,
    Still,
    new_project,
)
from studio.document.timebase import FrameRange  # noqa: E402

MARKERS = ("<!-- sound sync: begin -->", "<!-- sound sync: end -->")
FP = Fingerprint(size=1, digest="sha256:" + "00" * 32)


def timeline(clips: int, sound: bool) -> Project:
    """V1 with ``clips`` 10-frame clips end to end (with sound: each with its linked sound)."""
    project = new_project("Bench")
    edits.add_media(project, MediaRef(id="m-clip", path="clip.mp4", kind="clip", fingerprint=FP,
                                      probe={"frames": clips * 20, "has_audio": sound}))
    edits.add_media(project, MediaRef(id="m-pic", path="pic.png", kind="still", fingerprint=FP))
    v1 = project.timeline.tracks[0].id
    for number in range(clips):
        edits.append(project, v1, Clip(id=f"c{number}", media_id="m-clip",
                                       source=FrameRange(number * 20, 10)))
    return project


def median_ms(project: Project, edit: Callable[[], changes.Change], repeats: int) -> float:
    """The median time of ``edit`` in milliseconds, each run undone before the next."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        change = edit()
        times.append((time.perf_counter() - started) * 1000)
        changes.revert(project, change)
    return statistics.median(times)


def _bound(edit: Callable[[Project, str], changes.Change],
           project: Project) -> Callable[[], changes.Change]:
    return lambda: edit(project, project.timeline.tracks[0].id)


def measure(clips: int, repeats: int) -> list[tuple[str, float, float]]:
    """``(edit, ms with sound, ms without)`` for each edit."""
    rows = []
    edits_to_time: list[tuple[str, Callable[[Project, str], changes.Change]]] = [
        ("insert a still at frame 0", lambda p, v1: edits.insert(
            p, v1, 0, Still(id="s", media_id="m-pic", duration=12))),
        ("ripple delete the first clip", lambda p, v1: edits.ripple_delete(p, "c0")),
        ("ripple trim the last but one", lambda p, v1: edits.trim(
            p, f"c{clips - 2}", out_delta=-3)),
    ]
    with_sound, without = timeline(clips, True), timeline(clips, False)
    for name, edit in edits_to_time:
        timed = [median_ms(p, _bound(edit, p), repeats) for p in (with_sound, without)]
        rows.append((name, timed[0], timed[1]))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--write", action="store_true", help="record in docs/BENCHMARKS.md")
    args = parser.parse_args()
    rows = measure(args.clips, args.repeats)
    lines = [f"`python bench/sound_sync.py --clips {args.clips} --repeats {args.repeats}` on "
             f"{platform.machine()}, {date.today().isoformat()}: median of {args.repeats} runs, "
             "each undone; the baseline is the same timeline of clips without sound, timed in "
             "the same process.", "",
             f"| edit (V1 of {args.clips} clips) | clips with linked sounds | without sound "
             "(baseline) | ratio |", "|---|---|---|---|"]
    lines += [f"| {name} | {sound:.2f} ms | {plain:.2f} ms | {sound / plain:.2f}x |"
              for name, sound, plain in rows]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_benchmarks(text, REPO / "docs" / "BENCHMARKS.md", MARKERS,
                         heading="Keeping clips' sounds in step through ripple edits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
