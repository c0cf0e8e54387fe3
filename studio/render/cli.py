"""The ``frameloom render`` command: load a project or ``.otio`` file, export it, show progress."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Never, TextIO

from tqdm import tqdm

from studio.document.model import Project
from studio.errors import RenderError


class ProgressBar:
    """Frames rendered, on one tqdm line of ``stream`` (redrawn at most ten times a second)."""

    def __init__(self, stream: TextIO, label: str = "Rendering") -> None:
        self._bar: tqdm[Never] | None = None
        self._stream, self._label = stream, label

    def __call__(self, done: int, total: int) -> None:
        bar = self._bar
        if bar is None:
            bar = self._bar = tqdm(total=total, desc=self._label, unit="frame", file=self._stream,
                                   bar_format="{desc} {bar:30} {n}/{total} frames "
                                              "{percentage:3.0f}% {rate_fmt}")
        bar.update(done - bar.n)

    def end_line(self) -> None:
        """End the bar's line, so a message printed next starts on a line of its own."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def check_output(path: Path, suffixes: tuple[str, ...] = (), flag: str = "-o") -> Path:
    """``path`` if a file can be written there, checked before any work starts.

    Raises
    ------
    RenderError
        One sentence: ``path`` is a folder, has another suffix, or its folder is missing or
        not writable. A missing folder is refused, never created.
    """
    folder = path.parent
    if path.is_dir():
        raise RenderError(f"{flag} {path} is a folder; name a file in it, such as "
                          f"{path / ('out' + (suffixes[0] if suffixes else '.mp4'))}.")
    if suffixes and path.suffix.lower() not in suffixes:
        raise RenderError(f"{flag} {path} must end in {' or '.join(suffixes)}.")
    if not folder.is_dir():
        raise RenderError(f"The output folder {folder} does not exist; create it first.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RenderError(f"The output folder {folder} is not writable; pick another {flag}.")
    return path


def load_for_render(path: Path) -> tuple[Project, Path]:
    """``(project, folder its media paths are relative to)`` for a project or ``.otio`` file."""
    if not path.exists():
        raise RenderError(f"There is no file or folder at {path}.")
    if path.suffix.lower() == ".otio":
        from studio.render.otio_import import import_otio

        return import_otio(path)
    from studio.document import persistence

    opened = persistence.open_project(path)
    return opened.project, opened.path.parent


def render_command(project_path: Path, output: Path, *, codec: str = "h264", crf: int = 18,
                   preset: str = "medium", width: int | None = None, height: int | None = None,
                   fps: str | None = None, stream: TextIO | None = None,
                   sign: bool | None = False, cert: Path | None = None,
                   key: Path | None = None) -> int:
    """Render ``project_path`` to ``output`` with a progress bar on ``stream`` (stderr).

    ``sign`` True signs the export with a C2PA manifest after the final mux (credentials from
    ``cert``/``key``, the environment or the settings file); None follows ``sign_exports`` in
    the settings, skipping with a note an export that holds no generated take.

    Returns the exit status (0); failures raise StudioError subclasses for ``main`` to report.
    """
    from studio.provenance.exports import plan_signing, render_maybe_signed
    from studio.render.export import export
    from studio.render.licences import export_licences, restricted_note

    stream = sys.stderr if stream is None else stream
    if (width is None) != (height is None):
        raise RenderError("Give both --width and --height, or neither.")
    check_output(output)
    project, folder = load_for_render(project_path)
    note = restricted_note(export_licences(project, folder))
    if note:
        print(note, file=stream)
    signing = plan_signing(project, folder, output, sign, cert, key,
                           lambda note: print(note, file=stream))
    started = time.monotonic()
    bar = ProgressBar(stream)

    def render(path: Path) -> Path:
        return export(project, folder, path, codec=codec, crf=crf, preset=preset, width=width,
                      height=height, fps=fps, progress=bar)

    try:
        render_maybe_signed(render, output, signing)
    finally:
        bar.end_line()
    signed = " (signed with a C2PA manifest)" if signing is not None else ""
    print(f"Wrote {output}{signed} in {time.monotonic() - started:.1f} s.", file=stream)
    return 0
