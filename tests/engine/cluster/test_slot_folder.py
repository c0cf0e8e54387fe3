"""A slot's private folder, and the clean-up of the folders whose slot process is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cluster.actor import slot_folder


@pytest.mark.skipif(os.name != "posix", reason="a gone process is asked about on POSIX only")
def test_a_new_slot_removes_the_folders_of_gone_slots_and_keeps_the_rest(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = tmp_path / f"{int(gone.stdout)}-abc"
    (dead / "job" / "inputs").mkdir(parents=True)
    (dead / "job" / "inputs" / "clip.mp4").write_bytes(b"a user's media, copied to the node")
    live = tmp_path / f"{os.getpid()}-def"  # another slot of this very process
    live.mkdir()
    other = tmp_path / "notes"  # not a slot's
    other.mkdir()
    made = slot_folder(tmp_path)
    assert made.is_dir() and made.parent == tmp_path
    assert made.name.startswith(f"{os.getpid()}-")
    assert not dead.exists()
    assert live.is_dir() and other.is_dir()


def test_the_default_root_is_the_temporary_directory_s_slots(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = slot_folder()
    assert made.parent == tmp_path / "frameloom-slots"
