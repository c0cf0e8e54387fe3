"""Fingerprints, and relinking moved and renamed media by fingerprint (with undo)."""

from __future__ import annotations

import hashlib
import os
import random
import sys
from pathlib import Path

import pytest

from studio.document import changes, edits
from studio.document.errors import DocumentError, EditError
from studio.document.fingerprint import CHUNK, MediaReadError, fingerprint_file
from studio.document.model import Clip, MediaRef, Project, Still, new_project
from studio.document.persistence import (
    media_status,
    open_project,
    relative_media_path,
    save_project,
)
from studio.document.relink import find_relinks, relink
from studio.document.timebase import FrameRange


def _bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


# ------------------------------------------------------------------------------- fingerprints
def test_a_small_file_is_hashed_whole(tmp_path: Path) -> None:
    data = _bytes(2 * CHUNK, 1)
    (tmp_path / "a.bin").write_bytes(data)
    fp = fingerprint_file(tmp_path / "a.bin")
    assert fp.size == len(data)
    assert fp.digest == "sha256:" + hashlib.sha256(data).hexdigest()


def test_a_large_file_is_hashed_by_its_ends(tmp_path: Path) -> None:
    data = bytearray(_bytes(3 * CHUNK + 17, 2))
    (tmp_path / "a.bin").write_bytes(data)
    fp = fingerprint_file(tmp_path / "a.bin")
    assert fp.digest == "sha256:" + hashlib.sha256(data[:CHUNK] + data[-CHUNK:]).hexdigest()
    data[CHUNK + 5] ^= 0xFF  # the middle is not hashed
    (tmp_path / "b.bin").write_bytes(data)
    assert fingerprint_file(tmp_path / "b.bin") == fp
    data[-1] ^= 0xFF
    (tmp_path / "c.bin").write_bytes(data)
    assert fingerprint_file(tmp_path / "c.bin").digest != fp.digest


def test_an_empty_file_has_a_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    assert fingerprint_file(tmp_path / "empty").size == 0


@pytest.mark.parametrize("name", ["missing.mp4", "."])
def test_unreadable_media_gives_a_sentence(tmp_path: Path, name: str) -> None:
    with pytest.raises(MediaReadError, match="Cannot read the media file") as info:
        fingerprint_file(tmp_path / name)
    assert isinstance(info.value, DocumentError) and str(info.value).endswith(".")


# ------------------------------------------------------------------------------------ relink
@pytest.fixture
def project_with_media(tmp_path: Path) -> tuple[Project, Path]:
    """A saved project using a clip (> 2 MiB, so hashed by its ends) and a still."""
    folder = tmp_path / "proj"
    (folder / "media").mkdir(parents=True)
    clip_file = folder / "media" / "walk.mp4"
    clip_file.write_bytes(_bytes(2 * CHUNK + 1000, 3))
    still_file = tmp_path / "sky.png"  # outside the project folder
    still_file.write_bytes(_bytes(5000, 4))
    project = new_project("Relinking")
    for media_id, file, kind in (("media-walk", clip_file, "clip"),
                                 ("media-sky", still_file, "still")):
        edits.add_media(project, MediaRef(id=media_id, path=relative_media_path(folder, file),
                                          kind=kind, fingerprint=fingerprint_file(file)))
    track = project.timeline.tracks[0].id
    edits.append(project, track, Clip(id="clip-1", media_id="media-walk",
                                      source=FrameRange(0, 24)))
    edits.append(project, track, Still(id="still-1", media_id="media-sky", duration=12))
    save_project(project, folder)
    return project, folder


def test_moved_and_renamed_media_is_found_and_relinked(
        project_with_media: tuple[Project, Path], tmp_path: Path) -> None:
    project, folder = project_with_media
    assert project.media["media-sky"].path == "../sky.png"
    search = tmp_path / "library"
    nested = search / "2026" / "june" / "day 3"
    nested.mkdir(parents=True)
    (folder / "media" / "walk.mp4").rename(nested / "renamed walk.MOV")
    (tmp_path / "sky.png").rename(search / "2026" / "clouds.png")
    # Distractors: same size but other content; and the right content in a hidden folder.
    (search / "same size.mp4").write_bytes(_bytes(2 * CHUNK + 1000, 99))
    (search / ".cache").mkdir()
    (search / ".cache" / "copy.png").write_bytes(_bytes(5000, 4))

    opened = open_project(folder)
    assert opened.media_status == {"media-walk": "offline", "media-sky": "offline"}
    project = opened.project
    before = dict(project.media)

    found = find_relinks(project, folder, search)
    assert found == {"media-walk": nested / "renamed walk.MOV",
                     "media-sky": search / "2026" / "clouds.png"}
    seen: list[str] = []
    project.events.media_changed.connect(lambda media_id, old, new: seen.append(media_id))
    change = relink(project, folder, found)
    assert sorted(seen) == ["media-sky", "media-walk"]
    assert project.media["media-walk"].path == "../library/2026/june/day 3/renamed walk.MOV"
    assert project.media["media-sky"].path == "../library/2026/clouds.png"
    assert project.media["media-walk"].fingerprint == before["media-walk"].fingerprint
    assert set(media_status(project, folder).values()) == {"online"}
    save_project(project, folder)
    assert set(open_project(folder).media_status.values()) == {"online"}

    changes.revert(project, change)
    assert project.media == before
    assert set(media_status(project, folder).values()) == {"offline"}
    changes.apply(project, change)
    assert set(media_status(project, folder).values()) == {"online"}


def test_only_online_media_is_left_alone_unless_asked(
        project_with_media: tuple[Project, Path], tmp_path: Path) -> None:
    project, folder = project_with_media
    search = tmp_path / "backup drive"
    search.mkdir()
    (search / "walk copy.bin").write_bytes((folder / "media" / "walk.mp4").read_bytes())
    assert find_relinks(project, folder, search) == {}
    found = find_relinks(project, folder, search, only=["media-walk", "not-in-pool"])
    assert found == {"media-walk": search / "walk copy.bin"}


def test_nothing_found_when_the_content_differs(
        project_with_media: tuple[Project, Path], tmp_path: Path) -> None:
    project, folder = project_with_media
    data = bytearray((tmp_path / "sky.png").read_bytes())
    (tmp_path / "sky.png").unlink()
    data[0] ^= 1
    search = tmp_path / "elsewhere"
    search.mkdir()
    (search / "sky.png").write_bytes(data)  # same name and size, other bytes
    assert find_relinks(project, folder, search) == {}


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlinked_folders_are_searched_without_looping(
        project_with_media: tuple[Project, Path], tmp_path: Path) -> None:
    project, folder = project_with_media
    real = tmp_path / "real footage"
    real.mkdir()
    (folder / "media" / "walk.mp4").rename(real / "walk.mp4")
    search = tmp_path / "search"
    search.mkdir()
    os.symlink(real, search / "linked")
    os.symlink(search, search / "linked" / "back up")  # a loop
    os.symlink(search, search / "self")
    found = find_relinks(project, folder, search, only=["media-walk"])
    assert found["media-walk"].name == "walk.mp4"


def test_a_relink_that_fails_changes_nothing(
        project_with_media: tuple[Project, Path], tmp_path: Path) -> None:
    project, folder = project_with_media
    before = dict(project.media)
    with pytest.raises(EditError, match="no media with id"):
        relink(project, folder, {"media-walk": tmp_path / "x.mp4", "media-gone": tmp_path / "y"})
    assert project.media == before


def test_an_empty_relink_is_an_empty_change(project_with_media: tuple[Project, Path]) -> None:
    project, folder = project_with_media
    change = relink(project, folder, {})
    assert change.ops == ()
