"""OTIO export and import: round trips, other editors' files, rate rescaling and bad files."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from studio.document import edits, fingerprint, persistence
from studio.document.model import Clip, Gap, Generated, Project, Still, Transition
from studio.document.timebase import FrameRange
from studio.render.otio_export import InterchangeError, export_otio
from studio.render.otio_import import import_otio


def _without_import_report(project: Project) -> Project:
    report = project.metadata.pop("otio_import")
    assert set(report) == {"skipped", "offline", "notes"}
    return project


def test_document_round_trips_exactly(document: Project, tmp_path: Path) -> None:
    out = export_otio(document, tmp_path / "every.frameloom", tmp_path / "every.otio")
    back, base = import_otio(out)
    assert base == tmp_path
    report = back.metadata["otio_import"]
    assert report["skipped"] == []
    # The fixture's media were never on disk: offline, keeping their fingerprints for relinking.
    assert sorted(report["offline"]) == [str(tmp_path / "media/a.mp4"),
                                         str(tmp_path / "media/b.png")]
    assert back.media["m-clip"].fingerprint == document.media["m-clip"].fingerprint
    assert _without_import_report(back) == document  # ids, specs, takes, transitions, paths


def test_track_lock_round_trips(document: Project, tmp_path: Path) -> None:
    """A locked track comes back locked (Frameloom's metadata); an unlocked one says nothing."""
    locked = document.timeline.all_tracks()[0]
    locked.locked = True
    out = export_otio(document, tmp_path / "every.frameloom", tmp_path / "every.otio")
    timeline = otio.adapters.read_from_file(str(out))  # kept: its tracks live as long as it
    assert [track.metadata["frameloom"].get("locked") for track in timeline.tracks] == \
        [True] + [None] * (len(timeline.tracks) - 1)
    back, _ = import_otio(out)
    assert [track.locked for track in back.timeline.all_tracks()] == \
        [track.locked for track in document.timeline.all_tracks()]
    assert _without_import_report(back) == document


def test_markers_round_trip_on_the_top_stack(document: Project, tmp_path: Path) -> None:
    """Timeline markers go on the tracks' stack (where editors put theirs) with OTIO colours,
    and come back with their ids, names and colours."""
    edits.add_marker(document, 12, name="beat", colour="red")
    edits.add_marker(document, 40, colour="cyan")
    out = export_otio(document, tmp_path / "every.frameloom", tmp_path / "every.otio")
    timeline = otio.adapters.read_from_file(str(out))
    assert [(m.name, m.color, m.marked_range.start_time.value, m.marked_range.duration.value)
            for m in timeline.tracks.markers] == [("beat", "RED", 12, 0), ("", "CYAN", 40, 0)]
    back, _ = import_otio(out)
    assert back.metadata["otio_import"]["skipped"] == []
    assert _without_import_report(back) == document


def test_another_editor_s_markers_are_kept_one_per_frame(tmp_path: Path) -> None:
    (tmp_path / "a.mov").write_bytes(b"x")
    data = _timeline([_clip("A", _ref("a.mov", 0, 100, 25), 0, 100, 25)], 25)
    data["tracks"]["markers"] = [
        {"OTIO_SCHEMA": "Marker.2", "name": "late", "metadata": {}, "color": "BLACK",
         "marked_range": _range(50, 10, 25), "comment": ""},
        {"OTIO_SCHEMA": "Marker.2", "name": "first\nline", "metadata": {}, "color": "GREEN",
         "marked_range": _range(2, 0, 25), "comment": ""},
        {"OTIO_SCHEMA": "Marker.2", "name": "again", "metadata": {}, "color": "RED",
         "marked_range": _range(50, 0, 25), "comment": ""},
        # at record timecode (the file starts at 24:00:00:00): frame 20 of the timeline
        {"OTIO_SCHEMA": "Marker.2", "name": "timecode", "metadata": {}, "color": "CYAN",
         "marked_range": _range(86400 * 25 + 20, 0, 25), "comment": ""},
        {"OTIO_SCHEMA": "Marker.2", "name": "far", "metadata": {}, "color": "CYAN",
         "marked_range": _range(5000, 0, 25), "comment": ""}]
    file = tmp_path / "marked.otio"
    file.write_text(json.dumps(data))
    project, _ = import_otio(file)
    assert [(m.frame, m.name, m.colour) for m in project.timeline.markers] == [
        (2, "first line", "green"), (20, "timecode", "cyan"), (50, "late", "blue")]
    assert project.metadata["otio_import"]["skipped"] == [
        "marker 'again': another marker is on its frame",
        "marker 'far': it lies outside the timeline"]


def test_sample_project_round_trips(sample_project: Path) -> None:
    project = persistence.load_project(sample_project)
    out = export_otio(project, sample_project, sample_project.parent / "sample.otio")
    back, base = import_otio(out)
    assert base == sample_project.parent
    assert back.metadata["otio_import"] == {"skipped": [], "offline": [], "notes": []}
    assert _without_import_report(back) == project
    # What the renderer resolves is the same file either way.
    for media_id, media in project.media.items():
        assert persistence.resolve_media_path(base, back.media[media_id]) == \
            persistence.resolve_media_path(sample_project.parent, media)


def test_written_file_is_plain_otio(document: Project, tmp_path: Path) -> None:
    (tmp_path / "takes").mkdir()
    out = export_otio(document, tmp_path, tmp_path / "every.otio")
    assert [p.name for p in tmp_path.iterdir() if p.name != "takes"] == ["every.otio"]
    timeline = otio.adapters.read_from_file(str(out))
    assert isinstance(timeline, otio.schema.Timeline)
    assert [t.metadata["frameloom"]["id"] for t in timeline.tracks] == \
        [t.id for t in document.timeline.tracks]  # bottom to top, as OTIO stacks them
    v1 = list(timeline.tracks[0])
    assert [type(c).__name__ for c in v1] == \
        ["Clip", "Transition", "Clip", "Transition", "Clip", "Gap", "Clip"]
    for ours, theirs in zip(document.timeline.tracks[0].items, v1):
        assert theirs.metadata["frameloom"]["id"] == ours.id
    intro, crossfade, _still, bridge, shot = v1[:5]
    rate = float(Fraction(30000, 1001))
    assert intro.source_range == otio.opentime.TimeRange(otio.opentime.RationalTime(10, rate),
                                                         otio.opentime.RationalTime(50, rate))
    assert intro.media_reference.target_url == (tmp_path / "media/a.mp4").as_uri()
    assert intro.media_reference.available_range.duration.value == 120
    assert crossfade.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    assert (crossfade.in_offset.value, crossfade.out_offset.value) == (4, 4)
    assert bridge.metadata["frameloom"]["kind"] == "bridge"
    assert bridge.metadata["frameloom"]["generation"]["spec"]["kind"] == "bridge"
    assert shot.media_reference.target_url == (tmp_path / "takes/aa.mp4").as_uri()
    assert shot.metadata["frameloom"]["generation"]["spec"]["prompt"].startswith("a red circle")
    assert timeline.duration().value == document.timeline.tracks[0].duration
    # Every frame value is whole: nothing went through float seconds.
    times = [t for c in v1 for t in (
        (c.in_offset, c.out_offset) if isinstance(c, otio.schema.Transition)
        else (c.source_range.start_time, c.source_range.duration))]
    assert all(float(t.value).is_integer() and t.rate == rate for t in times)


def test_generated_item_without_take_is_a_generator_reference(sample_project: Path,
                                                                tmp_path: Path) -> None:
    project = persistence.load_project(sample_project)
    out = export_otio(project, sample_project, tmp_path / "sample.otio")
    shot = next(c for c in otio.adapters.read_from_file(str(out)).find_clips()
                if c.metadata["frameloom"]["id"] == "shot-1")
    ref = shot.media_reference
    assert isinstance(ref, otio.schema.GeneratorReference)
    assert ref.generator_kind == "frameloom.generated"
    assert ref.parameters["prompt"] == project.find("shot-1")[2].generation.spec.prompt
    # Written outside the project folder: paths are now relative to the .otio file's folder.
    back, base = import_otio(out)
    assert base == tmp_path
    assert back.media["media-clip-1"].path == \
        persistence.relative_media_path(tmp_path, sample_project.parent / "media/clip-1.mp4")
    assert persistence.resolve_media_path(base, back.media["media-clip-1"]).is_file()


def _ref(url: str, start: float, frames: float, rate: float) -> dict:
    return {"OTIO_SCHEMA": "ExternalReference.1", "target_url": url, "metadata": {},
            "available_range": _range(start, frames, rate)}


def _range(start: float, duration: float, rate: float) -> dict:
    return {"OTIO_SCHEMA": "TimeRange.1",
            "start_time": {"OTIO_SCHEMA": "RationalTime.1", "value": start, "rate": rate},
            "duration": {"OTIO_SCHEMA": "RationalTime.1", "value": duration, "rate": rate}}


def _time(value: float, rate: float) -> dict:
    return {"OTIO_SCHEMA": "RationalTime.1", "value": value, "rate": rate}


def _timeline(children: list, rate: float, extra_tracks: tuple = ()) -> dict:
    """An OTIO file as another editor writes it: old Clip.1 schema, no Frameloom metadata."""
    return {"OTIO_SCHEMA": "Timeline.1", "name": "From elsewhere", "metadata": {},
            "global_start_time": _time(86400 * rate, rate),
            "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "metadata": {},
                       "children": [{"OTIO_SCHEMA": "Track.1", "name": "Video 1", "kind": "Video",
                                     "metadata": {}, "children": children}, *extra_tracks]}}


def _clip(name: str, ref: dict, start: float, frames: float, rate: float, **extra) -> dict:
    return {"OTIO_SCHEMA": "Clip.1", "name": name, "metadata": {}, "media_reference": ref,
            "source_range": _range(start, frames, rate), **extra}


def test_import_from_another_editor(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "media/shot 1.mov").write_bytes(b"not really a movie")
    hour = 90000  # 01:00:00:00 at 25 fps: editors start media at their timecode
    children = [
        _clip("A", _ref("media/shot 1.mov", hour, 250, 25), hour + 50, 100, 25),
        {"OTIO_SCHEMA": "Transition.1", "name": "Dissolve", "metadata": {},
         "transition_type": "SMPTE_Dissolve", "in_offset": _time(5, 25),
         "out_offset": _time(5, 25)},
        _clip("title", _ref("file:///nowhere/title.png", 0, 1, 25), 0, 40, 25),
        {"OTIO_SCHEMA": "Gap.1", "name": "", "metadata": {},
         "source_range": _range(0, 25, 25), "effects": [], "markers": []},
        _clip("B", _ref("media/shot%201.mov", hour, 250, 25), hour, 10, 25,
              markers=[{"OTIO_SCHEMA": "Marker.2", "name": "note", "metadata": {},
                        "color": "RED", "marked_range": _range(0, 1, 25), "comment": ""}]),
    ]
    audio = {"OTIO_SCHEMA": "Track.1", "name": "Audio 1", "kind": "Audio", "metadata": {},
             "children": []}
    file = tmp_path / "edit.otio"
    file.write_text(json.dumps(_timeline(children, 25, (audio,))))

    project, base = import_otio(file)
    assert base == tmp_path
    assert project.rate == 25 and (project.width, project.height) == (1920, 1080)
    report = project.metadata["otio_import"]
    assert report["offline"] == ["/nowhere/title.png", str(tmp_path / "media/shot%201.mov")]
    assert any("1920x1080" in note for note in report["notes"])
    assert report["skipped"] == ["effects and markers of clip 'B'"]
    [sound] = project.timeline.audio_tracks  # empty, as it was
    assert (sound.name, sound.items) == ("Audio 1", [])
    [track] = project.timeline.tracks
    a, fade, title, gap, b = track.items
    assert isinstance(a, Clip) and a.source == FrameRange(50, 100) and a.name == "A"
    assert isinstance(fade, Transition) and fade.kind == "crossfade"
    assert (fade.in_offset, fade.out_offset) == (5, 5)
    assert isinstance(title, Still) and title.duration == 40
    assert isinstance(gap, Gap) and gap.duration == 25
    # A plain path is taken literally ("shot%201.mov" is another file), a URL is decoded.
    assert isinstance(b, Clip) and b.media_id != a.media_id
    media = project.media[a.media_id]
    assert media.path == "media/shot 1.mov" and media.kind == "clip"
    assert media.fingerprint == fingerprint.fingerprint_file(tmp_path / "media/shot 1.mov")
    assert media.probe == {"rate": "25", "frames": 250}
    still = project.media[title.media_id]
    assert still.kind == "still" and still.fingerprint.size == 0 and still.fingerprint.digest == ""
    assert persistence.media_status(project, base)[still.id] == "offline"
    # The imported project is a normal document: it saves and loads back.
    saved = persistence.save_project(project, tmp_path / "proj")
    assert persistence.load_project(saved).timeline == project.timeline


def test_24fps_clip_in_ntsc_timeline_is_rescaled(tmp_path: Path) -> None:
    ntsc = 30000 / 1001
    children = [_clip("a", _ref("a.mp4", 0, 240, 24), 24, 48, 24),  # 1 s in, 2 s long
                {"OTIO_SCHEMA": "Gap.1", "name": "", "metadata": {},
                 "source_range": _range(0, 30, ntsc)},
                _clip("b", _ref("b.mp4", 0, 240, 23.976), 0, 10, 23.976)]
    timeline = _timeline(children, ntsc)
    timeline["global_start_time"] = _time(0, ntsc)
    (tmp_path / "ntsc.otio").write_text(json.dumps(timeline))

    project, _base = import_otio(tmp_path / "ntsc.otio")
    assert project.rate == Fraction(30000, 1001)
    a, gap, b = project.timeline.tracks[0].items
    # 2 s at 29.97 fps is 59.94 frames, rounded to 60; the in point, 1 s, is 29.97 project
    # frames, rounded to 30 (the document counts a clip's source at the project rate).
    assert a.source == FrameRange(30, 60) and gap.duration == 30
    assert project.media[a.media_id].probe == {"rate": "24", "frames": 240}
    assert b.source == FrameRange(0, 13)  # 10 frames at 23.976 = 12.5 project frames, up
    assert project.media[b.media_id].probe["rate"] == "24000/1001"
    # And back out at the project rate, exactly.
    out = export_otio(project, tmp_path, tmp_path / "again.otio")
    clip = otio.adapters.read_from_file(str(out)).find_clips()[0]
    assert (clip.source_range.start_time.value, clip.source_range.start_time.rate) == (30, ntsc)
    assert clip.source_range.duration.value == 60
    again, _ = import_otio(out)
    assert again.timeline.tracks[0].items[0].source == FrameRange(30, 60)


def test_what_frameloom_cannot_hold_becomes_gaps(tmp_path: Path) -> None:
    nested = {"OTIO_SCHEMA": "Stack.1", "name": "compound", "metadata": {}, "children": [
        {"OTIO_SCHEMA": "Track.1", "name": "", "kind": "Video", "metadata": {}, "children": [
            {"OTIO_SCHEMA": "Gap.1", "name": "", "metadata": {}, "source_range": _range(0, 12, 24)}
        ]}]}
    sequence = {"OTIO_SCHEMA": "ImageSequenceReference.1", "target_url_base": "file:///seq/",
                "name_prefix": "f.", "name_suffix": ".exr", "start_frame": 1, "frame_step": 1,
                "rate": 24.0, "frame_zero_padding": 4, "missing_frame_policy": "error",
                "metadata": {}, "available_range": _range(0, 100, 24)}
    solid = {"OTIO_SCHEMA": "GeneratorReference.1", "name": "", "metadata": {},
             "generator_kind": "SolidColor", "parameters": {"color": "red"},
             "available_range": None}
    web = {"OTIO_SCHEMA": "ExternalReference.1", "target_url": "https://example.com/a.mp4",
           "metadata": {}, "available_range": None}
    wipe = {"OTIO_SCHEMA": "Transition.1", "name": "wipe", "metadata": {},
            "transition_type": "Custom", "in_offset": _time(2, 24), "out_offset": _time(2, 24)}
    spec = {"schema": "GeneratedSpec.1", "kind": "shot", "prompt": "waves", "duration": 10}
    ours = {"OTIO_SCHEMA": "GeneratorReference.1", "name": "", "metadata": {},
            "generator_kind": "frameloom.generated", "parameters": spec, "available_range": None}
    edge = dict(wipe, transition_type="SMPTE_Dissolve")  # a fade from black: OTIO adds 2 frames
    children = [edge, nested, _clip("seq", sequence, 0, 20, 24), wipe,
                _clip("red", solid, 0, 5, 24), _clip("web", web, 0, 6, 24),
                _clip("off", _ref("a.mp4", 0, 9, 24), 0, 7, 24, enabled=False),
                _clip("shot", ours, 2, 8, 24)]
    (tmp_path / "odd.otio").write_text(json.dumps(_timeline(children, 24)))
    project, _ = import_otio(tmp_path / "odd.otio")
    items = project.timeline.tracks[0].items
    assert [type(i) for i in items] == [Gap, Transition, Gap, Gap, Gap, Gap, Gap, Generated]
    assert [i.duration for i in items if not isinstance(i, Transition)] == [2, 12, 20, 5, 6, 7, 8]
    assert items[-1].generation.spec.prompt == "waves" and items[-1].source == FrameRange(2, 8)
    assert project.media == {}
    skipped = project.metadata["otio_import"]["skipped"]
    assert len(skipped) == 5 and "transition at the edge of track 'Video 1'" not in skipped
    # The nested stack is flattened (to its one track's gap), which the notes say.
    assert any("'compound'" in n and "flattened" in n
               for n in project.metadata["otio_import"]["notes"])
    assert "clip 'web': its ExternalReference is not a local file (kept as a gap)" in skipped


@pytest.mark.parametrize(("content", "says"), [
    (b"", "damaged or not OTIO JSON"),
    (b'{"OTIO_SCHEMA": "Timeline.1", "tracks": ', "damaged or not OTIO JSON (line 1"),
    (b"\xff\xfe\x00garbage", "not text"),
    (b'{"name": "a project?"}', "not an OTIO timeline"),
    (b"[1, 2]", "not an OTIO timeline"),
    (b'{"OTIO_SCHEMA": "Clip.1", "name": "x"}', "not an OTIO timeline (it holds Clip)"),
    (b'{"OTIO_SCHEMA": "Gizmo.1"}', "not an OTIO timeline (it holds Gizmo)"),
    (b'{"OTIO_SCHEMA": "Timeline.99", "tracks": null}', "schema version"),
    (json.dumps(_timeline([{"OTIO_SCHEMA": "Gizmo.1"}], 24)).encode(), "unsupported schema"),
])
def test_bad_files_give_one_readable_sentence(tmp_path: Path, content: bytes, says: str) -> None:
    file = tmp_path / "bad.otio"
    file.write_bytes(content)
    with pytest.raises(InterchangeError) as caught:
        import_otio(file)
    message = str(caught.value)
    assert says in message and str(file) in message
    assert message.endswith(".") and "\n" not in message and "N14opentimelineio" not in message


def test_missing_file_and_unwritable_target(document: Project, tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match="does not exist"):
        import_otio(tmp_path / "nope.otio")
    with pytest.raises(InterchangeError, match="Could not write"):
        export_otio(document, tmp_path, tmp_path / "no such folder" / "x.otio")


def test_duplicated_frameloom_clips_get_fresh_ids(document: Project, tmp_path: Path) -> None:
    out = export_otio(document, tmp_path, tmp_path / "every.otio")
    timeline = otio.adapters.read_from_file(str(out))
    track = timeline.tracks[0]
    track.append(track[4].deepcopy())  # another editor copies the generated shot, ids and all
    otio.adapters.write_to_file(timeline, str(out))
    project, _ = import_otio(out)
    shots = [i for i in project.timeline.tracks[0].items if isinstance(i, Generated)]
    assert len(shots) == 2 and shots[0].id == "g-1" and shots[1].id != "g-1"
    assert shots[1].generation.spec.prompt == shots[0].generation.spec.prompt
    assert shots[1].generation.active_take is not None


def test_size_comes_from_probing_the_first_clip(sample_project: Path) -> None:
    pytest.importorskip("studio.media.probe")  # the media layer measures it where present
    children = [_clip("c", _ref("media/clip-2.mp4", 0, 72, 24), 0, 24, 24)]
    file = sample_project.parent / "foreign.otio"
    file.write_text(json.dumps(_timeline(children, 24)))
    project, _ = import_otio(file)
    assert (project.width, project.height) == (512, 288)
    assert project.metadata["otio_import"]["notes"] == []


def test_nonsense_rates_and_invalid_projects_are_refused(document: Project,
                                                         tmp_path: Path) -> None:
    children = [_clip("a", _ref("a.mp4", 0, 10, 0), 0, 5, 0)]
    file = tmp_path / "zero.otio"
    file.write_text(json.dumps(_timeline(children, 24)))
    with pytest.raises(InterchangeError, match=r"zero.otio cannot be imported: .*frame rate 0"):
        import_otio(file)
    document.media.pop("m-still")  # items and pins now use media the pool lacks
    with pytest.raises(InterchangeError, match="Could not export .*bad.otio: .*m-still"):
        export_otio(document, tmp_path, tmp_path / "bad.otio")
    assert not list(tmp_path.glob("*bad.otio*"))
