"""Project folders on disk: strict loading, atomic saves with backups, autosave and media paths."""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, NoReturn

from engine.protocol import atomic_write, remove_stale_temps
from studio import __version__, paths

from . import serialize, validate
from .changes import Recorder
from .edit_steps import unlink_orphans
from .errors import DocumentError, InvalidDocumentError, ProjectFileError, ReadOnlyProjectError
from .migrations import SCHEMA_VERSION, upgrade
from .model import MediaRef, Project

PROJECT_SUFFIX = ".frameloom"
TAKES_DIR = validate.TAKES_DIR
BACKUPS_DIR = ".backups"
BACKUPS_KEPT = 5
MAX_FILE_BYTES = 64 * 1024 * 1024

#: Called as ``_before_replace(temp_file, project_file)`` just before a save's ``os.replace``;
#: tests set it to kill the process there and check that the old file survives.
_before_replace: Callable[[Path, Path], None] | None = None

_BACKUP_STAMP = r"\d{8}T\d{6}\.\d{6}Z"
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


@dataclass
class OpenedProject:
    """A project as opened for editing, with what the user should be told about it."""

    project: Project
    path: Path  # the .frameloom file
    read_only: bool = False
    message: str | None = None
    recovery: Path | None = None  # an autosave with unsaved work, if one was left behind
    media_status: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------ reading
def _fail(path: Path, detail: object) -> NoReturn:
    text = str(detail).rstrip(". ")
    text = text if len(text) <= 300 else text[:297] + "..."  # a 4000-digit number in a field
    raise ProjectFileError(f"Cannot open {path}: {text[:1].lower()}{text[1:]}.") from None


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number a project may hold")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # "1e999" parses to inf, which no field may hold
        raise ValueError(f"the number {text[:20]} is too large")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):  # json keeps the last duplicate silently; a project never has one
        raise ValueError("an object names the same key twice")
    return data


def _read_json(path: Path) -> dict[str, Any]:
    """Parse a project file strictly; every failure is a :class:`ProjectFileError` naming it."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise ProjectFileError(f"{path} is a folder, not a Frameloom project file.")
        if not stat.S_ISREG(mode):  # reading a pipe or a device could block forever
            raise ProjectFileError(f"{path} is not a regular file, so not a Frameloom project.")
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ProjectFileError(f"The project file {path} does not exist.") from None
    except PermissionError:
        raise ProjectFileError(f"Frameloom is not allowed to read {path}.") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        _fail(path, getattr(exc, "strerror", None) or exc)
    if len(raw) > MAX_FILE_BYTES:
        raise ProjectFileError(f"{path} is larger than 64 MiB, so it is not a Frameloom project.")
    if not raw.strip():
        raise ProjectFileError(f"{path} is empty, so it is not a Frameloom project.")
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError:
        raise ProjectFileError(f"{path} is not a Frameloom project (it is not text).") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        _fail(path, f"it is damaged or not a project (line {exc.lineno}, column {exc.colno}: "
                    f"{exc.msg})")
    except ValueError as exc:  # from the hooks above, or an integer too long to convert
        _fail(path, exc)
    except RecursionError:
        _fail(path, "it is nested too deeply to be a project")
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ProjectFileError(f"{path} is not a Frameloom project.")
    return data


def _read_project(path: Path, *, allow_newer: bool) -> tuple[Project, int, dict[str, Any]]:
    """``(project, file format, parsed file)``; a newer format is decoded leniently if allowed."""
    data = _read_json(path)
    version = data["schema_version"]
    newer = type(version) is int and version > SCHEMA_VERSION
    if newer and not allow_newer:
        raise ProjectFileError(f"{path} was saved by a newer Frameloom (file format {version}); "
                               f"update Frameloom to edit it.")
    try:
        data = upgrade(data)
        if "project" not in data:
            raise ProjectFileError("It has no \"project\" entry.")
        project = serialize.decode(data["project"], Project, lenient=newer)
        validate.validate(project)
        _unlink_dangling_sounds(project)
    except (DocumentError, RecursionError) as exc:
        if newer:
            raise ProjectFileError(f"{path} was saved by a newer Frameloom (file format "
                                   f"{version}) that this one cannot read; update Frameloom "
                                   f"to open it.") from None
        _fail(path, "it is nested too deeply" if isinstance(exc, RecursionError) else exc)
    return project, version, data


def _unlink_dangling_sounds(project: Project) -> None:
    """Unlink sounds linked to a picture that is on no video track, in place, as the edits
    that leave them do (:func:`edit_steps.unlink_orphans`): files saved before those edits
    unlinked them (2026-12-05) may hold such links. Loading records no undo step."""
    with Recorder(project, "Open") as rec:
        unlink_orphans(rec, project)


def project_file(path: str | os.PathLike[str]) -> Path:
    """The ``.frameloom`` file at ``path``, or the only one inside the folder ``path``.

    Raises
    ------
    ProjectFileError
        If the folder holds no project file or several.
    """
    path = Path(path)
    try:
        if not path.is_dir():
            return path
        found = sorted(p for p in path.glob("*" + PROJECT_SUFFIX)
                       if not p.name.startswith(".") and p.is_file())
    except (OSError, ValueError) as exc:
        _fail(path, getattr(exc, "strerror", None) or exc)
    if not found:
        raise ProjectFileError(f"The folder {path} holds no {PROJECT_SUFFIX} project file.")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise ProjectFileError(f"The folder {path} holds several project files ({names}); "
                               f"open one of them.")
    return found[0]


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read, upgrade, decode and validate a project; never writes anything.

    Raises
    ------
    ProjectFileError
        With one sentence naming the file, for every way the file can be unreadable, damaged
        or not a project, and for files saved by a newer Frameloom (:func:`open_project` opens
        those read-only).
    """
    return _read_project(project_file(path), allow_newer=False)[0]


def open_project(path: str | os.PathLike[str]) -> OpenedProject:
    """Open a project for editing: read-only if a newer Frameloom saved it, with any recovery
    file and the state of its media. Missing media never fails the open.

    Raises
    ------
    ProjectFileError
        As :func:`load_project`, or if even a read-only look at a newer file fails.
    """
    file = project_file(path)
    project, version, data = _read_project(file, allow_newer=True)
    opened = OpenedProject(project=project, path=file,
                           media_status=media_status(project, file.parent))
    if version > SCHEMA_VERSION:
        opened.read_only = True
        opened.message = (f"This project was saved by a newer Frameloom (file format {version}; "
                          f"this version writes format {SCHEMA_VERSION}). It is open read-only: "
                          f"use Save As to keep a copy.")
    opened.recovery = _recovery_for(file, data)
    return opened


def _recovery_for(file: Path, data: dict[str, Any]) -> Path | None:
    auto = autosave_path(file)
    try:
        # Not older (rather than strictly newer): coarse file-system clocks can tie, and
        # the content check below rules out a false offer.
        if auto.stat().st_mtime_ns < file.stat().st_mtime_ns:
            return None
        if _read_json(auto).get("project") == data.get("project"):
            return None
    except (OSError, ProjectFileError):
        return None  # no autosave, or one too damaged to recover from
    return auto


# ------------------------------------------------------------------------------------ writing
def _file_text(project: Project) -> bytes:
    """The file's bytes, after proving that they read back as an equal, valid project."""
    try:
        validate.validate(project)
        doc = {"schema_version": SCHEMA_VERSION, "app": f"frameloom {__version__}",
               "project": serialize.encode(project)}
        text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
        back = serialize.decode(json.loads(text, parse_constant=_reject_constant)["project"],
                                Project)
        validate.validate(back)
    except (DocumentError, ValueError, TypeError, RecursionError) as exc:
        raise InvalidDocumentError(f"{project.name or 'The project'} could not be saved: "
                                   f"{str(exc).rstrip('.')}.") from None
    if back != project:
        raise InvalidDocumentError(f"{project.name or 'The project'} could not be saved: it "
                                   f"would not read back the same (its metadata may hold "
                                   f"values JSON cannot keep, such as tuples).")
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") read from a file: keep it escaped
        return (json.dumps(doc, indent=1, allow_nan=False) + "\n").encode("ascii")


def _safe_name(name: str) -> str:
    """A file name any desktop OS accepts, made from a project name or id."""
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip(" .")[:100] or "Untitled"
    return name + "_" if name.split(".")[0].upper() in _RESERVED else name


def _backup(target: Path) -> None:
    """Keep the file about to be replaced in ``.backups/``, newest :data:`BACKUPS_KEPT` only."""
    folder = target.parent / BACKUPS_DIR
    folder.mkdir(exist_ok=True)
    remove_stale_temps(folder, target.name + ".backup")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    atomic_write(folder / f"{target.stem}.{stamp}{PROJECT_SUFFIX}", target.read_bytes(),
                 target.name + ".backup")
    pattern = re.compile(re.escape(target.stem) + r"\." + _BACKUP_STAMP + re.escape(PROJECT_SUFFIX))
    backups = sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))
    for old in backups[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Save atomically: a crash at any moment leaves either the old or the new file whole.

    Parameters
    ----------
    project
        The project to save.
    path
        A ``.frameloom`` file, or a folder that gets ``<project name>.frameloom`` and ``takes/``.

    Returns
    -------
    Path
        The project file written.

    Raises
    ------
    InvalidDocumentError
        If the project would not read back equal and valid; nothing is written then.
    ReadOnlyProjectError
        If ``path`` holds a file saved by a newer Frameloom.
    DocumentError
        If the file system refuses the write (disk full, no permission...).
    """
    path = Path(path)
    target = path if path.suffix == PROJECT_SUFFIX and not path.is_dir() else \
        path / (_safe_name(project.name) + PROJECT_SUFFIX)
    data = _file_text(project)
    try:
        version = _read_json(target).get("schema_version") if target.exists() else None
    except ProjectFileError:
        version = None  # damaged: saving over it loses nothing, and the backup keeps it anyway
    if type(version) is int and version > SCHEMA_VERSION:
        raise ReadOnlyProjectError(f"{target} was saved by a newer Frameloom (file format "
                                   f"{version}), so it cannot be saved over; use Save As.")

    def before_replace(temp: Path) -> None:
        # The backup comes after the new file is safely on disk, so a crash here loses neither.
        if target.exists():
            _backup(target)
        if _before_replace is not None:
            _before_replace(temp, target)

    try:
        (target.parent / TAKES_DIR).mkdir(parents=True, exist_ok=True)
        atomic_write(target, data, target.name + ".save", before_replace)
        discard_recovery(target)  # the saved file now holds everything the autosave did
        remove_stale_temps(target.parent, target.name + ".save")
    except OSError as exc:
        raise DocumentError(f"Could not save {target}: "
                            f"{exc.strerror or type(exc).__name__}.") from exc
    return target


# ----------------------------------------------------------------------------------- autosave
def autosave_path(project_file: Path) -> Path:
    """The recovery file beside a project file: ``.NAME.frameloom.autosave``."""
    return project_file.parent / f".{project_file.name}.autosave"


def autosave(project: Project, project_file: Path) -> Path:
    """Write the recovery file of a saved project; never touches the project file or backups."""
    return _write_recovery(project, autosave_path(Path(project_file)))


def autosave_untitled(project: Project) -> Path:
    """Write the recovery file of a project that was never saved, in the app's state folder."""
    folder = paths.state_dir() / "recovery"
    folder.mkdir(parents=True, exist_ok=True)
    return _write_recovery(project, folder / (_safe_name(project.id) + PROJECT_SUFFIX))


def _write_recovery(project: Project, target: Path) -> Path:
    data = _file_text(project)
    try:
        remove_stale_temps(target.parent, target.name)
        atomic_write(target, data, target.name)
    except OSError as exc:
        raise DocumentError(f"Could not write the recovery file {target}: "
                            f"{exc.strerror or type(exc).__name__}.") from exc
    return target


def recover(opened: OpenedProject) -> Project:
    """The project as its autosave holds it (validated as strictly as :func:`load_project`)."""
    return _read_project(opened.recovery or autosave_path(opened.path), allow_newer=False)[0]


def discard_recovery(project_file: Path) -> None:
    """Delete the autosave of a project file, if any."""
    autosave_path(Path(project_file)).unlink(missing_ok=True)


# -------------------------------------------------------------------------------- media paths
def relative_media_path(project_dir: str | os.PathLike[str], file: str | os.PathLike[str]) -> str:
    """How a media file is stored: POSIX and relative to the project folder where possible,
    absolute where not (another Windows drive)."""
    file = os.path.abspath(file)
    try:
        return Path(os.path.relpath(file, os.path.abspath(project_dir))).as_posix()
    except ValueError:
        return Path(file).as_posix()


def resolve_media_path(project_dir: str | os.PathLike[str], media: MediaRef | str) -> Path:
    """Where a media file (a MediaRef or its stored path) lies on this machine."""
    stored = media.path if isinstance(media, MediaRef) else media
    if PurePosixPath(stored).is_absolute() or PureWindowsPath(stored).drive:
        return Path(stored)
    return Path(os.path.normpath(Path(project_dir) / stored))


def media_status(project: Project, project_dir: str | os.PathLike[str]) -> dict[str, str]:
    """``{media_id: "online" | "offline" | "changed"}``; "changed" means the size differs."""
    status: dict[str, str] = {}
    for media_id, media in project.media.items():
        try:
            info = resolve_media_path(project_dir, media).stat()
        except (OSError, ValueError):  # ValueError: a path with a NUL byte in it
            info = None
        if info is None or not stat.S_ISREG(info.st_mode):
            status[media_id] = "offline"
        else:
            status[media_id] = "online" if info.st_size == media.fingerprint.size else "changed"
    return status


def takes_dir(project_file: Path) -> Path:
    """The folder where a project's generated takes live."""
    return Path(project_file).parent / TAKES_DIR
