"""Import stills and clips into a project: probe and fingerprint each, then one undoable change."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from studio.document import edits, fingerprint
from studio.document.changes import Change, revert
from studio.document.errors import DocumentError
from studio.document.model import MediaRef, Project, new_id
from studio.document.persistence import relative_media_path
from studio.errors import MediaError

from .probe import probe


def import_media(project: Project, project_file: str | os.PathLike[str],
                 paths: Sequence[str | os.PathLike[str]]) -> Change:
    """Add files to the media pool as one change (undone as one step).

    Every file is probed and fingerprinted before the project is touched, so when one fails
    none is imported.

    Parameters
    ----------
    project
        The open project.
    project_file
        Its ``.frameloom`` file (or folder): media paths are stored relative to its folder.
    paths
        Stills and clips to import.

    Raises
    ------
    MediaError
        Naming the first file that cannot be imported.
    """
    folder = Path(project_file)
    folder = folder if folder.is_dir() else folder.parent
    refs = []
    for path in map(Path, paths):
        info = probe(path)
        try:
            fp = fingerprint.fingerprint_file(path)
        except DocumentError as exc:
            raise MediaError(str(exc)) from exc
        refs.append(MediaRef(id=new_id("media"), path=relative_media_path(folder, path),
                             kind=info.kind, fingerprint=fp, name=path.name,
                             probe=info.to_probe()))
    done: list[Change] = []
    try:
        for ref in refs:
            done.append(edits.add_media(project, ref))
    except Exception:
        for change in reversed(done):
            revert(project, change)
        raise
    label = f"Import {refs[0].name}" if len(refs) == 1 else f"Import {len(refs)} files"
    return Change(label, tuple(op for change in done for op in change.ops))
