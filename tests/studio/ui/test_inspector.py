"""The inspector: model, size, duration and seed as undoable spec edits; the takes list."""

from __future__ import annotations

import json

from studio.document import serialize
from studio.document.model import Generated, Take
from studio.ui.commands import AddTakeCommand
from studio.ui.main_window import MainWindow


def _spec(window: MainWindow):  # noqa: ANN202 - the shot's GeneratedSpec
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return shot.generation.spec


def _json(window: MainWindow) -> str:
    return json.dumps(serialize.encode(window.project), sort_keys=True)


def test_model_size_duration_and_seed_are_spec_edits(window: MainWindow) -> None:
    before = _json(window)
    window.timeline.set_selection(["shot-1"])
    inspector = window.inspector
    window._models_changed(["tiny-ltx", "ltx-video-2b"])  # what the engine says it has
    assert [inspector.model.itemText(i) for i in range(inspector.model.count())] == [
        "frameloom-mini", "ltx-video-2b", "tiny-ltx"]
    inspector.model.setCurrentText("tiny-ltx")
    inspector.model.activated.emit(inspector.model.currentIndex())
    assert _spec(window).model_id == "tiny-ltx"
    inspector.size.setCurrentText("288x512 (9:16)")
    inspector.size.activated.emit(inspector.size.currentIndex())
    assert (_spec(window).width, _spec(window).height) == (288, 512)
    inspector.duration.setValue(24)
    assert _spec(window).duration == 24
    assert window.project.find("shot-1")[2].duration == 24  # type: ignore[union-attr]
    seed = _spec(window).seed
    inspector.randomise.click()
    assert _spec(window).seed != seed and inspector.seed.value() == _spec(window).seed
    inspector.size.setCurrentText("Project size")
    inspector.size.activated.emit(inspector.size.currentIndex())
    assert _spec(window).width is None
    while window.session.stack.canUndo():
        window.action_set["undo"].trigger()
    assert _json(window) == before
    assert inspector.model.currentText() == "frameloom-mini"  # the view follows undo


def _take(number: int) -> Take:
    return Take(id=f"take-{number}", job_id=f"job-{number}", path=f"takes/t{number}.mp4",
                spec_hash="sha256:0", status="done", created=f"2026-12-0{number}T10:00:00Z")


def test_the_takes_list_chooses_deletes_and_requeues(window: MainWindow) -> None:
    for number in (1, 2):
        window.session.push(AddTakeCommand(window.project, "shot-1", _take(number)))
    window.timeline.set_selection(["shot-1"])
    inspector = window.inspector
    rows = [inspector.takes.item(i).text() for i in range(inspector.takes.count())]
    assert rows == ["  Take 1: done, 2026-12-01 10:00:00", "● Take 2: done, 2026-12-02 10:00:00"]
    inspector.takes.setCurrentRow(0)
    inspector.take_buttons["use"].click()
    shot = window.project.find("shot-1")[2]
    assert shot.generation.active_take_id == "take-1"  # type: ignore[union-attr]
    inspector.takes.setCurrentRow(1)
    inspector.take_buttons["delete"].click()
    shot = window.project.find("shot-1")[2]
    assert [t.id for t in shot.generation.takes] == ["take-1"]  # type: ignore[union-attr]
    window.action_set["undo"].trigger()
    assert inspector.takes.count() == 2
    inspector.take_buttons["requeue"].click()  # no engine in this window: it says so
    assert window.statusBar().currentMessage().startswith("The engine is not running")
