"""Timeline markers: added, changed and removed as undoable edits, kept in frame order with one
per frame, saved with the project (file format 6) and refused in one sentence when broken."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from document_factory import golden_project
from studio.document import changes, edits
from studio.document.errors import EditError, ProjectFileError
from studio.document.marker_edits import marker_at, next_marker
from studio.document.persistence import load_project, save_project
from studio.document.validate import validate


def frames(project: object) -> list[tuple[int, str, str]]:
    return [(m.frame, m.name, m.colour) for m in project.timeline.markers]  # type: ignore[attr-defined]


def test_markers_stay_in_frame_order_and_every_edit_undoes_exactly() -> None:
    project = golden_project()
    before = copy.deepcopy(project)
    seen: list[tuple[object, object]] = []
    project.events.markers_changed.connect(lambda old, new: seen.append((old, new)))
    steps = [edits.add_marker(project, 48, name="  drop\nhere ", colour="red"),
             edits.add_marker(project, 12, marker_id="marker-a"),
             edits.add_marker(project, 30, name="beat")]
    assert frames(project) == [(12, "", "blue"), (30, "beat", "blue"), (48, "drop here", "red")]
    steps.append(edits.update_marker(project, "marker-a", frame=60, colour="green"))
    assert [m.frame for m in project.timeline.markers] == [30, 48, 60]
    assert steps[-1].label == "Move Marker"
    steps.append(edits.update_marker(project, "marker-a", name="end"))
    assert steps[-1].label == "Change Marker" and marker_at(project, 60).name == "end"
    steps.append(edits.remove_marker(project, project.timeline.markers[0].id))
    assert [m.frame for m in project.timeline.markers] == [48, 60]
    assert len(seen) == len(steps)
    validate(project)
    after = copy.deepcopy(project)
    for step in reversed(steps):
        changes.revert(project, step)
    assert project == before and project.timeline.markers == []
    for step in steps:
        changes.apply(project, step)
    assert project == after


def test_next_and_previous_marker_skip_the_playhead_s_own() -> None:
    project = golden_project()
    for frame in (10, 20, 30):
        edits.add_marker(project, frame)
    assert next_marker(project, 20).frame == 30
    assert next_marker(project, 20, backward=True).frame == 10
    assert next_marker(project, 30) is None and next_marker(project, 10, backward=True) is None
    assert next_marker(project, 0).frame == 10


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: edits.add_marker(p, 5), "Frame 5 has a marker already (cue); change that one"),
    (lambda p: edits.add_marker(p, -1), "A marker goes on frame 0 or later, not -1."),
    (lambda p: edits.add_marker(p, 7, colour="mauve"), "A marker's colour is one of red,"),
    (lambda p: edits.add_marker(p, 7, name="x" * 201), "at most 200 characters, not 201."),
    (lambda p: edits.add_marker(p, 7, marker_id="m1"), "Id 'm1' is already used in this"),
    (lambda p: edits.add_marker(p, 7, marker_id=p.timeline.tracks[0].id), "is already used"),
    (lambda p: edits.add_marker(p, p.timeline.duration + 1), "past the timeline's end"),
    (lambda p: edits.update_marker(p, "m1", name=" cue "), "already has that frame, name and"),
    (lambda p: edits.update_marker(p, "nope", name="a"), "There is no marker with id 'nope'."),
    (lambda p: edits.update_marker(p, "m2", frame=5), "Frame 5 has a marker already"),
    (lambda p: edits.remove_marker(p, "nope"), "There is no marker with id 'nope'."),
])
def test_a_refused_marker_edit_says_why_and_changes_nothing(call, message) -> None:  # type: ignore[no-untyped-def]
    project = golden_project()
    edits.add_marker(project, 5, name="cue", marker_id="m1")
    edits.add_marker(project, 9, marker_id="m2")
    before = copy.deepcopy(project)
    with pytest.raises(EditError) as refused:
        call(project)
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert project == before


def test_markers_are_saved_and_a_project_without_them_writes_no_field(tmp_path: Path) -> None:
    project = golden_project()
    plain = json.loads(save_project(project, tmp_path / "plain").read_text(encoding="utf-8"))
    assert "markers" not in plain["project"]["timeline"]
    edits.add_marker(project, 24, name="chorus", colour="yellow")
    file = save_project(project, tmp_path / "marked")
    data = json.loads(file.read_text(encoding="utf-8"))
    assert data["schema_version"] == 6
    assert [(m["frame"], m["name"], m["colour"]) for m in data["project"]["timeline"]["markers"]] \
        == [(24, "chorus", "yellow")]
    assert load_project(file) == project


@pytest.mark.parametrize(("markers", "message"), [
    ([{"schema": "Marker.1", "id": "m", "frame": 4}, {"schema": "Marker.1", "id": "n",
                                                       "frame": 4}], "shares its frame"),
    ([{"schema": "Marker.1", "id": "m", "frame": -3}], "before the timeline starts"),
    ([{"schema": "Marker.1", "id": "m", "frame": 2, "colour": "mauve"}], "expected one of red"),
    ([{"schema": "Marker.1", "frame": 2}], "missing its 'id' field"),
])
def test_a_file_with_broken_markers_is_refused_in_one_sentence(
        tmp_path: Path, markers: list[dict[str, object]], message: str) -> None:
    file = save_project(golden_project(), tmp_path / "p")
    data = json.loads(file.read_text(encoding="utf-8"))
    data["project"]["timeline"]["markers"] = markers
    file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProjectFileError) as refused:
        load_project(file)
    assert message in str(refused.value) and "\n" not in str(refused.value)
