"""File > Export Frame: the frame at the playhead at the project's size, saved as a PNG in the
project's frames folder and added to the media bin as a still, in one undo step."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage, QKeySequence

from studio.render.preview import frame_at
from studio.ui.window.main_window import MainWindow


def _pixels(path: object) -> np.ndarray:
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                              image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def test_the_frame_at_the_playhead_is_saved_and_added_as_a_still(window: MainWindow) -> None:
    action = window.action_set["export_frame"]
    assert action.shortcut() == QKeySequence("Ctrl+Shift+E")
    project, session = window.project, window.session
    window.timeline.set_playhead(30)  # inside the sample's first clip
    before = set(project.media)
    action.trigger()
    [added] = set(project.media) - before
    still = project.media[added]
    assert still.kind == "still" and still.path == "frames/Sample 00-00-01-06.png"
    saved = session.folder / still.path
    picture = _pixels(saved)
    assert picture.shape == (project.height, project.width, 3)
    assert np.array_equal(picture, frame_at(project, session.folder, 30))  # lossless
    assert window.statusBar().currentMessage() == (
        "Frame 00:00:01:06 saved as frames/Sample 00-00-01-06.png and added to the media bin.")
    action.trigger()  # the same frame again: a second file, not an overwrite
    assert (session.folder / "frames/Sample 00-00-01-06 (2).png").is_file()
    window.action_set["undo"].trigger()
    window.action_set["undo"].trigger()
    assert set(project.media) == before and saved.is_file()  # undo keeps the file


def test_past_the_end_nothing_is_written(window: MainWindow) -> None:
    window.timeline.set_playhead(window.project.timeline.duration)
    steps = window.session.stack.count()
    assert window.edits.frames.export_frame() is None
    assert window.statusBar().currentMessage() == (
        f"Frame {window.project.timeline.duration} lies outside the timeline's "
        f"{window.project.timeline.duration} frames; move the playhead onto a frame.")
    assert not (window.session.folder / "frames").exists()
    assert window.session.stack.count() == steps
