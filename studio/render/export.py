"""Export a project's timeline to a video file, atomically, with progress and cancel."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from engine.protocol import atomic_output
from studio import __version__
from studio.document import serialize
from studio.document.model import Project
from studio.document.timebase import frames_to_timecode
from studio.errors import ExportCancelled, MediaError, RenderError

from .encode import FORMATS, VideoWriter, check_settings
from .licences import export_licences, licences_tag
from .mixer import Mixer
from .pipeline import Prefetch
from .timeline import TimelineRenderer

Progress = Callable[[int, int], None]


def export_settings(project: Project, *, codec: str, crf: int, preset: str, width: int,
                    height: int, rate: Fraction, frame_range: tuple[int, int]) -> dict[str, Any]:
    """What an export records in its ``comment`` tag: how it was encoded and, for every generated
    item and bridge, the spec and active take that made its frames, so it can be reproduced."""
    generated = []
    for track in project.timeline.tracks:
        for item in track.items:
            generation = getattr(item, "generation", None)
            if generation is None:
                continue
            take = generation.active_take
            generated.append({
                "item": item.id, "kind": type(item).__name__.lower(),
                "spec": serialize.encode(generation.spec),
                "spec_hash": serialize.spec_hash(generation.spec),
                "take": None if take is None else {"job_id": take.job_id, "path": take.path,
                                                   "spec_hash": take.spec_hash}})
    return {"frameloom_version": __version__, "project": project.name,
            "export": {"codec": codec, "crf": crf, "preset": preset, "width": width,
                       "height": height, "fps": str(rate), "frames": list(frame_range)},
            "generated": generated}


def export(project: Project, project_file: str | os.PathLike[str], out_path: str | os.PathLike[str],
           *, codec: str = "h264", crf: int = 18, preset: str = "medium",
           width: int | None = None, height: int | None = None,
           fps: Fraction | int | float | str | None = None,
           frame_range: tuple[int, int] | None = None, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> Path:
    """Render ``project``'s timeline and encode it to ``out_path``.

    The file is written under a hidden temporary name in the output folder and renamed into
    place only when complete, so ``out_path`` either holds a whole export or is untouched.

    Parameters
    ----------
    project
        The project to render.
    project_file
        Its ``.frameloom`` file, or the folder its media paths are relative to.
    out_path
        Output file; ``.mp4``/``.mov``/``.mkv`` for H.264/H.265, ``.mov`` for ProRes.
    codec
        ``"h264"`` (libx264, yuv420p), ``"h265"`` (libx265, hvc1) or ``"prores"`` (ProRes 422
        HQ, yuv422p10le).
    crf, preset
        x264/x265 quality (0-51, lower is better) and speed preset.
    width, height, fps
        Output size and rate; None keeps the project's.
    frame_range
        Half-open ``(start, stop)`` of output frames to export; None exports everything.
    progress
        Called as ``progress(done, total)`` after every encoded frame (and once with 0 first).
    cancel
        When set, the export stops, deletes its temporary file and raises ExportCancelled.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    RenderError
        Bad settings, offline or unreadable media, or a write failure; nothing is left behind.
    ExportCancelled
        ``cancel`` was set.
    """
    out_path = Path(out_path)
    spec = check_settings(codec, out_path, crf, preset)
    project_dir = Path(project_file)
    if not project_dir.is_dir():
        project_dir = project_dir.parent
    rate = _parse_fps(fps) if fps is not None else None
    renderer = TimelineRenderer(project, project_dir, width=width, height=height, rate=rate,
                                native=True)
    start, stop = frame_range if frame_range is not None else (0, renderer.total)
    start, stop = max(0, start), min(stop, renderer.total)
    total = max(0, stop - start)
    if total == 0:
        raise RenderError("There is nothing to export: the timeline (or the chosen range) is "
                          "empty.")
    if not out_path.parent.is_dir():
        raise RenderError(f"The output folder {out_path.parent} does not exist.")
    step = Fraction(project.rate) / renderer.rate  # timeline frames per output frame
    done = 0
    try:
        sound = Mixer(project, project_dir, int(start * step), int((stop - 1) * step) + 1)
        settings = export_settings(project, codec=codec, crf=crf, preset=preset,
                                   width=renderer.width, height=renderer.height,
                                   rate=renderer.rate, frame_range=(start, stop))
        # The models that made its takes and their licences: in the JSON, and readable in the
        # copyright tag, the rights field both MP4 and MOV keep.
        licences = export_licences(project, project_dir)
        settings["models"] = [licence.to_dict() for licence in licences]
        tags = {"comment": json.dumps(settings, sort_keys=True)}
        if licences:
            tags["copyright"] = licences_tag(licences)
        chapters = marker_chapters(project, start * step, stop * step)
        with sound, atomic_output(out_path) as temp, \
                VideoWriter(temp, FORMATS[out_path.suffix.lower()], spec, renderer.width,
                            renderer.height, renderer.rate, crf=crf, preset=preset,
                            metadata=tags, chapters=chapters) as writer:
            if sound.present:
                writer.add_audio(sound.rate, pcm=codec == "prores")
            written = 0  # samples of sound written so far
            if progress is not None:
                progress(0, total)
            with Prefetch(lambda: renderer.frames(start, stop), writer.prepare) as frames:
                for frame in frames:
                    if cancel is not None and cancel.is_set():
                        raise ExportCancelled(f"Export cancelled; nothing was written to "
                                              f"{out_path}.")
                    writer.write(frame)
                    done += 1
                    if sound.present:  # the sound up to the end of this frame: interleaved
                        due = min(sound.total, int(done * sound.rate / renderer.rate))
                        if due > written:
                            writer.write_audio(sound.read(due - written))
                            written = due
                    if progress is not None:
                        progress(done, total)
            if sound.present and sound.total > written:
                writer.write_audio(sound.read(sound.total - written))
    except BaseException as exc:
        if isinstance(exc, MediaError):
            raise RenderError(f"Export failed: {exc}") from None
        if isinstance(exc, (OSError, _av_error_types())):
            reason = getattr(exc, "strerror", None) or str(exc)
            raise RenderError(f"Could not write {out_path}: {reason}.") from None
        raise
    return out_path


def marker_chapters(project: Project, first: Fraction, end: Fraction
                    ) -> list[tuple[Fraction, Fraction, str]]:
    """The timeline's markers in ``[first, end)`` (timeline frames) as an export's chapters:
    ``(start, end, title)`` in seconds from the export's first frame, each running to the next
    marker or the export's end, titled by the marker's name (else its timecode), as Premiere
    and Resolve export chapter markers. Players start the first chapter at 0 whatever it
    says, so when no marker is on the first frame a chapter called "Start" leads to the first
    marker. No markers there, no chapters."""
    rate = Fraction(project.rate)
    inside = [m for m in project.timeline.markers if first <= m.frame < end]
    if not inside:
        return []
    titles = [m.name or frames_to_timecode(m.frame, project.rate) for m in inside]
    starts = [(m.frame - first) / rate for m in inside]
    if starts[0] > 0:
        titles, starts = ["Start", *titles], [Fraction(0), *starts]
    starts.append((end - first) / rate)
    return [(starts[n], starts[n + 1], title) for n, title in enumerate(titles)]


def _av_error_types() -> type[BaseException]:
    """PyAV's error base (FFmpeg failures), imported lazily like the rest of PyAV."""
    import av

    return av.FFmpegError


def _parse_fps(fps: Fraction | int | float | str) -> Fraction:
    from studio.document.errors import DocumentError
    from studio.document.timebase import parse_rate

    try:
        if isinstance(fps, float):  # 29.97 -> 30000/1001 via the standard-rate table
            fps = f"{fps:g}"
        return parse_rate(fps)
    except DocumentError as exc:
        raise RenderError(str(exc)) from None
