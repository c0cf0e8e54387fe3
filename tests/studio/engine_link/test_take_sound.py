"""A take whose file carries sound (as an LTX-2 take does: AAC in its MP4) is marked as having
sound in the take's metadata; a silent take is not (issue 21)."""

from __future__ import annotations

from pathlib import Path

from studio.document import persistence
from studio.engine_link.takes import take_for, take_sound
from support.takes import write_take


def test_a_take_with_sound_is_marked_and_a_silent_one_is_not(tmp_path: Path,
                                                             sample_project: Path) -> None:
    project = persistence.open_project(sample_project).project
    shot = "shot-1"
    sound = take_sound(write_take(tmp_path / "ltx2-take.mp4", sound=True))
    assert sound == {"codec": "aac", "sample_rate": 24_000, "channels": 1}
    take = take_for(project, shot, "job-1", "takes/a.mp4", {}, sound)
    assert take is not None and take.metadata == {"sound": sound}
    assert take_sound(write_take(tmp_path / "silent.mp4", sound=False)) is None
    assert take_sound(tmp_path / "gone.mp4") is None
    silent = take_for(project, shot, "job-2", "takes/b.mp4", {}, None)
    assert silent is not None and "sound" not in silent.metadata
