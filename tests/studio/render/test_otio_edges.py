"""Transitions at the ends of OTIO tracks: the frame counts OpenTimelineIO computes, rendered."""

from __future__ import annotations

from pathlib import Path

import av
import opentimelineio as otio
import pytest
from render_helpers import write_clip

from studio.app import main
from studio.document.model import Gap, Transition
from studio.render.otio_import import import_otio
from studio.render.plan import Mix, timeline_intervals

_RT, _TR = otio.opentime.RationalTime, otio.opentime.TimeRange
RATE = 24.0


def _dissolve(in_offset: int, out_offset: int) -> otio.schema.Transition:
    return otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                  in_offset=_RT(in_offset, RATE), out_offset=_RT(out_offset, RATE))


def _clip(name: str, file: Path, start: int, frames: int) -> otio.schema.Clip:
    ref = otio.schema.ExternalReference(target_url=file.name,
                                        available_range=_TR(_RT(0, RATE), _RT(60, RATE)))
    return otio.schema.Clip(name=name, media_reference=ref,
                            source_range=_TR(_RT(start, RATE), _RT(frames, RATE)))


def _timeline(folder: Path) -> otio.schema.Timeline:
    """V1 fades from black, dissolves, fades to black; V2 (on top) only fades out at its end."""
    a, b = (write_clip(folder / f"{n}.mp4", 60, size=(64, 36), index=i)
            for i, n in ((1, "a"), (2, "b")))
    v1 = otio.schema.Track(name="V1")
    v1.extend([_dissolve(10, 10), _clip("a", a, 4, 40), _dissolve(5, 5), _clip("b", b, 6, 40),
               _dissolve(10, 10)])
    v2 = otio.schema.Track(name="V2")
    v2.extend([otio.schema.Gap(source_range=_TR(_RT(0, RATE), _RT(30, RATE))),
               _clip("top", a, 0, 20), _dissolve(3, 7)])
    timeline = otio.schema.Timeline(name="fades")
    timeline.tracks.extend([v1, v2])
    return timeline


def test_edge_transitions_lengthen_tracks_as_otio_does(tmp_path: Path) -> None:
    timeline = _timeline(tmp_path)
    otio.adapters.write_to_file(timeline, str(tmp_path / "fades.otio"))
    project, _ = import_otio(tmp_path / "fades.otio")
    tracks = project.timeline.tracks
    for ours, theirs in zip(tracks, timeline.tracks, strict=True):
        assert ours.duration == theirs.duration().to_frames() \
            == theirs.available_range().duration.to_frames()
    assert [t.duration for t in tracks] == [100, 57]
    assert project.timeline.duration == timeline.duration().to_frames() == 100
    v1 = tracks[0].items
    assert isinstance(v1[0], Gap) and v1[0].duration == 10 and isinstance(v1[1], Transition)
    assert isinstance(v1[-1], Gap) and v1[-1].duration == 10
    assert project.metadata["otio_import"]["skipped"] == []
    # The fade from black mixes the leading gap into clip a over OTIO's 20 frames.
    first = timeline_intervals(project)[0]
    assert isinstance(first, Mix) and (first.start, first.end) == (0, 20)
    assert isinstance(first.outgoing, Gap) and first.incoming.id == v1[2].id


def test_render_of_edge_transitions_has_otio_frame_count(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    timeline = _timeline(tmp_path)
    otio.adapters.write_to_file(timeline, str(tmp_path / "fades.otio"))
    out = tmp_path / "fades.mp4"
    status = main(["render", str(tmp_path / "fades.otio"), "-o", str(out), "--width", "64",
                   "--height", "36", "--preset", "ultrafast", "--no-sign"])
    assert status == 0, capsys.readouterr().err
    with av.open(str(out)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == timeline.duration().to_frames()
    with av.open(str(out)) as container:  # the fade starts from black
        assert container.decode(video=0).__next__().to_ndarray(format="rgb24").mean() < 20
