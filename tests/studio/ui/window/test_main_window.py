"""The main window: outline of the sample, save/reopen, dirty marker, autosave and recovery."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from studio.document import edits, persistence, serialize
from studio.document.model import Project
from studio.ui import commands
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


def _rows(window: MainWindow) -> list[list[str]]:
    tree = window.outline
    rows = []
    for t in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(t)
        rows.append([top.text(c) for c in range(tree.columnCount())])
        for i in range(top.childCount()):
            rows.append([top.child(i).text(c) for c in range(tree.columnCount())])
    return rows


def _json(project: Project) -> str:
    return json.dumps(serialize.encode(project), sort_keys=True)


def _window(qtbot: QtBot, opened: persistence.OpenedProject | None, **kwargs: object) -> MainWindow:
    kwargs.setdefault("prompts", Prompts(confirm_close=lambda _name: "discard"))
    window = MainWindow(opened, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window


def test_outline_of_the_sample_marks_offline_media(qtbot: QtBot, sample_project: Path) -> None:
    (sample_project.parent / "media" / "clip-2.mp4").unlink()
    window = _window(qtbot, persistence.open_project(sample_project))
    window.show()
    qtbot.waitExposed(window)

    assert window.windowTitle() == "Sample — Frameloom"
    assert _rows(window) == [
        ["V1", "track", "", "216 frames", ""],
        ["Clip 1", "clip", "00:00:00:00", "48 frames", ""],
        ["Crossfade", "crossfade", "00:00:02:00", "12 frames", ""],
        ["Still 1", "still", "00:00:02:00", "36 frames", ""],
        ['Shot 1: "a red circle moves right on a blue background"', "shot", "00:00:03:12",
         "48 frames", ""],
        ["Gap", "gap", "00:00:05:12", "12 frames", ""],
        ["Clip 2", "clip", "00:00:06:00", "72 frames", "offline"],
    ]
    assert not window.outline.isColumnHidden(4)  # Status shows while media is offline
    media = [window.media_list.item(i).text() for i in range(window.media_list.count())]
    assert media == ["still-1.png (still)", "still-2.png (still)", "clip-1.mp4 (clip)",
                     "clip-2.mp4 (clip) — offline"]
    assert window.status_bar.duration_label.text() == "512x288, 24 fps, 00:00:09:00 (216 frames)"
    assert window.docks["Timeline"].widget() is window.timeline
    assert not window.docks["Jobs"].isVisibleTo(window)  # no engine bridge given


def test_new_project_window_is_empty(qtbot: QtBot) -> None:
    window = _window(qtbot, None)
    assert window.windowTitle() == "Untitled — Frameloom"
    assert _rows(window) == [["V1", "track", "", "0 frames", ""]]
    assert window.media_list.count() == 0


def test_status_bar_tells_of_a_newer_autosave_when_not_recovered(
        qtbot: QtBot, sample_project: Path) -> None:
    project = persistence.load_project(sample_project)
    project.name = "Edited"  # the autosave must differ from the file to be offered
    persistence.autosave(project, sample_project)
    asked = []
    window = _window(qtbot, persistence.open_project(sample_project),
                     prompts=Prompts(recover=lambda opened: asked.append(opened) or False))
    assert len(asked) == 1
    assert window.project.name == "Sample"
    assert window.statusBar().currentMessage().startswith("An autosave newer than this file")


def test_edit_save_reopen_and_dirty_marker(qtbot: QtBot, sample_project: Path) -> None:
    window = _window(qtbot, persistence.open_project(sample_project))
    window.timeline.set_playhead(60)
    window.action_set["split"].trigger()  # nothing selected: the item under the playhead
    assert window.windowTitle() == "Sample* — Frameloom"
    assert window.action_set["undo"].isEnabled() and window.action_set["save"].isEnabled()
    edited = _json(window.project)
    window.action_set["undo"].trigger()
    assert window.windowTitle() == "Sample — Frameloom"  # back at the saved state
    assert not window.action_set["save"].isEnabled()
    window.action_set["redo"].trigger()
    assert _json(window.project) == edited and window.windowTitle().startswith("Sample*")

    window.action_set["save"].trigger()
    assert window.windowTitle() == "Sample — Frameloom"
    reopened = persistence.open_project(sample_project)
    assert _json(reopened.project) == edited
    window.action_set["undo"].trigger()
    assert window.windowTitle() == "Sample* — Frameloom"  # undo past the save is dirty again


def test_save_as_for_a_new_project_then_open_it(qtbot: QtBot, tmp_path: Path) -> None:
    target = tmp_path / "films" / "Untitled.frameloom"
    target.parent.mkdir()
    window = _window(qtbot, None, prompts=Prompts(save_path=lambda _name: target,
                                                  open_path=lambda: target,
                                                  confirm_close=lambda _name: "discard"))
    window.action_set["save"].trigger()  # never saved: asks for a file
    assert target.exists() and window.session.path == target
    saved = _json(window.project)
    window.action_set["new"].trigger()
    assert window.project.timeline.duration == 0 and _json(window.project) != saved
    window.action_set["open"].trigger()
    assert _json(window.project) == saved
    from studio.ui.window.session import recent_projects
    assert recent_projects()[0] == target.resolve()
    window.action_set["new"].trigger()
    window.recent_menu.aboutToShow.emit()  # the menu is filled when it opens
    (recent,) = window.recent_menu.actions()
    assert recent.text() == "Untitled.frameloom"
    recent.trigger()
    assert _json(window.project) == saved and window.session.path == target


def test_autosave_fires_and_recovery_on_reopen(qtbot: QtBot, sample_project: Path) -> None:
    window = _window(qtbot, persistence.open_project(sample_project), autosave_ms=20)
    autosave = persistence.autosave_path(sample_project)
    qtbot.wait(60)
    assert not autosave.exists()  # nothing unsaved: nothing autosaved
    window.timeline.set_selection([window.project.timeline.tracks[0].items[0].id])
    window.action_set["ripple_delete"].trigger()
    edited = _json(window.project)
    qtbot.waitUntil(autosave.exists, timeout=2000)
    window.session.timer.stop()  # the crash: the window is dropped unsaved
    assert _json(persistence.load_project(sample_project)) != edited

    opened = persistence.open_project(sample_project)
    assert opened.recovery == autosave
    recovered = _window(qtbot, opened, prompts=Prompts(recover=lambda _opened: True))
    assert _json(recovered.project) == edited
    assert recovered.windowTitle() == "Sample* — Frameloom"  # recovered work is unsaved work
    recovered.action_set["save"].trigger()
    assert not autosave.exists() and recovered.windowTitle() == "Sample — Frameloom"


def test_close_asks_about_unsaved_changes(qtbot: QtBot, sample_project: Path) -> None:
    answers = ["cancel", "discard"]
    window = _window(qtbot, persistence.open_project(sample_project),
                     prompts=Prompts(confirm_close=lambda _name: answers.pop(0)))
    window.show()
    window.action_set["split"].trigger()  # playhead at 0: nothing to split, nothing changes
    assert window.close()
    window = _window(qtbot, persistence.open_project(sample_project),
                     prompts=Prompts(confirm_close=lambda _name: answers.pop(0)))
    window.show()
    window.timeline.set_playhead(10)
    window.action_set["split"].trigger()
    assert not window.close() and window.isVisible()  # "cancel"
    assert window.close()  # "discard"
    assert answers == []


def test_closing_unasked_keeps_unsaved_work_in_the_recovery_file(qtbot: QtBot,
                                                                 sample_project: Path) -> None:
    # As SIGTERM or a logout closes it: no question, and the unsaved edit is offered back.
    def asked(_name: str) -> str:
        raise AssertionError("closing unasked asked about unsaved changes")

    window = _window(qtbot, persistence.open_project(sample_project),
                     prompts=Prompts(confirm_close=asked), autosave_ms=60_000)
    window.show()
    window.timeline.set_playhead(10)
    window.action_set["split"].trigger()
    edited = _json(window.project)
    window.close_unasked()
    assert not window.isVisible()
    opened = persistence.open_project(sample_project)
    assert opened.recovery == persistence.autosave_path(sample_project)
    assert _json(persistence.load_project(opened.recovery)) == edited
    assert _json(persistence.load_project(sample_project)) != edited  # the file is untouched


def test_closing_unasked_dismisses_an_open_question_first(qtbot: QtBot,
                                                        sample_project: Path) -> None:
    # SIGTERM while "Save the changes?" waits for an answer (Qt's own dialog, modal): the
    # question is dismissed as Cancel would, then the window closes unasked.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    window = _window(qtbot, persistence.open_project(sample_project), autosave_ms=60_000)
    window.prompts = Prompts.dialogs(window)
    window.show()
    window.timeline.set_playhead(10)
    window.action_set["split"].trigger()
    edited, seen = _json(window.project), []

    def signalled() -> None:
        seen.append(isinstance(QApplication.activeModalWidget(), QMessageBox))
        window.close_unasked()

    def rescue() -> None:  # so that the test fails rather than waits for an answer forever
        if (left := QApplication.activeModalWidget()) is not None:
            seen.append(False)
            left.close()

    QTimer.singleShot(200, signalled)
    QTimer.singleShot(3000, rescue)
    assert not window.close()  # the question's answer: Cancel
    assert seen == [True]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert QApplication.activeModalWidget() is None
    recovery = persistence.open_project(sample_project).recovery
    assert recovery is not None and _json(persistence.load_project(recovery)) == edited


def test_jobs_dock_follows_the_engine_bridge(qtbot: QtBot) -> None:
    from types import SimpleNamespace

    from studio.engine_link import JobView
    from studio.ui.generation.engine_bridge import EngineBridge

    bridge = EngineBridge(SimpleNamespace())  # type: ignore[arg-type] - only signals are used
    window = _window(qtbot, None, bridge=bridge)
    assert window.docks["Jobs"].isVisibleTo(window) and window.jobs is not None
    bridge.status_changed.emit("running", "The engine is ready.")
    bridge.job_changed.emit(JobView(id="job-1", state="running", prompt="a cat", step=5,
                                    total=10, eta_s=3.0))
    bridge.job_changed.emit(JobView(id="job-2", state="queued", prompt="a dog"))
    rows = [window.jobs.jobs.item(i).text() for i in range(window.jobs.jobs.count())]
    assert rows == ['[running 50%, 3 s left] "a cat"', '[queued] "a dog"']
    assert window.jobs.progress.format() == "50%, 3 s left"
    assert window.jobs.status.text() == "The engine is ready."
    bridge.job_removed.emit("job-1")
    assert window.jobs.jobs.count() == 1


def test_the_outline_shows_first_and_the_jobs_when_one_is_queued(qtbot: QtBot) -> None:
    from types import SimpleNamespace

    from studio.ui.generation.engine_bridge import EngineBridge

    window = _window(qtbot, None, bridge=EngineBridge(SimpleNamespace()))  # type: ignore[arg-type]
    window.show()
    qtbot.waitExposed(window)
    outline, jobs = window.docks["Outline"], window.docks["Jobs"]
    assert not outline.visibleRegion().isEmpty() and jobs.visibleRegion().isEmpty()
    window.generation.submitted.emit("job-1", "shot-1")
    qtbot.waitUntil(lambda: not jobs.visibleRegion().isEmpty())
    assert outline.visibleRegion().isEmpty()


def test_importing_into_a_new_project_keeps_absolute_paths(qtbot: QtBot,
                                                        sample_project: Path) -> None:
    still = sample_project.parent / "media" / "still-1.png"
    window = _window(qtbot, None, prompts=Prompts(media_paths=lambda: [still]))
    window.action_set["import_media"].trigger()
    qtbot.waitUntil(lambda: bool(window.project.media), timeout=15000)
    (media,) = window.project.media.values()
    assert media.path == still.resolve().as_posix()
    assert window.statusBar().currentMessage() == "Imported 1 file."


def test_the_outline_lists_markers_and_a_double_click_goes_there(qtbot: QtBot,
                                                                  sample_project: Path) -> None:
    window = _window(qtbot, persistence.open_project(sample_project))
    assert "Markers" not in [row[0] for row in _rows(window)]  # none yet: no empty node
    for frame, name in ((60, "beat"), (12, "")):
        window.timeline.set_playhead(frame)
        window.action_set["add_marker"].trigger()
        if name:
            marker = window.project.timeline.markers[-1]
            window.session.push(commands.UpdateMarkerCommand(window.project, marker.id,
                                                             name=name, colour="red"))
    qtbot.waitUntil(lambda: "Markers" in [row[0] for row in _rows(window)])
    rows = _rows(window)
    at = [row[0] for row in rows].index("Markers")
    assert rows[at + 1:at + 3] == [["Marker", "blue", "00:00:00:12", "", ""],
                                   ["beat", "red", "00:00:02:12", "", ""]]
    assert window.outline.isColumnHidden(4)  # no media offline: no Status column
    tree = window.outline
    markers = tree.topLevelItem(tree.topLevelItemCount() - 1)
    tree.itemActivated.emit(markers.child(1), 0)  # what a double click or Enter sends
    assert window.timeline.playhead == 60
    assert window.outline.selected_ids() == []  # a marker row selects no item


def test_info_lists_the_markers(sample_project: Path) -> None:
    from studio import outline

    opened = persistence.open_project(sample_project)
    edits.add_marker(opened.project, 24, name="chorus", colour="yellow")
    text = outline.summary(opened)
    assert "Markers (1):\n  00:00:01:00  yellow          chorus\n" in text
