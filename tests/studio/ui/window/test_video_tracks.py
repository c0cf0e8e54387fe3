"""Two video tracks from the window: a still put on an added V2 covers V1 in the viewer and in
the rendered frames the export reads, V1 shows where V2 is empty, and undoing the track's
addition shows V1 again."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from studio.render.timeline import render_frames
from studio.ui.window.main_window import MainWindow


def _colour(rgb: np.ndarray) -> str:
    """The sample's blues (clip 1, still 1) or oranges (still 2), by the top-left corner."""
    red, _green, blue = rgb[4:20, 4:20].reshape(-1, 3).mean(axis=0)
    return "orange" if red > blue + 40 else "blue" if blue > red + 40 else "other"


def _viewer_rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), np.uint8)  # type: ignore[call-overload]
    return data.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(
        image.height(), image.width(), 3).copy()


def _shows(qtbot: QtBot, window: MainWindow, frame: int, colour: str) -> None:
    """Wait until the viewer shows ``colour`` at ``frame`` (after an edit the frame it shows is
    rendered again, so the old picture may be up for a moment)."""
    window.timeline.set_playhead(frame)
    viewer = window.viewer

    def shown() -> bool:
        image = viewer.image
        return viewer.shown_frame == frame and image is not None and \
            _colour(_viewer_rgb(image)) == colour

    qtbot.waitUntil(shown, timeout=15000)


def test_the_top_track_covers_the_one_below_in_viewer_and_render(
        qtbot: QtBot, window: MainWindow) -> None:
    _shows(qtbot, window, 30, "blue")  # clip 1 on V1
    window.action_set["add_video_track"].trigger()
    v2 = window.project.timeline.tracks[-1]
    assert v2.name == "V2"
    assert window.edits.add_media_to_timeline(["media-still-2"], v2.id, 10)  # frames 10-81
    _shows(qtbot, window, 30, "orange")
    _shows(qtbot, window, 5, "blue")  # V2 is empty there: V1 shows
    frames = list(render_frames(window.project, window.session.folder, width=128, height=72))
    assert [_colour(frames[f]) for f in (5, 10, 30, 81)] == ["blue", "orange", "orange",
                                                            "orange"]
    assert _colour(frames[82]) != "orange"  # V1's own item again after the still
    window.action_set["undo"].trigger()  # the still
    window.action_set["undo"].trigger()  # the track
    assert len(window.project.timeline.tracks) == 1
    _shows(qtbot, window, 30, "blue")
