"""OTIO export and import of audio tracks: Frameloom's round trip exactly (mix settings, gain,
fades, links, crossfades); another editor's audio track (a disabled one muted) imports too."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from studio.document import edits
from studio.document.model import AudioItem, Gap, Project, Transition
from studio.document.timebase import FrameRange
from studio.render.otio_export import export_otio
from studio.render.otio_import import import_otio


def with_sound(project: Project) -> Project:
    """``project`` (the every-kind document) with two audio tracks: a linked sound under clip
    c-1 with gain and fades, a crossfade into a free one; and a soloed, quieter second track."""
    edits.add_track(project, kind="audio", track_id="a1")
    edits.add_track(project, kind="audio", track_id="a2")
    edits.append(project, "a1", AudioItem(id="snd-1", media_id="m-clip", source=FrameRange(10, 50),
                                          gain_db=-3.5, fade_in=4, fade_out=2, link="c-1"))
    edits.append(project, "a1", AudioItem(id="snd-2", media_id="m-clip", source=FrameRange(70, 30)))
    edits.set_transition(project, "snd-1", "crossfade", 6, transition_id="x-1")
    edits.insert(project, "a2", 20, AudioItem(id="snd-3", media_id="m-clip",
                                              source=FrameRange(0, 12)))
    edits.set_track(project, "a1", mute=True)
    edits.set_track(project, "a2", solo=True, gain_db=-6.0)
    return project


def test_audio_tracks_round_trip_exactly(document: Project, tmp_path: Path) -> None:
    project = with_sound(document)
    out = export_otio(project, tmp_path / "p.frameloom", tmp_path / "p.otio")
    timeline = otio.adapters.read_from_file(str(out))
    kinds = [(t.kind, t.name, t.enabled) for t in timeline.tracks]
    assert kinds == [("Video", "V1", True), ("Video", "V2", True), ("Audio", "A1", False),
                     ("Audio", "A2", True)]
    back, _base = import_otio(out)
    assert back.metadata.pop("otio_import")["skipped"] == []
    assert back == project
    a1 = back.track("a1")
    assert [type(e).__name__ for e in a1.items] == ["AudioItem", "Transition", "AudioItem"]
    first = a1.items[0]
    assert isinstance(first, AudioItem) and (first.gain_db, first.fade_in, first.fade_out,
                                             first.link) == (-3.5, 4, 2, "c-1")


def test_another_editors_audio_track_imports_as_sound(tmp_path: Path) -> None:
    rate = 25.0
    media = tmp_path / "voice.wav"
    media.write_bytes(b"\0" * 100)
    ref = otio.schema.ExternalReference(
        target_url=media.as_uri(), available_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(500, rate)))
    music = otio.schema.Track(name="Music", kind=otio.schema.TrackKind.Audio)
    music.enabled = False
    music.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(10, rate))))
    music.append(otio.schema.Clip(name="voice", media_reference=ref,
                                  source_range=otio.opentime.TimeRange(
                                      otio.opentime.RationalTime(50, rate),
                                      otio.opentime.RationalTime(100, rate))))
    picture = otio.schema.Track(name="V", kind=otio.schema.TrackKind.Video)
    picture.append(otio.schema.Clip(name="shot", media_reference=ref.clone(),
                                    source_range=otio.opentime.TimeRange(
                                        otio.opentime.RationalTime(0, rate),
                                        otio.opentime.RationalTime(60, rate))))
    timeline = otio.schema.Timeline(name="edit", tracks=[picture, music])
    file = tmp_path / "edit.otio"
    otio.adapters.write_to_file(timeline, str(file))
    project, _base = import_otio(file)
    assert project.metadata["otio_import"]["skipped"] == []
    (track,) = project.timeline.audio_tracks
    assert (track.name, track.kind, track.mute, track.solo) == ("Music", "audio", True, False)
    gap, voice = track.items
    assert isinstance(gap, Gap) and gap.duration == 10
    assert isinstance(voice, AudioItem) and voice.source == FrameRange(50, 100)
    assert voice.link is None and not isinstance(voice, Transition)
    assert [t.name for t in project.timeline.tracks] == ["V"]
