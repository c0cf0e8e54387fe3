"""The inspector: model, size, duration and seed as undoable spec edits; the takes list; pins,
from its buttons, the media bin and the viewer's frame dragged out."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

import studio.ui.viewer.viewer as viewer_module
from studio.document import serialize
from studio.document.model import Generated, Take
from studio.ui.commands import AddTakeCommand
from studio.ui.viewer.viewer import FRAME_MIME
from studio.ui.window.main_window import MainWindow


def _spec(window: MainWindow):
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return shot.generation.spec


def _json(window: MainWindow) -> str:
    return json.dumps(serialize.encode(window.project), sort_keys=True)


def test_model_size_duration_and_seed_are_spec_edits(window: MainWindow) -> None:
    before = _json(window)
    window.timeline.set_selection(["shot-1"])
    inspector = window.inspector
    # What the engine says it has (the records carry more; the studio reads these fields).
    window._models_changed([{"id": "tiny-ltx", "defaults": {"width": 64, "height": 32}},
                            {"id": "ltx-video-2b", "defaults": {"width": 768, "height": 512}}])
    assert [inspector.spec.model.itemText(i) for i in range(inspector.spec.model.count())] == [
        "frameloom-mini", "ltx-video-2b", "tiny-ltx"]
    inspector.spec.model.setCurrentText("tiny-ltx")
    inspector.spec.model.activated.emit(inspector.spec.model.currentIndex())
    assert _spec(window).model_id == "tiny-ltx"
    inspector.spec.frame_size.setCurrentText("288x512 (9:16)")
    inspector.spec.frame_size.activated.emit(inspector.spec.frame_size.currentIndex())
    assert (_spec(window).width, _spec(window).height) == (288, 512)
    size = inspector.spec.frame_size
    assert size.itemText(1) == "Model's size (64x32)"  # tiny-ltx's own size
    size.setCurrentIndex(1)
    size.activated.emit(1)
    assert (_spec(window).width, _spec(window).height) == (64, 32)
    inspector.spec.model.setCurrentText("ltx-video-2b")
    inspector.spec.model.activated.emit(inspector.spec.model.currentIndex())
    assert size.itemText(1) == "Model's size (768x512)"  # follows the chosen model
    assert size.currentText() == "64x32"  # the shot keeps its size until one is chosen
    inspector.spec.duration.setValue(24)
    assert _spec(window).duration == 24
    assert window.project.find("shot-1")[2].duration == 24  # type: ignore[union-attr]
    seed = _spec(window).seed
    inspector.spec.randomise.click()
    assert _spec(window).seed != seed and inspector.spec.seed.value() == _spec(window).seed
    inspector.spec.frame_size.setCurrentText("Project size")
    inspector.spec.frame_size.activated.emit(inspector.spec.frame_size.currentIndex())
    assert _spec(window).width is None
    while window.session.stack.canUndo():
        window.action_set["undo"].trigger()
    assert _json(window) == before
    assert inspector.spec.model.currentText() == "frameloom-mini"  # the view follows undo


def _take(number: int) -> Take:
    return Take(id=f"take-{number}", job_id=f"job-{number}", path=f"takes/t{number}.mp4",
                spec_hash="sha256:0", status="done", created=f"2026-12-0{number}T10:00:00Z")


def test_the_takes_list_chooses_deletes_and_requeues(window: MainWindow) -> None:
    for number in (1, 2):
        window.session.push(AddTakeCommand(window.project, "shot-1", _take(number)))
    window.timeline.set_selection(["shot-1"])
    inspector = window.inspector
    rows = [inspector.takes.list.item(i).text() for i in range(inspector.takes.list.count())]
    assert rows == ["  Take 1: done, 2026-12-01 10:00:00", "● Take 2: done, 2026-12-02 10:00:00"]
    inspector.takes.list.setCurrentRow(0)
    inspector.takes.buttons["use"].click()
    shot = window.project.find("shot-1")[2]
    assert shot.generation.active_take_id == "take-1"  # type: ignore[union-attr]
    inspector.takes.list.setCurrentRow(1)
    inspector.takes.buttons["delete"].click()
    shot = window.project.find("shot-1")[2]
    assert [t.id for t in shot.generation.takes] == ["take-1"]  # type: ignore[union-attr]
    window.action_set["undo"].trigger()
    assert inspector.takes.list.count() == 2
    inspector.takes.buttons["requeue"].click()  # no engine in this window: it says so
    assert window.statusBar().currentMessage().startswith("The engine is not running")


def test_pins_are_moved_weakened_added_and_removed_as_spec_edits(window: MainWindow) -> None:
    before = _json(window)
    window.timeline.set_selection(["shot-1"])
    inspector = window.inspector
    assert inspector.pins.list.count() == 1
    assert inspector.pins.list.item(0).text() == "still-1.png at frame 0, strength 100%"
    inspector.pins.at.setValue(5)
    inspector.pins.strength.setValue(0.5)
    [pin] = _spec(window).pins
    assert (pin.media_id, pin.at, pin.strength) == ("media-still-1", 5, 0.5)
    window.timeline.set_playhead(150)  # clip 2's frame 6
    inspector.pins.buttons["playhead"].click()
    inspector.pins.list.media_dropped.emit(["media-still-2"])  # dragged from the bin
    pins = _spec(window).pins
    assert [(p.media_id, p.source.start, p.at) for p in pins[1:]] == [
        ("media-clip-2", 6, 0), ("media-still-2", 0, 0)]
    assert inspector.pins.list.count() == 3
    inspector.pins.list.setCurrentRow(0)
    inspector.pins.buttons["remove"].click()
    assert [p.media_id for p in _spec(window).pins] == ["media-clip-2", "media-still-2"]
    while window.session.stack.canUndo():
        window.action_set["undo"].trigger()
    assert _json(window) == before


def test_pinning_the_playhead_over_nothing_says_so(window: MainWindow) -> None:
    window.timeline.set_selection(["shot-1"])
    window.timeline.set_playhead(138)  # the gap
    window.inspector.pins.buttons["playhead"].click()
    assert window.statusBar().currentMessage() == (
        "There is no clip or still under the playhead to pin.")


def test_a_clips_source_in_and_out_and_a_stills_duration_are_ripple_trims(
        window: MainWindow) -> None:
    before = _json(window)
    inspector = window.inspector
    window.timeline.set_selection(["clip-2"])
    assert (inspector.footage.source_in.value(), inspector.footage.source_out.value()) == (0, 72)
    assert inspector.footage.source_in.isVisibleTo(inspector)
    assert not inspector.spec.prompt.isEnabled()
    inspector.footage.source_in.setValue(10)
    inspector.footage.source_out.setValue(60)
    clip = window.project.find("clip-2")[2]
    assert (clip.source.start, clip.source.end) == (10, 60)  # type: ignore[union-attr]
    assert inspector.footage.duration.value() == 50
    window.timeline.set_selection(["still-1"])
    assert not inspector.footage.source_in.isVisibleTo(inspector)
    held = window.project.find("still-1")[2].duration  # type: ignore[union-attr]
    inspector.footage.duration.setValue(12)
    assert window.project.find("still-1")[2].duration == 12  # type: ignore[union-attr]
    assert window.project.timeline.duration == 216 - 22 - (held - 12)  # the rest moved up
    while window.session.stack.canUndo():
        window.action_set["undo"].trigger()
    assert _json(window) == before


def test_plain_clips_hide_the_generation_rows_and_a_split_shows_the_new_length(
        window: MainWindow) -> None:
    inspector = window.inspector
    window.timeline.set_selection(["clip-1"])
    assert not inspector.spec.prompt.isVisibleTo(inspector)
    assert not inspector.takes.list.isVisibleTo(inspector)
    assert inspector.footage.row.isVisibleTo(inspector)
    window.timeline.set_playhead(20)
    window.action_set["split"].trigger()
    assert inspector.title.text() == "clip Clip 1, 20 frames"  # the left half, refreshed
    window.action_set["undo"].trigger()
    assert inspector.title.text() == "clip Clip 1, 48 frames"
    window.timeline.set_selection(["shot-1"])
    assert inspector.spec.prompt.isVisibleTo(inspector)
    assert not inspector.footage.row.isVisibleTo(inspector)


def _frame_drop(window: MainWindow, data: QMimeData) -> None:
    pins = window.inspector.pins.list
    pins.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_the_viewer_s_frame_dragged_onto_the_pins_pins_that_frame(qtbot: QtBot,
                                                                  window: MainWindow) -> None:
    window.timeline.set_selection(["shot-1"])
    viewer = window.viewer
    window.timeline.set_playhead(150)  # clip 2's frame 6
    qtbot.waitUntil(lambda: viewer.shown_frame == 150 and viewer.draggable(), timeout=10_000)
    data = viewer.mime()
    assert bytes(data.data(FRAME_MIME).data()) == b"150"
    window.timeline.set_playhead(10)  # the playhead moves on before the drop: the frame stays
    _frame_drop(window, data)
    assert [(p.media_id, p.source.start, p.at) for p in _spec(window).pins[1:]] == [
        ("media-clip-2", 6, 0)]
    assert window.action_set["undo"].text() == "&Undo Change shot settings"
    gap = QMimeData()
    gap.setData(FRAME_MIME, b"138")
    _frame_drop(window, gap)
    assert window.statusBar().currentMessage() == "There is no clip or still in that frame to pin."
    assert len(_spec(window).pins) == 2


def _held_move(widget: QWidget, at: QPointF) -> None:
    QApplication.sendEvent(widget, QMouseEvent(
        QMouseEvent.Type.MouseMove, at, widget.mapToGlobal(at), Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_a_drag_on_the_viewer_starts_a_drag_of_its_frame(qtbot: QtBot, window: MainWindow,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[bytes] = []

    class FakeDrag:  # QDrag.exec runs a nested event loop until a drop; record it instead
        def __init__(self, _source: object) -> None:
            self.data: QMimeData | None = None

        def setMimeData(self, data: QMimeData) -> None:
            self.data = data

        def setPixmap(self, _pixmap: object) -> None:
            pass

        def exec(self, _action: object) -> None:
            assert self.data is not None
            started.append(bytes(self.data.data(FRAME_MIME).data()))

    monkeypatch.setattr(viewer_module, "QDrag", FakeDrag)
    viewer = window.viewer
    window.timeline.set_playhead(150)
    qtbot.waitUntil(lambda: viewer.shown_frame == 150 and viewer.draggable(), timeout=10_000)
    qtbot.mousePress(viewer, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    _held_move(viewer, QPointF(41, 41))  # under the drag distance: nothing yet
    assert started == []
    _held_move(viewer, QPointF(80, 60))
    assert started == [b"150"]
