"""Media onto the timeline: double-click in the bin, drags from the bin and the file manager;
thumbnails in the bin and filmstrips on the timeline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from studio.document import serialize
from studio.document.model import Clip, Generated, Still
from studio.ui.docks.media_bin import MEDIA_MIME
from studio.ui.window.main_window import MainWindow


def _kinds(window: MainWindow) -> list[str]:
    return [type(e).__name__ for e in window.project.timeline.tracks[0].items]


def _drop(window: MainWindow, data: QMimeData, frame: int) -> None:
    view = window.timeline
    row = view.row_rect(window.project.timeline.tracks[0].id)
    x = view.viewport.frame_to_x(frame)
    event = QDropEvent(QPointF(x, row.center().y()), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)


def test_double_click_in_the_bin_inserts_at_the_playhead_as_one_step(
        qtbot: QtBot, window: MainWindow) -> None:
    before = json.dumps(serialize.encode(window.project), sort_keys=True)
    window.timeline.set_playhead(216)  # the end of the timeline
    rows = {window.media_list.item(i).data(Qt.ItemDataRole.UserRole): window.media_list.item(i)
            for i in range(window.media_list.count())}
    window.media_list.itemDoubleClicked.emit(rows["media-clip-1"])
    window.media_list.itemDoubleClicked.emit(rows["media-still-2"])
    items = window.project.timeline.tracks[0].items
    assert isinstance(items[-2], Clip) and items[-2].source.duration == 48
    assert isinstance(items[-1], Still) and items[-1].duration == 72  # three seconds
    assert window.session.stack.count() == 2
    window.action_set["undo"].trigger()
    window.action_set["undo"].trigger()
    assert json.dumps(serialize.encode(window.project), sort_keys=True) == before


def test_media_dragged_from_the_bin_lands_where_it_is_dropped(window: MainWindow) -> None:
    window.media_list.item(0).setSelected(True)  # still-1
    window.media_list.item(3).setSelected(True)  # clip-2
    data = window.media_list.mimeData([window.media_list.item(0), window.media_list.item(3)])
    assert bytes(data.data(MEDIA_MIME).data()).decode().split() == ["media-still-1",
                                                                    "media-clip-2"]
    _drop(window, data, 0)
    assert _kinds(window)[:3] == ["Still", "Clip", "Clip"]
    assert window.project.timeline.duration == 216 + 72 + 72
    assert window.session.stack.count() == 1


def test_files_dropped_from_the_file_manager_are_imported_and_placed(
        qtbot: QtBot, window: MainWindow, sample_project: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copy(sample_project.parent / "media" / "clip-1.mp4", tmp_path / "new.mp4"))
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(copy))])
    _drop(window, data, 216)
    qtbot.waitUntil(lambda: _kinds(window)[-1] == "Clip" and len(_kinds(window)) == 7,
                    timeout=15000)
    assert len(window.project.media) == 5
    window.action_set["undo"].trigger()  # the placing, then the import, undo apart
    window.action_set["undo"].trigger()
    assert len(window.project.media) == 4


def test_thumbnails_arrive_for_the_bin_and_the_timeline(qtbot: QtBot,
                                                        window: MainWindow) -> None:
    thumbs = window.item_thumbs
    clip = window.project.find("clip-2")[2]
    shot = window.project.find("shot-1")[2]
    assert isinstance(clip, Clip) and isinstance(shot, Generated)
    qtbot.waitUntil(lambda: thumbs.item(clip, 16, (64, 36)) is not None, timeout=15000)
    pixmap = thumbs.item(clip, 16, (64, 36))
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (64, 36)
    assert thumbs.item(shot, 0, (64, 36)) is None  # no take yet: the card's colour shows
    qtbot.waitUntil(lambda: all(not window.media_list.item(i).icon().isNull()
                                for i in range(window.media_list.count())), timeout=15000)


def test_moved_media_is_relinked_by_content_as_one_step(qtbot: QtBot, sample_project: Path,
                                                        tmp_path: Path) -> None:
    from studio.document import persistence
    from studio.ui.window.prompts import Prompts

    moved = tmp_path / "elsewhere" / "deep"
    moved.mkdir(parents=True)
    (sample_project.parent / "media" / "clip-2.mp4").rename(moved / "renamed.mp4")
    window = MainWindow(persistence.open_project(sample_project),
                        prompts=Prompts(confirm_close=lambda _name: "discard",
                                        search_folder=lambda: tmp_path / "elsewhere"))
    qtbot.addWidget(window)
    rows = lambda: [window.media_list.item(i).text()  # noqa: E731
                    for i in range(window.media_list.count())]
    assert "clip-2.mp4 (clip) — offline" in rows()
    assert window.action_set["relink"].isEnabled()
    window.action_set["relink"].trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "Relinked 1 file.",
                    timeout=15000)
    media = window.project.media["media-clip-2"]
    assert (sample_project.parent / media.path).resolve() == (moved / "renamed.mp4").resolve()
    assert "clip-2.mp4 (clip)" in rows() and not window.action_set["relink"].isEnabled()
    window.action_set["undo"].trigger()
    assert window.project.media["media-clip-2"].path == "media/clip-2.mp4"
    assert "clip-2.mp4 (clip) — offline" in rows()  # undo shows it offline again


def test_takes_in_the_inspector_show_their_first_frame(qtbot: QtBot, window: MainWindow,
                                                       sample_project: Path) -> None:
    from studio.document.model import Take
    from studio.ui.commands import AddTakeCommand

    takes = sample_project.parent / "takes"
    takes.mkdir(exist_ok=True)
    for number, status in ((1, "done"), (2, "done"), (3, "failed")):
        if status == "done":
            shutil.copy(sample_project.parent / "media" / f"clip-{number}.mp4",
                        takes / f"t{number}.mp4")
        window.session.push(AddTakeCommand(window.project, "shot-1", Take(
            id=f"take-{number}", job_id=f"job-{number}", path=f"takes/t{number}.mp4",
            spec_hash="sha256:0", status=status, created="2026-12-01T10:00:00Z")))
    window.timeline.set_selection(["shot-1"])
    rows = window.inspector.takes.list
    assert rows.count() == 3
    qtbot.waitUntil(lambda: not rows.item(0).icon().isNull()
                    and not rows.item(1).icon().isNull(), timeout=15000)
    assert rows.item(2).icon().isNull()  # a failed take has no video to show
    colours = []
    for i in (0, 1):  # the sample's first clip is blue, its second green
        image = rows.item(i).icon().pixmap(64, 36).toImage()
        colour = image.pixelColor(32, 10)
        colours.append("blue" if colour.blue() > colour.green() else "green")
    assert colours == ["blue", "green"]
