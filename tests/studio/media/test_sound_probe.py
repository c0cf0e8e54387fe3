"""Audio files (WAV, FLAC, MP3, AAC, Opus) probe and import as sounds; damaged ones are refused
in one sentence and nothing is imported."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest

from studio.document.model import new_project
from studio.errors import MediaError
from studio.media import import_media, probe
from support.sound import ENCODED, write_encoded

CODEC = {"tone.wav": "pcm_s16le", "tone.flac": "flac", "tone.mp3": "mp3", "tone.m4a": "aac",
         "tone.aac": "aac", "tone.opus": "opus"}


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sounds")
    files = {name: write_encoded(folder / name) for name in ENCODED}
    flac = files["tone.flac"].read_bytes()
    (folder / "cut.flac").write_bytes(flac[:200])  # the header and no sound
    zeroed = flac[:100] + bytes(len(flac) - 100)  # the stream info kept, every frame zeroed
    (folder / "zeroed.flac").write_bytes(zeroed)
    (folder / "noise.mp3").write_bytes(os.urandom(5000))
    (folder / "notes.wav").write_text("These are notes, not a sound.\n" * 40)
    m4a = bytearray(files["tone.m4a"].read_bytes())  # an MP4 header with garbage for sound
    start, end = m4a.index(b"mdat") + 4, m4a.index(b"moov") - 4
    m4a[start:end] = bytes((i * 37 + 11) % 256 for i in range(end - start))
    (folder / "garbled.m4a").write_bytes(bytes(m4a))
    return files | {p.name: p for p in folder.iterdir() if p.name not in files}


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_audio_files_probe_as_sounds(sounds: dict[str, Path], name: str) -> None:
    info = probe(sounds[name])
    assert info.kind == "audio" and info.audio_codec == CODEC[name]
    assert info.audio_rate == ENCODED[name][2] and info.rate is None and info.frames == 0
    # 1.5 s of tone; lossy encoders add up to a frame or two of padding.
    assert Fraction(3, 2) <= info.duration < Fraction(3, 2) + Fraction(6, 100)
    assert info.to_probe() == {"has_audio": True, "audio_codec": CODEC[name],
                               "audio_rate": ENCODED[name][2],
                               "duration": str(info.duration)}


def test_import_puts_sounds_in_the_pool_with_their_length(sounds: dict[str, Path],
                                                          tmp_path: Path) -> None:
    project = new_project("Sounds", rate=Fraction(24))
    import_media(project, tmp_path / "p.frameloom", [sounds[n] for n in sorted(ENCODED)])
    pool = {ref.name: ref for ref in project.media.values()}
    assert sorted(pool) == sorted(ENCODED)
    for name, ref in pool.items():
        seconds = Fraction(ref.probe["duration"])
        assert ref.kind == "audio" and ref.frames is None
        assert ref.length_at(Fraction(24)) == -(-seconds * 24 // 1), name  # ceil
    assert pool["tone.wav"].length_at(Fraction(24)) == 36


BAD = {"cut.flac": "not a video, image or audio file", "zeroed.flac": "no sound",
       "noise.mp3": "not a video, image or audio file",
       "notes.wav": "not a video, image or audio file", "garbled.m4a": "damaged"}


@pytest.mark.parametrize("name", sorted(BAD))
def test_damaged_sound_is_refused_in_one_sentence(sounds: dict[str, Path], name: str,
                                                  tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        probe(sounds[name])
    message = str(caught.value)
    assert message.startswith(name) and BAD[name] in message
    assert "\n" not in message and message.endswith(".")
    project = new_project("Sounds")
    with pytest.raises(MediaError, match=name):
        import_media(project, tmp_path / "p.frameloom", [sounds["tone.wav"], sounds[name]])
    assert not project.media  # the good file before it is not imported either


def test_an_aac_file_with_no_video_is_a_sound(media: dict[str, Path]) -> None:
    info = probe(media["audio-only.m4a"])
    assert info.kind == "audio" and info.audio_codec == "aac"
