"""Audio files in the window: File > Import and drops take WAV, MP3... into the bin, and a sound
goes on an audio track (one made when there is none) as one undo step; a damaged file is
refused in one sentence and nothing changes."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from studio.document import serialize
from studio.document.model import AudioItem, Gap
from studio.ui.window.main_window import MainWindow
from support.sound import write_encoded


def _state(window: MainWindow) -> str:
    return json.dumps(serialize.encode(window.project), sort_keys=True)


def _drop(window: MainWindow, data: QMimeData, track_id: str, frame: int) -> None:
    view = window.timeline
    x = view.viewport.frame_to_x(frame)
    event = QDropEvent(QPointF(x, view.row_rect(track_id).center().y()),
                       Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)


def _sounds(window: MainWindow) -> list[tuple[int, str, int]]:
    """``(start, media name, duration)`` of each sound on A1."""
    track = window.project.timeline.audio_tracks[0]
    return [(start, window.project.media[item.media_id].name, item.duration)
            for _i, start, item in track.layout() if isinstance(item, AudioItem)]


def _row(window: MainWindow, name: str) -> int:
    rows = window.media_list
    return next(i for i in range(rows.count()) if rows.item(i).text().startswith(name))


def test_imported_sound_goes_on_a_new_audio_track_as_one_step(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    files = [write_encoded(tmp_path / n) for n in ("tone.wav", "tone.mp3", "tone.opus")]
    assert window.import_media(files)
    rows = window.media_list
    texts = sorted(rows.item(i).text() for i in range(rows.count()))
    assert {"tone.wav (audio)", "tone.mp3 (audio)", "tone.opus (audio)"} <= set(texts)
    wav = rows.item(_row(window, "tone.wav"))
    qtbot.waitUntil(lambda: not wav.icon().isNull(), timeout=15000)  # its waveform
    image = wav.icon().pixmap(80, 45).toImage()
    column = [image.pixelColor(40, y).green() for y in range(45)]
    assert max(column) > 200 and min(column) < 150  # a light waveform on the dark tile
    assert not window.project.timeline.audio_tracks
    before, video = _state(window), list(window.project.timeline.tracks[0].items)
    window.timeline.set_playhead(48)
    rows.itemDoubleClicked.emit(rows.item(_row(window, "tone.wav")))
    assert [t.name for t in window.project.timeline.audio_tracks] == ["A1"]
    assert _sounds(window) == [(48, "tone.wav", 36)]  # 1.5 s at 24 fps
    assert window.project.timeline.tracks[0].items == video  # the pictures are untouched
    assert window.timeline.playhead == 84
    assert window.session.stack.undoText() == "Add to timeline"
    outline = window.outline
    outline.refill()
    a1 = outline.topLevelItem(outline.topLevelItemCount() - 1)
    assert (a1.text(0), a1.text(1), a1.child(a1.childCount() - 1).text(0),
            a1.child(a1.childCount() - 1).text(1)) == ("A1", "audio track", "tone.wav", "sound")
    window.action_set["undo"].trigger()  # the track and the sound go together
    assert _state(window) == before


def test_a_sound_dragged_onto_a_video_row_lands_on_the_audio_track(
        window: MainWindow, tmp_path: Path) -> None:
    window.import_media([write_encoded(tmp_path / "tone.flac"),
                         write_encoded(tmp_path / "tone.m4a")])
    rows = window.media_list
    picked = [rows.item(_row(window, "tone.flac")), rows.item(_row(window, "tone.m4a"))]
    _drop(window, rows.mimeData(picked), window.project.timeline.tracks[0].id, 24)
    assert [(s, n) for s, n, _d in _sounds(window)] == [(24, "tone.flac"), (60, "tone.m4a")]
    assert window.session.stack.count() == 2  # the import, then the placing
    # Dropped on A1 itself, a sound goes where it is dropped; the sounds after it move on.
    a1 = window.project.timeline.audio_tracks[0].id
    _drop(window, rows.mimeData([rows.item(_row(window, "tone.flac"))]), a1, 0)
    assert [s for s, _n, _d in _sounds(window)] == [0, 60, 96]
    assert len(window.project.timeline.audio_tracks) == 1


def test_an_audio_file_dropped_from_the_file_manager_is_imported_and_placed(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.import_media([write_encoded(tmp_path / "tone.wav")])
    window.media_list.itemDoubleClicked.emit(window.media_list.item(_row(window, "tone.wav")))
    a1 = window.project.timeline.audio_tracks[0]
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(write_encoded(tmp_path / "tone.aac")))])
    _drop(window, data, a1.id, 100)
    qtbot.waitUntil(lambda: len(_sounds(window)) == 2, timeout=15000)
    assert _sounds(window)[1][:2] == (100, "tone.aac")
    assert isinstance(a1.items[1], Gap)


def test_a_damaged_sound_is_refused_and_nothing_is_imported(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    good = write_encoded(tmp_path / "tone.wav")
    bad = tmp_path / "broken.mp3"
    bad.write_bytes(write_encoded(tmp_path / "tone.mp3").read_bytes()[:300])
    before, steps = _state(window), window.session.stack.count()
    assert not window.import_media([good, bad])
    message = window.statusBar().currentMessage()
    assert message == ("broken.mp3 is not a video, image or audio file the studio can read, "
                       "or it is damaged or truncated.")
    assert _state(window) == before and window.session.stack.count() == steps
    data = QMimeData()  # the same through a drop on the window (probed in the background)
    data.setUrls([QUrl.fromLocalFile(str(good)), QUrl.fromLocalFile(str(bad))])
    window.statusBar().clearMessage()
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == message, timeout=15000)
    assert _state(window) == before and window.session.stack.count() == steps
