"""Saving, opening, backups, autosave and recovery of project folders, and the golden v1 file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

from studio import paths
from studio.document import edits, migrations, persistence, serialize
from studio.document.errors import (
    DocumentError,
    InvalidDocumentError,
    ProjectFileError,
    ReadOnlyProjectError,
)
from studio.document.model import (
    Clip,
    Fingerprint,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    MediaRef,
    Pin,
    Project,
    Still,
    Take,
    Timeline,
    Track,
    Transition,
)
from studio.document.persistence import (
    PROJECT_SUFFIX,
    autosave,
    autosave_path,
    autosave_untitled,
    discard_recovery,
    load_project,
    media_status,
    open_project,
    project_file,
    recover,
    relative_media_path,
    resolve_media_path,
    save_project,
    takes_dir,
)
from studio.document.timebase import FrameRange

GOLDEN = Path(__file__).parents[2] / "data" / "golden_v1.frameloom"


def every_kind_project() -> Project:
    """The project stored in ``tests/data/golden_v1.frameloom``, built by hand in Python."""
    beach = MediaRef(id="media-beach", path="media/beach.mp4", kind="clip", name="beach.mp4",
                     fingerprint=Fingerprint(size=5242880, digest="sha256:" + "ab" * 32),
                     probe={"frames": 240, "width": 1920, "height": 1080, "rate": "30000/1001"},
                     metadata={"source": "camera", "rating": 4})
    sky = MediaRef(id="media-sky", path="../shared/sky.png", kind="still", name="sky.png",
                   fingerprint=Fingerprint(size=183204, digest="sha256:" + "cd" * 32),
                   probe={"width": 1024, "height": 576})
    harbour = MediaRef(id="media-harbour", path="media/harbour.mov", kind="clip",
                       fingerprint=Fingerprint(size=9437184, digest="sha256:" + "ef" * 32),
                       probe={"frames": 120})
    spec = GeneratedSpec(
        kind="extend_forward", prompt="the waves roll in at dusk, gulls overhead",
        negative_prompt="blurry, text", duration=72, model_id="frameloom-mini", seed=1234,
        steps=24, guidance=4.5, width=768, height=432,
        pins=(Pin(id="pin-sky", media_id="media-sky", source=FrameRange(0, 1), at=0),
              Pin(id="pin-beach", media_id="media-beach", source=FrameRange(50, 8), at=64,
                  strength=0.75)))
    spec_hash = "sha256:773bce9c03726fe1bc2aea1b65ed7a21d964cc428a13c88456b69f11ee4ef69a"
    takes = (Take(id="take-1", job_id="job-0001", path="takes/3f/3f2a9c0d.mp4",
                  spec_hash=spec_hash, status="done", created="2026-05-01T10:00:00Z"),
             Take(id="take-2", job_id="job-0002", path="takes/9b/9b41e7aa.mp4",
                  spec_hash=spec_hash, status="done", created="2026-05-01T10:04:30Z"))
    bridge = GeneratedSpec(
        kind="bridge", prompt="fog drifts across the water", duration=24, seed=7,
        pins=(Pin(id="pin-tail", media_id="media-beach", source=FrameRange(200, 8), at=0),
              Pin(id="pin-head", media_id="media-harbour", source=FrameRange(0, 8), at=16)))
    v1 = Track(id="track-v1", name="V1", metadata={"locked": False}, items=[
        Clip(id="clip-beach", media_id="media-beach", source=FrameRange(10, 48), name="Beach",
             metadata={"color": "blue"}),
        Transition(id="transition-xfade", kind="crossfade", in_offset=6, out_offset=6),
        Still(id="still-sky", media_id="media-sky", duration=36, name="Sky"),
        Gap(id="gap-1", duration=12),
        Generated(id="gen-dusk", name="Dusk waves", source=FrameRange(0, 72),
                  metadata={"note": "second take is sharper"},
                  generation=Generation(spec=spec, takes=takes, active_take_id="take-2")),
        Transition(id="transition-bridge", kind="bridge", in_offset=4, out_offset=4,
                   generation=Generation(spec=bridge), metadata={"auto": True}),
        Clip(id="clip-harbour", media_id="media-harbour", source=FrameRange(0, 60)),
    ])
    v2 = Track(id="track-v2", name="V2", items=[
        Gap(id="gap-2", duration=24),
        Generated(id="gen-boat", source=FrameRange(8, 32), generation=Generation(
            spec=GeneratedSpec(kind="shot", prompt="a paper boat on a puddle", duration=48))),
    ])
    return Project(
        id="project-golden", name="Golden v1", rate=Fraction(30000, 1001), width=768,
        height=432, media={m.id: m for m in (beach, sky, harbour)},
        timeline=Timeline(id="timeline-main", name="Main", tracks=[v1, v2],
                          metadata={"markers": [{"frame": 48, "label": "cut here"}]}),
        metadata={"author": "tests", "tags": ["golden", "v1"],
                  "colour": {"space": "rec709", "gamma": 2.4}, "notes": "ünïcödé ✓"})


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file's bytes and mtime (folders as None) under ``folder``, to prove nothing changed."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file()
            else None for p in sorted(folder.rglob("*"))}


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Project, Path]:
    project = every_kind_project()
    return project, save_project(project, tmp_path / "Golden v1")


# --------------------------------------------------------------------------------- golden file
def test_golden_file_loads_with_concrete_values() -> None:
    project = load_project(GOLDEN)
    assert project.rate == Fraction(30000, 1001)
    assert (project.width, project.height) == (768, 432)
    assert [m.kind for m in project.media.values()] == ["clip", "still", "clip"]
    track = project.track("track-v1")
    assert [type(e).__name__ for e in track.items] == [
        "Clip", "Transition", "Still", "Gap", "Generated", "Transition", "Clip"]
    _track, _index, shot = project.find("gen-dusk")
    assert isinstance(shot, Generated)
    assert shot.generation.active_take is not None
    assert shot.generation.active_take.path == "takes/9b/9b41e7aa.mp4"
    assert [p.at for p in shot.generation.spec.pins] == [0, 64]
    assert shot.generation.spec.guidance == 4.5
    _track, _index, bridge = project.find("transition-bridge")
    assert isinstance(bridge, Transition) and bridge.generation is not None
    assert bridge.generation.spec.width is None and bridge.length == 8
    assert project.timeline.duration == 48 + 36 + 12 + 72 + 60
    assert project.metadata["notes"] == "ünïcödé ✓"


def test_golden_file_equals_hand_built_project_and_reencodes_identically() -> None:
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert data["schema_version"] == migrations.SCHEMA_VERSION == 1
    assert load_project(GOLDEN) == every_kind_project()
    assert serialize.encode(load_project(GOLDEN)) == data["project"]  # catches format drift


def test_golden_take_spec_hashes_still_match_their_spec() -> None:
    """Takes are matched to settings by hash, so the hash of a spec must never drift."""
    _track, _index, shot = load_project(GOLDEN).find("gen-dusk")
    assert isinstance(shot, Generated)
    assert {t.spec_hash for t in shot.generation.takes} == {
        serialize.spec_hash(shot.generation.spec)}


# --------------------------------------------------------------------------- save and load
def test_round_trip_of_every_item_kind(saved: tuple[Project, Path]) -> None:
    project, file = saved
    assert file == file.parent / f"Golden v1{PROJECT_SUFFIX}"
    assert takes_dir(file).is_dir() and takes_dir(file) == file.parent / "takes"
    loaded = load_project(file)
    assert loaded == project
    assert load_project(file.parent) == project  # the folder works as well as the file
    assert project_file(file.parent) == file


def test_file_format(saved: tuple[Project, Path]) -> None:
    project, file = saved
    text = file.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data == {"schema_version": 1, "app": "frameloom 0.1.0",
                    "project": serialize.encode(project)}
    assert text == json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    assert "ünïcödé ✓" in text


def test_edits_after_load_are_saved(saved: tuple[Project, Path]) -> None:
    project, file = saved
    edits.split(project, "clip-harbour", project.track("track-v1").start_of(6) + 20,
                new_item_id="clip-harbour-2")
    edits.set_spec(project, "gen-boat", prompt="a paper boat in the rain")
    assert save_project(project, file) == file
    assert load_project(file) == project


def test_save_to_a_folder_uses_a_safe_file_name(tmp_path: Path) -> None:
    project = every_kind_project()
    project.name = 'a/b:c*?"CON'
    file = save_project(project, tmp_path / "out")
    assert file.name == 'a_b_c___CON.frameloom'
    project.name = "con"
    assert save_project(project, tmp_path / "out2").name == "con_.frameloom"


def test_project_file_needs_exactly_one_project_in_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="holds no .frameloom project file"):
        project_file(tmp_path)
    save_project(every_kind_project(), tmp_path / "one.frameloom")
    assert project_file(tmp_path) == tmp_path / "one.frameloom"
    save_project(every_kind_project(), tmp_path / "two.frameloom")
    with pytest.raises(ProjectFileError, match="several project files"):
        load_project(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX only")
def test_atomic_save_survives_a_kill_before_the_replace(saved: tuple[Project, Path]) -> None:
    project, file = saved
    code = textwrap.dedent(f"""
        import os, signal
        from studio.document import edits, persistence
        project = persistence.load_project({str(file)!r})
        edits.set_project(project, name="Changed before the crash")
        persistence._before_replace = lambda temp, final: os.kill(os.getpid(), signal.SIGKILL)
        persistence.save_project(project, {str(file)!r})
        raise SystemExit("the save returned although the process should have died")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=os.environ.copy())
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert load_project(file) == project
    leftovers = list(file.parent.glob(".*.tmp"))
    assert len(leftovers) == 1 and b"Changed before the crash" in leftovers[0].read_bytes()
    save_project(project, file)
    assert not list(file.parent.glob(".*.tmp"))
    assert load_project(file) == project


def test_a_failing_replace_leaves_the_old_file_and_no_temp(
        saved: tuple[Project, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    project, file = saved
    before = file.read_bytes()

    def fail(temp: Path, final: Path) -> None:
        assert temp.parent == final.parent and temp.name.startswith(".")
        assert temp.name.endswith(".tmp")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persistence, "_before_replace", fail)
    edits.set_project(project, name="Renamed")
    with pytest.raises(DocumentError, match="Could not save .*No space left on device"):
        save_project(project, file)
    assert file.read_bytes() == before
    assert not list(file.parent.glob(".*.tmp"))


def test_self_check_refuses_duplicate_ids_without_touching_disk(
        saved: tuple[Project, Path]) -> None:
    project, file = saved
    before = snapshot(file.parent)
    track = project.track("track-v2")
    track.items.append(Gap(id="gap-1", duration=5))  # bypasses edits, as a bug would
    with pytest.raises(InvalidDocumentError, match="could not be saved: .*'gap-1' is used twice"):
        save_project(project, file)
    assert snapshot(file.parent) == before
    with pytest.raises(InvalidDocumentError):
        save_project(project, file.parent.parent / "elsewhere")
    assert not (file.parent.parent / "elsewhere").exists()


@pytest.mark.parametrize("value", [(1, 2), {1, 2}, float("nan"), {3: "int key"}, object()],
                         ids=["tuple", "set", "nan", "int-key", "object"])
def test_self_check_refuses_metadata_json_cannot_hold(saved: tuple[Project, Path],
                                                      value: object) -> None:
    project, file = saved
    before = snapshot(file.parent)
    project.metadata["bad"] = value
    with pytest.raises(InvalidDocumentError, match="could not be saved"):
        save_project(project, file)
    with pytest.raises(InvalidDocumentError, match="could not be saved"):
        autosave(project, file)
    assert snapshot(file.parent) == before


def test_text_that_is_not_valid_unicode_is_kept_escaped(tmp_path: Path) -> None:
    project = every_kind_project()
    project.metadata["odd"] = "lone \ud800 surrogate"
    file = save_project(project, tmp_path / "p")
    assert load_project(file) == project


def test_rolling_backups_keep_the_five_newest(saved: tuple[Project, Path]) -> None:
    project, file = saved
    backups = file.parent / ".backups"
    assert not backups.exists()  # nothing to back up on the first save
    contents = [file.read_bytes()]
    for i in range(7):
        edits.set_project(project, width=640 + 16 * i)
        save_project(project, file)
        contents.append(file.read_bytes())
    kept = sorted(backups.iterdir())
    assert len(kept) == 5
    assert all(p.name.startswith("Golden v1.") and p.suffix == PROJECT_SUFFIX for p in kept)
    assert [p.read_bytes() for p in kept] == contents[-6:-1]  # oldest first; newest = previous
    assert load_project(kept[-1]).width == 640 + 16 * 5


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
    project = every_kind_project()
    project.id = "project-../../escape"
    file = autosave_untitled(project)
    assert file.parent == paths.state_dir() / "recovery"
    assert file.name == "project-.._.._escape.frameloom"
    assert load_project(file) == project


# ------------------------------------------------------------------------------- versions
def _golden_with(**changes: object) -> dict:
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    data.update(changes)
    return data


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_a_newer_file_opens_read_only_and_is_never_saved_over(tmp_path: Path) -> None:
    data = _golden_with(schema_version=3)
    data["project"]["added_in_v3"] = {"something": "new"}
    data["project"]["media"][0]["schema"] = "MediaRef.4"
    file = _write(tmp_path / "new" / "new.frameloom", data)
    before = snapshot(file.parent)
    opened = open_project(file.parent)
    assert opened.read_only and opened.path == file
    assert opened.message == (
        "This project was saved by a newer Frameloom (file format 3; this version writes "
        "format 1). It is open read-only: use Save As to keep a copy.")
    assert opened.project == every_kind_project()
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


def test_the_upgrade_chain_runs_each_step(monkeypatch: pytest.MonkeyPatch) -> None:
    def one_to_two(data: dict) -> dict:
        data["project"]["metadata"]["upgraded"] = True
        return data

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setitem(migrations.UPGRADES, 1, one_to_two)
    with pytest.raises(ProjectFileError, match="cannot upgrade file format 2 to format 3"):
        migrations.upgrade(_golden_with())
    monkeypatch.setitem(migrations.UPGRADES, 2, lambda data: data["missing"])
    with pytest.raises(ProjectFileError, match="could not be upgraded from file format 2"):
        migrations.upgrade(_golden_with())
    monkeypatch.setitem(migrations.UPGRADES, 2, lambda data: data)
    upgraded = migrations.upgrade(_golden_with())
    assert upgraded["schema_version"] == 3 and upgraded["project"]["metadata"]["upgraded"]
    assert migrations.upgrade(_golden_with(schema_version=4))["schema_version"] == 4


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
    project = every_kind_project()
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
