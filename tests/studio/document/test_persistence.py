"""Saving and loading project folders: the golden v1 file, the file format, atomic saves that
check themselves first, and rolling backups."""

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

from document_factory import GOLDEN_V1, GOLDEN_V2, golden_project, snapshot
from studio.document import edits, migrations, persistence, serialize
from studio.document.errors import DocumentError, InvalidDocumentError, ProjectFileError
from studio.document.model import AudioItem, Gap, Generated, Project, Transition
from studio.document.persistence import (
    PROJECT_SUFFIX,
    autosave,
    load_project,
    project_file,
    save_project,
    takes_dir,
)


# --------------------------------------------------------------------------------- golden file
def test_golden_file_loads_with_concrete_values() -> None:
    project = load_project(GOLDEN_V1)
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
    """The format-1 file opens unchanged: everything it held reads and re-encodes as before,
    and the upgrade to format 2 only adds the audio tracks that carry its clips' sound."""
    data = json.loads(GOLDEN_V1.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 < migrations.SCHEMA_VERSION
    loaded = load_project(GOLDEN_V1)
    assert [t.name for t in loaded.timeline.audio_tracks] == ["A1", "A2"]
    without_sound = load_project(GOLDEN_V1)
    without_sound.timeline.audio_tracks = []
    assert without_sound == golden_project()
    encoded = serialize.encode(loaded)
    del encoded["timeline"]["audio_tracks"]  # their contents: tests/studio/document/test_sound.py
    assert encoded == data["project"]  # catches format drift


def test_golden_take_spec_hashes_still_match_their_spec() -> None:
    """Takes are matched to settings by hash, so the hash of a spec must never drift."""
    _track, _index, shot = load_project(GOLDEN_V1).find("gen-dusk")
    assert isinstance(shot, Generated)
    assert {t.spec_hash for t in shot.generation.takes} == {
        serialize.spec_hash(shot.generation.spec)}


def test_a_format_2_project_opens_unchanged() -> None:
    """A project saved before format 3, holding an imported audio file, reads as it was saved:
    its imported sound, gain, fades and track settings are there and it re-encodes identically."""
    data = json.loads(GOLDEN_V2.read_text(encoding="utf-8"))
    assert data["schema_version"] == 2
    loaded = load_project(GOLDEN_V2)
    assert loaded.media["media-song"].kind == "audio"
    a1, a2 = loaded.timeline.audio_tracks
    assert (a1.mute, a1.gain_db) == (True, -2.0)
    _track, _index, song = loaded.find("sound-song")
    assert isinstance(song, AudioItem) and _track is a2
    assert (song.media_id, song.gain_db, song.fade_in, song.fade_out) == (
        "media-song", -4.5, 12, 24)
    assert serialize.encode(loaded) == data["project"]  # nothing added, dropped or changed


def test_a_saved_format_2_project_states_the_current_format(tmp_path: Path) -> None:
    data = json.loads(GOLDEN_V2.read_text(encoding="utf-8"))
    file = save_project(load_project(GOLDEN_V2), tmp_path / "v2")
    saved = json.loads(file.read_text(encoding="utf-8"))
    assert saved["schema_version"] == migrations.SCHEMA_VERSION
    assert saved["project"] == data["project"]
    assert load_project(file) == load_project(GOLDEN_V2)


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
    assert data == {"schema_version": migrations.SCHEMA_VERSION, "app": "frameloom 0.1.0",
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
    project = golden_project()
    project.name = 'a/b:c*?"CON'
    file = save_project(project, tmp_path / "out")
    assert file.name == 'a_b_c___CON.frameloom'
    project.name = "con"
    assert save_project(project, tmp_path / "out2").name == "con_.frameloom"


def test_project_file_needs_exactly_one_project_in_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="holds no .frameloom project file"):
        project_file(tmp_path)
    save_project(golden_project(), tmp_path / "one.frameloom")
    assert project_file(tmp_path) == tmp_path / "one.frameloom"
    save_project(golden_project(), tmp_path / "two.frameloom")
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
    project = golden_project()
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

