"""Retake shots for a marked range, and the fields they and seam figures add to the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.document import edits, serialize
from studio.document.errors import EditError
from studio.document.model import (
    Clip,
    Fingerprint,
    Generated,
    GeneratedSpec,
    Generation,
    MediaRef,
    Project,
    RetakeSource,
    Take,
    new_project,
)
from studio.document.persistence import load_project, save_project
from studio.document.retakes import retake_item
from studio.document.timebase import FrameRange

DONE = Take(id="take-1", job_id="j", path="takes/t.mp4", spec_hash="sha256:0", status="done",
            created="2026-12-01T10:00:00Z")


@pytest.fixture
def project() -> Project:
    """| clip 0-47 (its frames 10-57) | shot 48-95 with a finished take |"""
    project = new_project("Retakes")
    track = project.timeline.tracks[0].id
    edits.add_media(project, MediaRef(id="m-clip", path="media/a.mp4", kind="clip",
                                      fingerprint=Fingerprint(size=1, digest="sha256:00"),
                                      probe={"frames": 120}))
    edits.append(project, track, Clip(id="clip", media_id="m-clip", source=FrameRange(10, 48),
                                      name="Harbour"))
    spec = GeneratedSpec(kind="shot", prompt="boats at dusk", duration=48, seed=5, steps=12)
    edits.append(project, track, Generated(
        id="shot", generation=Generation(spec=spec, takes=(DONE,), active_take_id="take-1"),
        source=FrameRange(0, 48)))
    return project


def test_a_clip_range_becomes_a_retake_placed_over_it(project: Project) -> None:
    track_id, frame, item = retake_item(project, 12, 23, seed=9)
    retake = item.generation.spec.retake
    assert (frame, item.duration, item.name) == (12, 12, "Retake of Harbour")
    assert retake == RetakeSource(shown=FrameRange(10, 48), span=FrameRange(22, 12),
                                  media_id="m-clip")
    assert (item.generation.spec.prompt, item.generation.spec.seed) == ("", 9)
    edits.overwrite(project, track_id, frame, item)
    assert [e.duration for e in project.track(track_id).items][:3] == [12, 12, 24]


def test_a_shots_retake_starts_from_its_spec_and_take(project: Project) -> None:
    _track, _frame, item = retake_item(project, 60, 71)
    spec = item.generation.spec
    assert (spec.prompt, spec.steps, spec.duration) == ("boats at dusk", 12, 12)
    assert spec.retake == RetakeSource(shown=FrameRange(0, 48), span=FrameRange(12, 12),
                                       take_path="takes/t.mp4")


@pytest.mark.parametrize(("first", "last", "message"), [
    (40, 60, "Out is past the end of 'Harbour'; move Out before frame 48"),
    (0, 47, "cover the whole of 'Harbour', so no frames are left to pin"),
    (200, 210, "must lie inside one clip or generated shot"),
    (20, 10, "Out is before In"),
])
def test_ranges_that_are_not_inside_one_clip_are_refused(project: Project, first: int,
                                                         last: int, message: str) -> None:
    with pytest.raises(EditError, match=message):
        retake_item(project, first, last)


def test_a_shot_without_a_finished_take_cannot_be_retaken(project: Project) -> None:
    edits.choose_take(project, "shot", None)
    with pytest.raises(EditError, match="no finished take of the shot to retake"):
        retake_item(project, 60, 70)


def test_a_retake_must_fit_its_source(project: Project) -> None:
    track_id, frame, item = retake_item(project, 12, 23)
    edits.overwrite(project, track_id, frame, item)
    with pytest.raises(EditError, match="must last 12 frames, not 30"):
        edits.set_spec(project, item.id, duration=30)
    with pytest.raises(EditError, match="names the frames it makes again"):
        edits.set_spec(project, item.id, kind="shot")


def test_retakes_and_seam_figures_round_trip_and_older_files_read_the_same(
        project: Project, tmp_path: Path) -> None:
    before = serialize.encode(project)
    assert "retake" not in json.dumps(before) and "metadata" not in before["timeline"][
        "tracks"][0]["items"][1]["generation"]["takes"][0]  # defaults are left out
    track_id, frame, item = retake_item(project, 12, 23)
    edits.overwrite(project, track_id, frame, item)
    seams = {"seams": {"max_jump": 2.6, "max_drift": 0.8, "joins": 2}}
    edits.add_take(project, item.id, Take(id="take-2", job_id="k", path="takes/r.mp4",
                                          spec_hash="sha256:1", status="done",
                                          created="2026-12-01T11:00:00Z", metadata=seams))
    file = save_project(project, tmp_path / "p")
    loaded = load_project(file)
    assert loaded == project
    loaded_item = loaded.find(item.id)[2]
    assert isinstance(loaded_item, Generated)
    assert loaded_item.generation.active_take is not None
    assert loaded_item.generation.active_take.metadata == seams
