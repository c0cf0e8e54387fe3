"""Durable file writes: success replaces the target, any failure leaves it whole and no temp."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from engine.protocol import files


def test_atomic_write_creates_and_replaces_leaving_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    files.atomic_write(target, b"one", "a.json")
    files.atomic_write(target, b"two", "a.json")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_failure_before_the_rename_leaves_the_old_target_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_bytes(b"old")
    seen: list[Path] = []

    def fail(temp: Path) -> None:
        seen.append(temp)
        assert temp.parent == tmp_path and temp.read_bytes() == b"new"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        files.atomic_write(target, b"new", "a.json", before=fail)
    assert target.read_bytes() == b"old"
    assert seen and not seen[0].exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_failing_fsync_leaves_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", fail)
    with pytest.raises(OSError, match="Input/output"):
        files.atomic_write(tmp_path / "a.json", b"new", "a.json")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_atomic_write_can_make_a_private_file(tmp_path: Path) -> None:
    target = tmp_path / "token"
    files.atomic_write(target, b"secret", "token", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_atomic_output_renames_what_the_writer_wrote(tmp_path: Path) -> None:
    target = tmp_path / "take.mp4"
    target.write_bytes(b"old")
    with files.atomic_output(target, suffix=".partial") as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".take.mp4-")
        assert temp.name.endswith(".partial") and temp.is_file()
        temp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # nothing is in place before the block ends
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["take.mp4"]


@pytest.mark.parametrize("error", [OSError("disk full"), ValueError("does not decode"),
                                   KeyboardInterrupt()])
def test_atomic_output_removes_the_temp_on_any_exception(tmp_path: Path,
                                                         error: BaseException) -> None:
    target = tmp_path / "take.mp4"
    target.write_bytes(b"old")
    with pytest.raises(type(error)), files.atomic_output(target) as temp:
        temp.write_bytes(b"half")
        raise error
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["take.mp4"]


def test_atomic_output_with_no_old_target_leaves_nothing_on_failure(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), files.atomic_output(tmp_path / "copy.mp4") as temp:
        os.truncate(temp, 0)
        raise RuntimeError("copy failed")
    assert list(tmp_path.iterdir()) == []


def test_remove_stale_temps_deletes_only_its_own_prefix(tmp_path: Path) -> None:
    mine, other = files.temp_path(tmp_path, "a.json.save"), files.temp_path(tmp_path, "b.json.save")
    mine.write_bytes(b"x")
    other.write_bytes(b"y")
    (tmp_path / "a.json").write_bytes(b"keep")
    files.remove_stale_temps(tmp_path, "a.json.save")
    assert not mine.exists() and other.exists() and (tmp_path / "a.json").exists()
