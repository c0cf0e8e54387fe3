"""Finding moved or renamed media by fingerprint, and pointing the project at the new files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import edits
from .changes import Change, Op, revert
from .errors import DocumentError
from .fingerprint import MediaReadError, fingerprint_file
from .model import MediaRef, Project
from .persistence import media_status, relative_media_path


def _walk(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, in a stable order, skipping hidden folders.

    Symlinked folders are followed (users link their footage folders), but each real folder is
    entered once, so a link back up the tree cannot loop.
    """
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError:
            continue  # unreadable folders are simply not searched
        subfolders = []
        for entry in entries:
            try:
                if entry.is_dir():
                    if not entry.name.startswith("."):
                        subfolders.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)
            except OSError:
                continue
        stack.extend(reversed(subfolders))  # depth first, in name order


def find_relinks(project: Project, project_dir: str | os.PathLike[str],
                 search_dir: str | os.PathLike[str], *,
                 only: Iterable[str] | None = None) -> dict[str, Path]:
    """Look under ``search_dir`` for the files of offline media, whatever they are now called.

    A file matches when its fingerprint (size, then hash of its ends) equals the one the media
    was imported with; sizes are compared first so most files are never read.

    Parameters
    ----------
    project, project_dir
        The project and the folder its relative media paths start from.
    search_dir
        The folder to search, recursively.
    only
        Media ids to look for instead of the offline ones (e.g. media the user picked).

    Returns
    -------
    dict
        ``{media_id: file found}`` for the media that were found.
    """
    if only is None:
        status = media_status(project, project_dir)
        wanted = [m for mid, m in project.media.items() if status[mid] == "offline"]
    else:
        wanted = [project.media[mid] for mid in only if mid in project.media]
    by_size: dict[int, list[MediaRef]] = {}
    for media in wanted:
        by_size.setdefault(media.fingerprint.size, []).append(media)
    found: dict[str, Path] = {}
    for file in _walk(Path(search_dir)):
        if not by_size:
            break
        try:
            size = file.stat().st_size
            candidates = by_size.get(size)
            if not candidates:
                continue
            digest = fingerprint_file(file).digest
        except (OSError, MediaReadError):
            continue
        matches = [m for m in candidates if m.fingerprint.digest == digest]
        for media in matches:  # the same file imported twice matches both entries
            found[media.id] = file
            candidates.remove(media)
        if not candidates:
            del by_size[size]
    return found


def relink(project: Project, project_dir: str | os.PathLike[str],
           found: dict[str, Path]) -> Change:
    """Point each media in ``found`` at its new file, as one change that undoes as a whole.

    Raises
    ------
    EditError
        If a media id is not in the pool; the project is then left as it was.
    """
    ops: list[Op] = []
    try:
        for media_id, file in found.items():
            ops.extend(edits.relink_media(project, media_id,
                                          relative_media_path(project_dir, file)).ops)
    except DocumentError:
        revert(project, Change("Relink media", tuple(ops)))
        raise
    return Change("Relink media", tuple(ops))
