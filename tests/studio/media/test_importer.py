"""Importing media: one undoable change for many files, nothing imported when one fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.document import changes
from studio.document.model import new_project
from studio.errors import MediaError
from studio.media import import_media


def test_import_adds_probed_media(media: dict[str, Path], tmp_path: Path) -> None:
    project = new_project("Import")
    project_file = media["cfr.mp4"].parent / "project" / "Import.frameloom"
    change = import_media(project, project_file,
                          [media["cfr.mp4"], media["exif6.jpg"], media["vfr.mp4"]])
    pool = {ref.name: ref for ref in project.media.values()}
    assert sorted(pool) == ["cfr.mp4", "exif6.jpg", "vfr.mp4"]
    assert pool["cfr.mp4"].path == "../cfr.mp4" and pool["cfr.mp4"].kind == "clip"
    assert pool["cfr.mp4"].frames == 96 and pool["cfr.mp4"].probe["rate"] == "24"
    assert pool["vfr.mp4"].probe["vfr"] is True
    assert pool["exif6.jpg"].kind == "still" and pool["exif6.jpg"].probe["rotation"] == 90
    assert pool["cfr.mp4"].fingerprint.size == media["cfr.mp4"].stat().st_size
    assert change.label == "Import 3 files" and len(change.ops) == 3
    changes.revert(project, change)
    assert not project.media
    changes.apply(project, change)
    assert len(project.media) == 3


def test_one_bad_file_imports_none(media: dict[str, Path], tmp_path: Path) -> None:
    project = new_project("Import")
    with pytest.raises(MediaError, match="truncated.mp4"):
        import_media(project, tmp_path / "p.frameloom",
                     [media["cfr.mp4"], media["truncated.mp4"], media["still.png"]])
    assert not project.media


def test_missing_file_is_named(tmp_path: Path) -> None:
    project = new_project("Import")
    with pytest.raises(MediaError, match="gone.png does not exist"):
        import_media(project, tmp_path / "p.frameloom", [tmp_path / "gone.png"])
