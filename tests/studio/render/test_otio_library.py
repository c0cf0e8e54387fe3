"""Timelines built with the ``opentimelineio`` library render the frames OTIO's own ranges name.

Each test builds a timeline with OTIO's schema classes, imports it, renders it and reads back
which file (by colour: ``a`` is blue, ``b`` green) and which of its frames (by frame code) every
output frame shows. The expected frames come from OTIO alone: :func:`_shown_at` walks the
timeline with ``range_of_child_at_index`` and ``trimmed_range``, so it knows nothing of the
importer or the renderer.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from render_helpers import H, W, decode, write_clip

from studio import sample
from studio.app import main
from studio.document.model import Gap, Project
from studio.render.otio_import import import_otio
from studio.render.plan import Mix, timeline_intervals
from studio.render.timeline import TimelineRenderer

_RT, _TR = otio.opentime.RationalTime, otio.opentime.TimeRange
RATE = 24.0
HOUR = 86400  # 01:00:00:00 at 24 fps, where editors start a tape's timecode
FILE_FRAMES = 60

Shown = tuple[str, int] | None  # (file stem, the file's own frame), None for black


def _t(frames: int) -> otio.opentime.RationalTime:
    return _RT(frames, RATE)


def _range(start: int, frames: int) -> otio.opentime.TimeRange:
    return _TR(_t(start), _t(frames))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Two coded 60-frame clips: ``a`` blue, ``b`` green, frame ``n`` coded ``n``."""
    return {name: write_clip(tmp_path / f"{name}.mp4", FILE_FRAMES, index=index)
            for index, name in ((1, "a"), (2, "b"))}


def _clip(file: Path, first: int | None, frames: int = 0, timecode: int = 0,
          available: int = FILE_FRAMES) -> otio.schema.Clip:
    """A clip of ``file`` from its frame ``first`` (None: no source range), its media starting
    at ``timecode`` as editors' references do, so the source range is in that timebase."""
    ref = otio.schema.ExternalReference(target_url=file.name,
                                        available_range=_range(timecode, available))
    source = None if first is None else _range(timecode + first, frames)
    return otio.schema.Clip(name=f"{file.stem}{first}", media_reference=ref, source_range=source)


def _gap(frames: int) -> otio.schema.Gap:
    return otio.schema.Gap(source_range=_range(0, frames))


def _dissolve(in_offset: int, out_offset: int) -> otio.schema.Transition:
    return otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                  in_offset=_t(in_offset), out_offset=_t(out_offset))


def _track(*children: otio.core.Item, name: str = "") -> otio.schema.Track:
    track = otio.schema.Track(name=name)
    track.extend(children)
    return track


def _stack(*tracks: otio.schema.Track, trim: otio.opentime.TimeRange | None = None,
           name: str = "nested") -> otio.schema.Stack:
    stack = otio.schema.Stack(name=name, source_range=trim)
    stack.extend(tracks)
    return stack


def _timeline(*tracks: otio.schema.Track) -> otio.schema.Timeline:
    timeline = otio.schema.Timeline(name="built")
    timeline.tracks.extend(tracks)
    return timeline


# ------------------------------------------------------------------------ OTIO as the oracle
def _shown_at(composition: otio.core.Composition, time: otio.opentime.RationalTime) -> Shown:
    """What OTIO's ranges say ``composition`` shows at ``time`` (in its own time space): in a
    track the child whose range holds it, in a stack the top-most child that is not a gap."""
    indices = range(len(composition))
    if isinstance(composition, otio.schema.Stack):
        indices = range(len(composition) - 1, -1, -1)
    for index in indices:
        child = composition[index]
        where = composition.range_of_child_at_index(index)
        if isinstance(child, otio.schema.Transition) or not \
                where.start_time <= time < where.end_time_exclusive() or \
                getattr(child, "kind", otio.schema.TrackKind.Video) != otio.schema.TrackKind.Video:
            continue
        local = child.trimmed_range().start_time + (time - where.start_time)
        shown: Shown = None
        if isinstance(child, otio.schema.Clip):
            media_start = child.media_reference.available_range.start_time
            shown = (Path(child.media_reference.target_url).stem,
                     (local - media_start).to_frames())
        elif isinstance(child, otio.core.Composition):
            shown = _shown_at(child, local)
        if shown is not None or isinstance(composition, otio.schema.Track):
            return shown
    return None


def _expected(timeline: otio.schema.Timeline) -> list[Shown]:
    return [_shown_at(timeline.tracks, _t(t)) for t in range(timeline.duration().to_frames())]


def _transition_frames(track: otio.schema.Track) -> set[int]:
    """The frames OTIO's transitions in ``track`` cover (mixes, compared separately)."""
    covered: set[int] = set()
    for index, child in enumerate(track):
        if isinstance(child, otio.schema.Transition):
            where = track.range_of_child_at_index(index)
            covered.update(range(where.start_time.to_frames(),
                                 where.end_time_exclusive().to_frames()))
    return covered


# --------------------------------------------------------------------- import, render, read
def _render(timeline: otio.schema.Timeline, folder: Path) -> tuple[Project, list[np.ndarray]]:
    otio.adapters.write_to_file(timeline, str(folder / "built.otio"))
    project, base = import_otio(folder / "built.otio")
    frames = [f.copy() for f in TimelineRenderer(project, base, width=W, height=H).frames()]
    return project, frames


def _seen(frame: np.ndarray) -> Shown:
    """Which file and frame an output frame shows: the gradient's hue names the file."""
    if frame.mean() < 4:
        return None
    top = frame[:20, :20].reshape(-1, 3).mean(axis=0)
    return ("a" if top[2] > top[1] else "b", sample.read_frame_code(frame))


def _check(timeline: otio.schema.Timeline, project: Project, frames: list[np.ndarray],
           mixed: Collection[int] = ()) -> None:
    duration = timeline.duration().to_frames()
    assert project.timeline.duration == duration
    assert len(frames) == duration
    expected = _expected(timeline)
    assert [_seen(f) if t not in mixed else "mix" for t, f in enumerate(frames)] == \
        [e if t not in mixed else "mix" for t, e in enumerate(expected)]


# ------------------------------------------------------------------------------- the cases
def test_nested_stacks_show_their_top_visible_track(tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    trimmed = _stack(_track(_clip(b, 20, 20)), _track(_gap(5), _clip(a, 40, 8)),
                     trim=_range(3, 12))  # b 23, 24, then a 40..47, then b 33, 34
    sound = _track(_clip(a, 0, 8), name="A1")
    sound.kind = otio.schema.TrackKind.Audio
    whole = _stack(_track(_clip(b, 50, 6)), sound, name="whole")  # 8 frames: the sound's
    timeline = _timeline(_track(_clip(a, 0, 10), trimmed, whole, _clip(b, 0, 10), name="V1"))
    assert timeline.duration().to_frames() == 10 + 12 + 8 + 10
    project, frames = _render(timeline, tmp_path)
    _check(timeline, project, frames)
    assert [_seen(f) for f in frames[10:30]] == \
        [("b", 23), ("b", 24)] + [("a", n) for n in range(40, 48)] + [("b", 33), ("b", 34)] + \
        [("b", n) for n in range(50, 56)] + [None, None]
    report = project.metadata["otio_import"]
    assert report["skipped"] == ["Audio track 'A1'"]
    assert any("'nested'" in note and "flattened" in note for note in report["notes"])


def test_a_stack_among_the_timeline_tracks_is_flattened(tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    timeline = _timeline(_track(_clip(a, 0, 30), name="V1"),
                         _stack(_track(_gap(4), _clip(b, 10, 6)), _track(_clip(a, 40, 2))))
    project, frames = _render(timeline, tmp_path)
    _check(timeline, project, frames)
    assert [_seen(f) for f in frames[:12]] == \
        [("a", 40), ("a", 41), ("a", 2), ("a", 3)] + [("b", n) for n in range(10, 16)] + \
        [("a", 10), ("a", 11)]


def test_one_file_with_several_available_ranges_bounds_sources_by_the_longest(
        tmp_path: Path, files) -> None:
    a = files["a"]
    timeline = _timeline(_track(_clip(a, 0, 10, available=10), _clip(a, 40, 20)))
    project, frames = _render(timeline, tmp_path)
    _check(timeline, project, frames)
    assert [m.frames for m in project.media.values()] == [FILE_FRAMES]


def test_nested_stack_that_cannot_be_flattened_keeps_its_time_as_a_gap(
        tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    # Its trim ends inside its track's dissolve, which OTIO cannot trim.
    cut = _stack(_track(_clip(a, 0, 10), _dissolve(3, 3), _clip(b, 10, 10)), trim=_range(0, 11))
    timeline = _timeline(_track(_clip(a, 20, 5), cut, _clip(b, 30, 5)))
    project, frames = _render(timeline, tmp_path)
    assert len(frames) == project.timeline.duration == timeline.duration().to_frames() == 21
    assert isinstance(project.timeline.tracks[0].items[1], Gap)
    assert [_seen(f) for f in frames] == \
        [("a", n) for n in range(20, 25)] + [None] * 11 + [("b", n) for n in range(30, 35)]
    assert project.metadata["otio_import"]["skipped"] == [
        "nested Stack 'nested': Cannot trim in the middle of a Transition (kept as a gap)"]


def test_the_top_most_track_with_an_item_is_shown(tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    timeline = _timeline(_track(_clip(a, 0, 40), name="V1"),
                         _track(_gap(10), _clip(b, 5, 10), _gap(20), _clip(a, 50, 5), name="V2"),
                         _track(_gap(30), _clip(b, 30, 4), name="V3"))
    assert timeline.duration().to_frames() == 45  # V2, the longest
    project, frames = _render(timeline, tmp_path)
    _check(timeline, project, frames)
    assert [_seen(frames[t]) for t in (9, 10, 19, 20, 30, 33, 34, 39, 40, 44)] == [
        ("a", 9), ("b", 5), ("b", 14), ("a", 20), ("b", 30), ("b", 33), ("a", 34), ("a", 39),
        ("a", 50), ("a", 54)]


def test_transitions_inside_a_track_mix_the_frames_otio_names(tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    track = _track(_clip(a, 10, 20), _dissolve(4, 4), _clip(b, 10, 20), _dissolve(3, 5),
                   _clip(a, 40, 15))
    timeline = _timeline(track)
    project, frames = _render(timeline, tmp_path)
    mixed = _transition_frames(track)
    assert mixed == set(range(16, 24)) | set(range(37, 45))
    _check(timeline, project, frames, mixed)
    fades = [(i.start, i.end) for i in timeline_intervals(project) if isinstance(i, Mix)]
    assert fades == [(16, 24), (37, 45)]
    # Over a dissolve A runs on past its out point and B starts before its in point, each at
    # the time OTIO's ranges put it; the weight of B grows by 1/L a frame from 0.
    sources = {name: decode(file)[0] for name, file in files.items()}
    for index, (start, end) in zip((1, 3), fades, strict=True):
        outgoing = track[index - 1]
        for k, t in enumerate(range(start, end)):
            weight = k / (end - start)
            want = (1 - weight) * _source(sources, track, index - 1, t) + \
                weight * _source(sources, track, index + 1, t)
            assert np.abs(frames[t].astype(np.float32) - want).mean() < 3.0, t
        assert outgoing.trimmed_range().end_time_exclusive() < \
            outgoing.media_reference.available_range.end_time_exclusive() - _t(4)


def _source(sources: dict[str, list[np.ndarray]], track: otio.schema.Track, index: int,
            time: int) -> np.ndarray:
    """The frame of clip ``track[index]`` at track frame ``time``, even outside its range."""
    clip = track[index]
    offset = _t(time) - track.range_of_child_at_index(index).start_time
    frame = clip.trimmed_range().start_time + offset - \
        clip.media_reference.available_range.start_time
    return sources[Path(clip.media_reference.target_url).stem][frame.to_frames()] \
        .astype(np.float32)


def test_media_whose_available_range_starts_at_a_timecode(tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    timeline = _timeline(_track(_clip(a, 12, 20, timecode=HOUR), _clip(b, 3, 10, timecode=100)))
    project, frames = _render(timeline, tmp_path)
    _check(timeline, project, frames)
    assert [_seen(f) for f in frames] == \
        [("a", n) for n in range(12, 32)] + [("b", n) for n in range(3, 13)]


def test_clips_without_a_source_range_play_their_available_range(tmp_path: Path, files) -> None:
    a, b = files["a"], files["b"]
    whole_a = _clip(a, None, timecode=HOUR, available=30)
    whole_b = _clip(b, None)
    assert whole_a.source_range is None and whole_a.trimmed_range().duration == _t(30)
    timeline = _timeline(_track(whole_a, _dissolve(2, 2), whole_b))
    project, frames = _render(timeline, tmp_path)
    mixed = _transition_frames(timeline.tracks[0])
    _check(timeline, project, frames, mixed)
    assert len(frames) == 90 and mixed == set(range(28, 32))
    assert [_seen(f) for f in frames[:28]] == [("a", n) for n in range(28)]
    assert [_seen(f) for f in frames[32:]] == [("b", n) for n in range(2, 60)]


def test_cli_renders_every_case_in_one_timeline(
        tmp_path: Path, files, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = files["a"], files["b"]
    nested = _stack(_track(_clip(b, 0, 12, timecode=HOUR)), _track(_gap(6), _clip(a, 30, 4)))
    v1 = _track(_clip(a, None, available=20), _dissolve(2, 2), nested, _clip(b, 40, 10), name="V1")
    v2 = _track(_gap(35), _clip(a, 5, 12, timecode=100), name="V2")
    timeline = _timeline(v1, v2)
    otio.adapters.write_to_file(timeline, str(tmp_path / "all.otio"))
    out = tmp_path / "all.mp4"
    status = main(["render", str(tmp_path / "all.otio"), "-o", str(out), "--width", str(W),
                   "--height", str(H), "--preset", "ultrafast", "--no-sign"])
    assert status == 0, capsys.readouterr().err
    frames, _ = decode(out)
    assert len(frames) == timeline.duration().to_frames() == 47
    mixed = _transition_frames(v1)
    expected = _expected(timeline)
    assert [_seen(f) for t, f in enumerate(frames) if t not in mixed] == \
        [e for t, e in enumerate(expected) if t not in mixed]
