"""Opening project folders: autosave and recovery, newer or malformed file versions and their
upgrades, media paths and errors while reading."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from document_factory import GOLDEN_V1, golden_project, snapshot
from studio import paths
from studio.document import edits, migrations, persistence
from studio.document.errors import ProjectFileError, ReadOnlyProjectError
from studio.document.model import Fingerprint, MediaRef, Project
from studio.document.persistence import (
    autosave,
    autosave_path,
    autosave_untitled,
    discard_recovery,
    load_project,
    media_status,
    open_project,
    recover,
    relative_media_path,
    resolve_media_path,
    save_project,
)


# ------------------------------------------------------------------------ autosave, recovery
def test_autosave_never_touches_the_project_file(saved: tuple[Project, Path]) -> None:
    project, file = saved
    save_project(project, file)  # so that a backup exists as well
    before = snapshot(file.parent)
    edits.set_project(project, name="Unsaved work")
    auto = autosave(project, file)
    assert auto == autosave_path(file) == file.parent / ".Golden v1.frameloom.autosave"
    after = snapshot(file.parent)
    assert after.pop(auto.name) is not None
    assert after == before
    assert load_project(auto).name == "Unsaved work"
    assert not list(file.parent.glob(".*.tmp"))


def test_recovery_is_offered_when_the_autosave_is_newer(saved: tuple[Project, Path]) -> None:
    project, file = saved
    assert open_project(file).recovery is None
    edits.set_project(project, name="Unsaved work")
    auto = autosave(project, file)
    stamp = file.stat().st_mtime_ns
    os.utime(auto, ns=(stamp + 10**9, stamp + 10**9))
    opened = open_project(file)
    assert opened.recovery == auto
    assert opened.project.name == "Golden v1"
    recovered = recover(opened)
    assert recovered == project and recovered.name == "Unsaved work"
    discard_recovery(file)
    assert not auto.exists() and open_project(file).recovery is None


def test_recovery_is_not_offered_when_old_or_identical(saved: tuple[Project, Path]) -> None:
    project, file = saved
    auto = autosave(project, file)  # same content as the file
    assert open_project(file).recovery is None
    edits.set_project(project, name="Unsaved work")
    autosave(project, file)
    stamp = file.stat().st_mtime_ns
    os.utime(auto, ns=(stamp - 10**9, stamp - 10**9))  # older than the project file
    assert open_project(file).recovery is None


def test_a_normal_save_removes_the_autosave(saved: tuple[Project, Path]) -> None:
    project, file = saved
    edits.set_project(project, name="Unsaved work")
    auto = autosave(project, file)
    save_project(project, file)
    assert not auto.exists()
    assert open_project(file).recovery is None


def test_autosave_of_an_untitled_project_goes_to_the_state_folder() -> None:
    project = golden_project()
    project.id = "project-../../escape"
    file = autosave_untitled(project)
    assert file.parent == paths.state_dir() / "recovery"
    assert file.name == "project-.._.._escape.frameloom"
    assert load_project(file) == project


# ------------------------------------------------------------------------------- versions
def _golden_with(**changes: object) -> dict:
    data = json.loads(GOLDEN_V1.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_a_newer_file_opens_read_only_and_is_never_saved_over(tmp_path: Path) -> None:
    newer = migrations.SCHEMA_VERSION + 1
    data = _golden_with(schema_version=newer)
    data["project"][f"added_in_v{newer}"] = {"something": "new"}
    data["project"]["media"][0]["schema"] = f"MediaRef.{newer}"
    file = _write(tmp_path / "new" / "new.frameloom", data)
    before = snapshot(file.parent)
    opened = open_project(file.parent)
    assert opened.read_only and opened.path == file
    assert opened.message == (
        f"This project was saved by a newer Frameloom (file format {newer}; this version "
        f"writes format {newer - 1}). It is open read-only: use Save As to keep a copy.")
    assert opened.project == golden_project()
    with pytest.raises(ReadOnlyProjectError, match="newer Frameloom"):
        save_project(opened.project, file)
    with pytest.raises(ProjectFileError, match="newer Frameloom"):
        load_project(file)
    assert snapshot(file.parent) == before
    copy = save_project(opened.project, tmp_path / "copy")  # Save As
    assert not open_project(copy).read_only


def test_a_newer_file_that_cannot_be_read_asks_for_an_update(tmp_path: Path) -> None:
    data = _golden_with(schema_version=7)
    data["project"]["timeline"] = "now a string"
    file = _write(tmp_path / "p.frameloom", data)
    with pytest.raises(ProjectFileError, match="update Frameloom"):
        open_project(file)


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, None, True, [1]])
def test_bad_schema_versions_are_refused(tmp_path: Path, version: object) -> None:
    file = _write(tmp_path / "p.frameloom", _golden_with(schema_version=version))
    with pytest.raises(ProjectFileError, match=str(file)):
        open_project(file)


def test_a_file_without_schema_version_is_not_a_project(tmp_path: Path) -> None:
    data = _golden_with()
    del data["schema_version"]
    file = _write(tmp_path / "p.frameloom", data)
    with pytest.raises(ProjectFileError, match="is not a Frameloom project"):
        load_project(file)


def test_a_sound_linked_to_a_picture_that_is_gone_opens_unlinked(sample_project: Path) -> None:
    # Files saved before removing a track unlinked its clips' sounds may link to nothing.
    from studio.document.model import AudioItem, Clip, Track

    project = load_project(sample_project)
    clips = [entry for track in project.timeline.tracks for entry in track.items
             if isinstance(entry, Clip)]
    project.timeline.audio_tracks.append(Track(id="a-1", name="A1", kind="audio", items=[
        AudioItem(id=f"s-{clip.id}", media_id=clip.media_id, source=clip.source, link=clip.id)
        for clip in clips[:2]]))
    save_project(project, sample_project)
    data = json.loads(sample_project.read_text(encoding="utf-8"))
    data["project"]["timeline"]["audio_tracks"][0]["items"][0]["link"] = "c-gone"
    sample_project.write_text(json.dumps(data), encoding="utf-8")
    loaded = load_project(sample_project).timeline.audio_tracks[0].items
    assert [entry.link for entry in loaded] == [None, clips[1].id]  # in place, one unlinked
    assert [entry.id for entry in loaded] == [f"s-{clip.id}" for clip in clips[:2]]


def test_the_upgrade_chain_runs_each_step(monkeypatch: pytest.MonkeyPatch) -> None:
    def one_to_two(data: dict) -> dict:
        data["project"]["metadata"]["upgraded"] = True
        return data

    last = migrations.SCHEMA_VERSION  # a format after it, with no step to it yet
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", last + 1)
    monkeypatch.setitem(migrations.UPGRADES, 1, one_to_two)
    with pytest.raises(ProjectFileError,
                       match=f"cannot upgrade file format {last} to format {last + 1}"):
        migrations.upgrade(_golden_with())
    monkeypatch.setitem(migrations.UPGRADES, last, lambda data: data["missing"])
    with pytest.raises(ProjectFileError, match=f"could not be upgraded from file format {last}"):
        migrations.upgrade(_golden_with())
    monkeypatch.setitem(migrations.UPGRADES, last, lambda data: data)
    upgraded = migrations.upgrade(_golden_with())
    assert upgraded["schema_version"] == last + 1
    assert upgraded["project"]["metadata"]["upgraded"]
    assert migrations.upgrade(_golden_with(schema_version=last + 2))["schema_version"] == last + 2


# ------------------------------------------------------------------------------ media paths
def test_missing_media_opens_offline(saved: tuple[Project, Path]) -> None:
    _project, file = saved
    folder = file.parent
    (folder / "media").mkdir()
    (folder / "media" / "beach.mp4").write_bytes(b"x" * 5242880)
    (folder / "media" / "harbour.mov").write_bytes(b"short")
    opened = open_project(file)
    assert opened.media_status == {"media-beach": "online", "media-sky": "offline",
                                   "media-harbour": "changed"}
    assert not opened.read_only and opened.message is None


def test_media_path_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project_dir = tmp_path / "proj"
    assert relative_media_path(project_dir, project_dir / "media" / "a.mp4") == "media/a.mp4"
    assert relative_media_path(project_dir, tmp_path / "footage" / "b.mov") == "../footage/b.mov"
    assert resolve_media_path(project_dir, "../footage/b.mov") == tmp_path / "footage" / "b.mov"
    assert resolve_media_path(project_dir, "/abs/c.png") == Path("/abs/c.png")
    assert resolve_media_path(project_dir, "D:/clips/d.mp4") == Path("D:/clips/d.mp4")

    def other_drive(path: str, start: str) -> str:
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(os.path, "relpath", other_drive)
    absolute = relative_media_path(project_dir, tmp_path / "x.mp4")
    assert absolute == (tmp_path / "x.mp4").as_posix() and absolute.startswith("/")


def test_media_status_with_odd_paths(tmp_path: Path) -> None:
    project = golden_project()
    project.media["media-sky"] = MediaRef(
        id="media-sky", path="bad\x00name.png", kind="still",
        fingerprint=Fingerprint(size=1, digest="sha256:00"))
    project.media["media-beach"] = MediaRef(
        id="media-beach", path=".", kind="clip", fingerprint=Fingerprint(size=1, digest="x"))
    status = media_status(project, tmp_path)
    assert status["media-sky"] == status["media-beach"] == "offline"


@pytest.mark.parametrize(("error", "expected"), [
    (PermissionError(13, "Permission denied"), "not allowed to read"),
    (OSError(5, "Input/output error"), "input/output error"),
])
def test_os_errors_while_reading_are_project_file_errors(
        saved: tuple[Project, Path], monkeypatch: pytest.MonkeyPatch, error: OSError,
        expected: str) -> None:
    _project, file = saved

    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    # Shadowing open() in the module works the same for root, who can read a chmod 0 file.
    monkeypatch.setattr(persistence, "open", refuse, raising=False)
    with pytest.raises(ProjectFileError, match=expected) as info:
        open_project(file)
    assert str(file) in str(info.value)
