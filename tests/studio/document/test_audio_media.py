"""Audio files in the media pool: their sounds go on audio tracks only, are bounded by the
file's length, keep the file in the pool while used, save and load, and are mixed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from studio.document import changes, edits
from studio.document.errors import EditError
from studio.document.model import AudioItem, Clip, Fingerprint, MediaRef, Project, new_project
from studio.document.persistence import load_project, save_project
from studio.document.timebase import FrameRange
from studio.document.validate import validate

FP = Fingerprint(size=1, digest="sha256:" + "00" * 32)


def music_project() -> Project:
    """An empty V1 and A1, and a 1.5 s audio file in the pool (36 frames at 24 fps)."""
    project = new_project("Music")
    edits.add_track(project, kind="audio", track_id="a1")
    edits.add_media(project, MediaRef(id="m-song", path="song.wav", kind="audio",
                                      fingerprint=FP, name="song.wav",
                                      probe={"has_audio": True, "duration": "3/2",
                                             "audio_rate": 48000, "audio_codec": "pcm_s16le"}))
    return project


def test_a_sound_of_an_audio_file_goes_on_an_audio_track_within_its_length() -> None:
    project = music_project()
    assert project.media["m-song"].length_at(Fraction(24)) == 36
    assert project.media["m-song"].length_at(Fraction(30)) == 45
    change = edits.insert(project, "a1", 10, AudioItem(id="s1", media_id="m-song",
                                                       source=FrameRange(0, 36)))
    validate(project)
    assert [(s, type(i).__name__) for _x, s, i in project.track("a1").layout()] == [
        (0, "Gap"), (10, "AudioItem")]
    changes.revert(project, change)
    assert project.track("a1").items == []
    with pytest.raises(EditError, match="past the end"):
        edits.insert(project, "a1", 0, AudioItem(id="s2", media_id="m-song",
                                                 source=FrameRange(0, 37)))
    v1 = project.timeline.tracks[0].id
    with pytest.raises(EditError, match="song.wav is a sound; put it on an audio track"):
        edits.insert(project, v1, 0, Clip(id="c1", media_id="m-song", source=FrameRange(0, 36)))
    with pytest.raises(EditError, match="cannot go on a video track"):
        edits.insert(project, v1, 0, AudioItem(id="s3", media_id="m-song",
                                               source=FrameRange(0, 36)))
    validate(project)


def test_an_audio_file_in_use_stays_in_the_pool() -> None:
    project = music_project()
    edits.insert(project, "a1", 0, AudioItem(id="s1", media_id="m-song",
                                             source=FrameRange(0, 36)))
    with pytest.raises(EditError, match="song.wav is still used on the timeline"):
        edits.remove_media(project, "m-song")
    edits.lift(project, "s1")
    edits.remove_media(project, "m-song")
    assert not project.media


def test_audio_media_saves_and_loads(tmp_path: Path) -> None:
    project = music_project()
    edits.insert(project, "a1", 0, AudioItem(id="s1", media_id="m-song",
                                             source=FrameRange(4, 20)))
    path = tmp_path / "Music.frameloom"
    save_project(project, path)
    loaded = load_project(path)
    assert loaded == project and loaded.media["m-song"].kind == "audio"


def test_the_mixer_plays_an_audio_file(tmp_path: Path) -> None:
    from studio.render.mixer import mix
    from support.sound import write_sound

    rng = np.random.default_rng(3)
    samples = rng.uniform(-0.2, 0.2, (2, 72_000)).astype(np.float32)  # 1.5 s
    write_sound(tmp_path / "song.wav", samples)
    project = music_project()
    edits.insert(project, "a1", 0, AudioItem(id="s1", media_id="m-song",
                                             source=FrameRange(12, 24)))
    out = mix(project, tmp_path)
    # Frames 12-35 of the file at 24 fps are its samples from 0.5 s to its end.
    np.testing.assert_array_equal(out, samples[:, 24_000:72_000])
