"""The viewer shows the exact frame at the playhead, follows edits, and plays by the clock."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from studio import sample
from studio.ui import commands
from studio.ui.window.main_window import MainWindow

CLIP_2_START = 144


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                              image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3)


def _code(window: MainWindow) -> int:
    assert window.viewer.image is not None
    return sample.read_frame_code(_pixels(window.viewer.image))


def _hue(window: MainWindow) -> str:
    """The sample's first clip is blue, its second green."""
    if window.viewer.image is None:
        return ""
    mean = _pixels(window.viewer.image).reshape(-1, 3).mean(axis=0)
    return ("red", "green", "blue")[int(mean.argmax())]


def test_the_viewer_shows_the_frame_at_the_playhead(qtbot: QtBot, window: MainWindow) -> None:
    for frame in (150, 200, 144, 215):
        window.timeline.set_playhead(frame)
        qtbot.waitUntil(lambda f=frame: window.viewer.shown_frame == f, timeout=10000)
        assert _code(window) == frame - CLIP_2_START
    window.action_set["step_back"].trigger()
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 214, timeout=10000)
    assert _code(window) == 70


def test_an_edit_shows_at_once_and_undo_brings_it_back(qtbot: QtBot, window: MainWindow) -> None:
    window.timeline.set_playhead(100)  # the shot's prompt card
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 100, timeout=10000)
    card = _pixels(window.viewer.image).copy()  # type: ignore[arg-type]
    window.timeline.set_selection(["clip-1"])
    window.action_set["ripple_delete"].trigger()  # clip 2 now starts at 96
    qtbot.waitUntil(lambda: window.viewer.image is not None and _code(window) == 4,
                    timeout=10000)
    window.action_set["undo"].trigger()
    qtbot.waitUntil(lambda: np.array_equal(_pixels(window.viewer.image), card),  # type: ignore[arg-type]
                    timeout=10000)


def test_play_moves_the_playhead_with_the_clock_and_stops_at_the_end(
        qtbot: QtBot, window: MainWindow) -> None:
    shown: list[int] = []
    window.viewer.frame_shown.connect(shown.append)
    window.timeline.set_playhead(150)
    window.action_set["play_pause"].trigger()  # Space
    assert window.playback.playing
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=15000)  # 66 frames: 2.75 s
    assert window.timeline.playhead == 215
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 215, timeout=10000)
    assert len(shown) >= 5 and shown == sorted(shown)  # frames came in order, some dropped

    window.action_set["shuttle_back"].trigger()  # J plays backward, J again doubles
    window.action_set["shuttle_back"].trigger()
    assert window.playback.speed == -2.0
    qtbot.waitUntil(lambda: window.timeline.playhead < 200, timeout=10000)
    window.action_set["shuttle_stop"].trigger()  # K
    assert not window.playback.playing
    window.action_set["shuttle_forward"].trigger()  # L
    assert window.playback.speed == 1.0
    window.action_set["play_pause"].trigger()
    assert not window.playback.playing


def test_offline_media_is_said_in_the_viewer(qtbot: QtBot, window: MainWindow) -> None:
    assert window.session.path is not None
    (window.session.path.parent / "media" / "clip-2.mp4").unlink()
    window.timeline.set_selection(["gap-1"])
    window.action_set["ripple_delete"].trigger()  # an edit: the viewer looks again
    qtbot.waitUntil(lambda: "offline" in window.viewer.error, timeout=10000)
    assert window.viewer.image is None


def test_a_take_shows_in_the_viewer_before_it_is_chosen(
        qtbot: QtBot, window: MainWindow, sample_project: Path) -> None:
    from studio.document.model import Take
    from studio.ui.commands import AddTakeCommand

    takes = sample_project.parent / "takes"
    takes.mkdir(exist_ok=True)
    for number in (1, 2):  # takes that are the sample's clips: frame codes tell them apart
        shutil.copy(sample_project.parent / "media" / f"clip-{number}.mp4",
                    takes / f"t{number}.mp4")
        window.session.push(AddTakeCommand(window.project, "shot-1", Take(
            id=f"take-{number}", job_id=f"job-{number}", path=f"takes/t{number}.mp4",
            spec_hash="sha256:0", status="done", created="2026-12-01T10:00:00Z")))
    window.timeline.set_selection(["shot-1"])  # the shot plays frames 84-131; take 2 active
    window.timeline.set_playhead(94)
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 94 and _hue(window) == "green",
                    timeout=10000)
    assert _code(window) == 10  # 10 frames into the shot
    window.inspector.takes.list.setCurrentRow(0)  # take 1, not chosen: the viewer shows it
    assert window.viewer.take == ("shot-1", "take-1")
    qtbot.waitUntil(lambda: _hue(window) == "blue", timeout=10000)
    assert window.viewer.shown_frame == 94 and _code(window) == 10
    window.inspector.takes.list.setCurrentRow(1)  # the chosen take: back to the timeline
    assert window.viewer.take is None
    window.inspector.takes.list.setCurrentRow(0)
    window.timeline.set_selection(["clip-1"])  # another item: back to the timeline
    assert window.viewer.take is None


def _big_window(qtbot: QtBot, sample_project: Path) -> MainWindow:
    from studio.document import persistence
    from studio.ui.window.prompts import Prompts

    opened = persistence.open_project(sample_project)
    opened.project.width, opened.project.height = 1920, 1080  # bigger than the preview size
    window = MainWindow(opened, prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(window)
    window.resize(2400, 1500)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)  # the docks take their shares of the new size (chrome.DockShares)
    return window


def test_a_resting_playhead_is_rendered_again_at_the_viewers_size(
        qtbot: QtBot, sample_project: Path) -> None:
    from studio.ui.viewer.viewer import sharp_size

    window = _big_window(qtbot, sample_project)
    viewer = window.viewer
    target = sharp_size(1920, 1080, viewer._worker.detail)
    assert target is not None and target[0] > 640
    window.timeline.set_playhead(200)
    qtbot.waitUntil(lambda: viewer.shown_frame == 200 and viewer.sharp, timeout=15000)
    assert viewer.image is not None and (viewer.image.width(), viewer.image.height()) == target
    assert _code(window) == 200 - CLIP_2_START  # still exactly the frame at the playhead
    window.timeline.set_playhead(150)  # the preview size first, then sharp again
    qtbot.waitUntil(lambda: viewer.shown_frame == 150, timeout=15000)
    qtbot.waitUntil(lambda: viewer.sharp, timeout=15000)
    assert _code(window) == 150 - CLIP_2_START
    window.close()


def test_frames_asked_for_without_a_rest_are_not_sharpened(sample_project: Path) -> None:
    import threading
    import time

    from studio.document import persistence
    from studio.render.preview import snapshot
    from studio.ui.viewer.viewer import REST_S, _Worker

    project = persistence.open_project(sample_project).project
    project.width, project.height = 1920, 1080
    frozen = snapshot(project)
    delivered: list[tuple[int, bool]] = []
    done = threading.Event()

    def deliver(_version: int, frame: int, _image: object, error: str, sharp: bool) -> None:
        assert error == ""
        delivered.append((frame, sharp))
        if sharp:
            done.set()

    worker = _Worker(deliver)
    worker.detail = (1600, 900)
    worker.start()
    try:
        for frame in range(150, 170):  # playback: a request every 20 ms, faster than REST_S
            worker.want(1, frozen, sample_project.parent, frame)
            time.sleep(REST_S / 12)
        assert done.wait(30)
    finally:
        worker.stop()
        worker.join(10)
    assert [frame for frame, sharp in delivered if sharp] == [169]  # only where it rested
    assert delivered[-1] == (169, True) and (169, False) in delivered


def test_the_line_under_the_picture_names_the_marker_on_its_frame(qtbot: QtBot,
                                                                  window: MainWindow) -> None:
    window.timeline.set_playhead(12)
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 12, timeout=10000)
    assert window.viewer.label() == "00:00:00:12"
    window.action_set["add_marker"].trigger()
    assert window.viewer.label() == "00:00:00:12   marker"
    marker = window.project.timeline.markers[0]
    window.session.push(commands.UpdateMarkerCommand(window.project, marker.id, name="beat"))
    assert window.viewer.label() == "00:00:00:12   marker: beat"
    window.timeline.set_playhead(13)
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 13, timeout=10000)
    assert window.viewer.label() == "00:00:00:13"
