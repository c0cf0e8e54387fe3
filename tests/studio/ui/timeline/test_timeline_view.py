"""QtTimelineView on the sample project: painting, drags that request edits, the playhead."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from studio.document import changes, edits, persistence
from studio.document.changes import Change
from studio.document.model import Clip, Project
from studio.ui.timeline import timeline_paint
from studio.ui.timeline.timeline_geometry import RULER_HEIGHT
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.window.refcount_guard import bindings_drop_references
from support.timeline_views import shown_timeline

PPF = 4.0  # the sample's 216 frames are 864 px: all of it fits in the 1000 px view


@pytest.fixture
def project(sample_project: Path) -> Project:
    return persistence.open_project(sample_project).project


@pytest.fixture
def view(qtbot: QtBot, project: Project) -> QtTimelineView:
    return shown_timeline(qtbot, project, (1000, 200), PPF)


def _drag(qtbot: QtBot, view: QtTimelineView, start: QPoint, end: QPoint, steps: int = 5) -> None:
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    for n in range(1, steps + 1):
        qtbot.mouseMove(view, start + (end - start) * n / steps)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)


def test_renders_the_sample_with_item_rectangles_from_the_model(view: QtTimelineView,
                                                                project: Project) -> None:
    image = view.grab().toImage()
    assert not image.isNull() and image.width() == 1000
    track = project.timeline.tracks[0]
    row = view.row_rect(track.id)
    layout = view.track_layout(track.id)
    assert [i.id for i in layout.items] == ["clip-1", "still-1", "shot-1", "gap-1", "clip-2"]
    for _index, start, item in track.layout():
        rect = view.item_rect(item.id)
        assert rect is not None
        assert rect.left() == start * PPF and rect.width() == item.duration * PPF
        assert row.top() < rect.top() < rect.bottom() < row.bottom()
    clip = view.item_rect("clip-1")
    # Below the label and clear of the crossfade at its right end, the card shows its kind.
    pixel = image.pixelColor(int(clip.center().x()), int(clip.bottom()) - 2)
    assert pixel == timeline_paint.COLOURS[Clip]
    assert timeline_paint.generated_status(project.find("shot-1")[2]) == "not generated"


def test_clicking_the_ruler_moves_the_playhead(qtbot: QtBot, view: QtTimelineView) -> None:
    with qtbot.waitSignal(view.playhead_moved) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(400, 10))
    assert blocker.args == [100] and view.playhead == 100
    _drag(qtbot, view, QPoint(400, 10), QPoint(480, 12))
    assert view.playhead == 120


def test_clicking_a_marker_s_flag_puts_the_playhead_on_its_frame(
        qtbot: QtBot, view: QtTimelineView, project: Project) -> None:
    edits.add_marker(project, 40)
    x = int(view.viewport.frame_to_x(40))
    flag_y = RULER_HEIGHT - 5
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(x + 6, flag_y))
    assert view.playhead == 40  # on the flag: its frame, not the nearest one (42)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(x + 6, 4))
    assert view.playhead == 42  # above it, among the timecodes: the frame under the pointer


def test_clicking_an_item_selects_it(qtbot: QtBot, view: QtTimelineView) -> None:
    centre = view.item_rect("still-1").center().toPoint()
    with qtbot.waitSignal(view.selection_changed) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=centre)
    assert blocker.args == [["still-1"]] and view.selection == ["still-1"]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(990, int(centre.y())))
    assert view.selection == []


def test_a_body_drag_requests_moves_and_the_final_one_snaps(qtbot: QtBot, view: QtTimelineView,
                                                            project: Project) -> None:
    requests: list[tuple] = []
    track_id = project.timeline.tracks[0].id

    def owner(item_id: str, to_track: str, frame: int, drag_id: int, final: bool,
              ripple: bool) -> None:
        assert not ripple  # a move overwrites unless Alt is held
        requests.append((item_id, to_track, frame, drag_id, final))
        if final:
            edits.move(project, item_id, to_track, frame)

    view.move_requested.connect(owner)
    start = view.item_rect("clip-2").center().toPoint()
    # 43 px left is 10.75 frames: clip 2 would start at 133, one frame from shot 1's end (132).
    _drag(qtbot, view, start, start - QPoint(43, 0))
    assert len(requests) >= 2 and len({r[3] for r in requests}) == 1
    assert requests[-1] == ("clip-2", track_id, 132, view.drag_id, True)
    assert all(not r[4] for r in requests[:-1])
    layout = view.track_layout(track_id)  # rebuilt from the document's splice events
    assert layout.starts[layout.index_of("clip-2")] == 132
    assert view.item_rect("clip-2").left() == 132 * PPF


@pytest.mark.parametrize(("snapping", "marker", "pixels", "landed"), [
    (False, None, 43, 133),  # where the pointer is (snapped, shot 1's end: 132, as above)
    (True, None, 31, 136),  # 7.75 frames left: nothing within 8 px
    (True, 137, 31, 137),  # a marker there pulls the edge to it
])
def test_snapping_can_be_turned_off_and_snaps_to_markers(
        qtbot: QtBot, view: QtTimelineView, project: Project, snapping: bool,
        marker: int | None, pixels: int, landed: int) -> None:
    finals: list[int] = []
    view.move_requested.connect(
        lambda item_id, to_track, frame, drag_id, final, ripple: finals.append(frame)
        if final else None)
    if marker is not None:
        edits.add_marker(project, marker)
    view.snapping = snapping
    start = view.item_rect("clip-2").center().toPoint()
    _drag(qtbot, view, start, start - QPoint(pixels, 0))
    assert finals == [landed]


def test_an_edge_drag_requests_trims_applied_as_they_come(qtbot: QtBot, view: QtTimelineView,
                                                          project: Project) -> None:
    steps: list[tuple] = []
    applied: list[Change] = []

    def owner(item_id: str, in_delta: int, out_delta: int, drag_id: int, final: bool,
              ripple: bool) -> None:
        steps.append((in_delta, out_delta, drag_id, final, ripple))
        if applied:  # each request replaces the drag's previous one
            changes.revert(project, applied.pop())
        applied.append(edits.trim(project, item_id, in_delta=in_delta, out_delta=out_delta,
                                  ripple=ripple))

    view.trim_requested.connect(owner)
    rect = view.item_rect("shot-1")
    edge = QPoint(int(rect.right()) - 1, int(rect.center().y()))
    _drag(qtbot, view, edge, edge - QPoint(40, 0))
    assert steps[-1][3] is True and len({s[2] for s in steps}) == 1
    assert steps[-1][:2] == (0, -10) and all(s[4] for s in steps)  # a trim ripples
    assert project.find("shot-1")[2].duration == 38
    assert view.item_rect("shot-1").width() == 38 * PPF
    assert view.item_rect("clip-2").left() == (144 - 10) * PPF  # the ripple moved it


def test_the_view_follows_edits_and_requests_split_and_delete(qtbot: QtBot, view: QtTimelineView,
                                                              project: Project) -> None:
    track_id = project.timeline.tracks[0].id
    before = view.track_layout(track_id)
    edits.ripple_delete(project, "still-1")
    after = view.track_layout(track_id)
    assert after is not before and "still-1" not in [i.id for i in after.items]
    assert view.item_rect("shot-1").left() == 48 * PPF
    view.grab()  # paints the new layout without errors

    view.set_selection(["shot-1"])
    view.set_playhead(60)
    with qtbot.waitSignal(view.split_requested) as split:
        view.request_split_at_playhead()
    assert split.args == ["shot-1", 60]
    with qtbot.waitSignal(view.delete_requested) as delete:
        view.request_delete_selection()
    assert delete.args == ["shot-1"]


def test_zoom_belongs_to_each_view(qtbot: QtBot, view: QtTimelineView, project: Project) -> None:
    other = QtTimelineView(project)
    qtbot.addWidget(other)
    view.zoom_in()
    assert view.pixels_per_frame > PPF and other.pixels_per_frame != view.pixels_per_frame
    view.zoom_out()
    view.zoom_out()
    assert view.pixels_per_frame < PPF
    assert view.item_rect("clip-2").left() == pytest.approx(144 * view.pixels_per_frame
                                                            - view.viewport.scroll)


def test_zoom_to_fit_shows_the_whole_timeline_from_its_start(view: QtTimelineView,
                                                             project: Project) -> None:
    view.resize(800, 200)
    view.zoom_in()
    view.zoom_in()
    view.set_scroll(300)
    view.zoom_to_fit()
    end = view.viewport.frame_to_x(project.timeline.duration)
    assert view.viewport.scroll == 0 and view.viewport.frame_to_x(0) == 0
    assert 800 - 24 - 1 <= end <= 800 - 24 + 1
    edits.add_marker(project, project.timeline.duration)  # a marker at the end shows too
    view.zoom_to_fit()
    assert 800 - 24 - 1 <= view.viewport.frame_to_x(project.timeline.duration + 1) <= 800 - 23


def test_many_repaints_cannot_exhaust_none(view: QtTimelineView) -> None:
    # PySide6 6.12.0 on Python 3.11 drops a reference to None per void call (refcount_guard),
    # which pyproject.toml excludes; 300 repaints make far more calls than None had references
    # when Python started, so this aborts the interpreter on such bindings.
    assert not bindings_drop_references()
    image = QImage(1000, 200, QImage.Format.Format_ARGB32_Premultiplied)
    for _ in range(300):
        view.render(image)
    assert sys.getrefcount(None) > 1000
