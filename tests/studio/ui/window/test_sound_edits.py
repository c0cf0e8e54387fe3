"""Sound from the window: a sound's gain and fades (in frames or seconds) and its track's gain in
the inspector, an audio track's gain when its row is clicked, and Unlink Sound / Relink Sound
from the Edit menu and the timeline's right-click menu; each one undo step, undone exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from studio.document import serialize
from studio.document.model import AudioItem, Clip
from studio.ui.timeline import timeline_paint
from studio.ui.timeline.timeline_fades import HANDLE_PX, fade_handles, waveform_area
from studio.ui.window.main_window import MainWindow
from support.takes import write_take

FRAMES = 48  # of the clip with sound, at the sample's 24 fps


def _state(window: MainWindow) -> str:
    return json.dumps(serialize.encode(window.project), sort_keys=True)


@pytest.fixture
def pair(window: MainWindow, tmp_path: Path) -> tuple[str, str]:
    """``(clip id, sound id)``: a clip with sound put at the end of V1, its sound linked under
    it on A1 (made for it)."""
    assert window.import_media([write_take(tmp_path / "talk.mp4", sound=True, frames=FRAMES)])
    media_id = next(m.id for m in window.project.media.values() if m.name == "talk.mp4")
    v1 = window.project.timeline.tracks[0]
    assert window.edits.add_media_to_timeline([media_id], v1.id, v1.duration)
    clip = next(e for e in window.project.timeline.tracks[0].items
                if isinstance(e, Clip) and e.media_id == media_id)
    [sound] = [s for t in window.project.timeline.audio_tracks for s in t.items
               if isinstance(s, AudioItem)]
    assert sound.link == clip.id and sound.duration == FRAMES
    return clip.id, sound.id


def _sound(window: MainWindow, sound_id: str) -> AudioItem:
    item = window.project.find(sound_id)[2]
    assert isinstance(item, AudioItem)
    return item


def test_gain_and_fades_of_a_sound_each_one_undo_step(window: MainWindow,
                                                      pair: tuple[str, str]) -> None:
    _clip, sound_id = pair
    window.timeline.set_selection([sound_id])
    inspector, editor, stack = window.inspector, window.inspector.sound, window.session.stack
    assert inspector.title.text() == f"sound talk.mp4, {FRAMES} frames"
    assert editor.gain.isEnabled() and editor.fades.isEnabled()
    assert inspector.form.isRowVisible(editor.gain)
    before, steps = _state(window), stack.count()
    editor.gain.setValue(-6.0)
    assert _sound(window, sound_id).gain_db == -6.0
    assert stack.count() == steps + 1 and stack.undoText() == "Sound settings"
    editor.fade_in.setValue(12)  # frames
    assert (_sound(window, sound_id).fade_in, stack.count()) == (12, steps + 2)
    editor.units.setCurrentText("seconds")
    assert editor.fade_in.value() == 0.5 and editor.fade_in.suffix() == " s"
    editor.fade_out.setValue(0.75)  # 18 frames at 24 fps
    assert (_sound(window, sound_id).fade_out, stack.count()) == (18, steps + 3)
    editor.fade_out.setValue(1.9)  # 12 + 46 frames are more than the sound's 48: refused
    assert window.statusBar().currentMessage() == (
        f"The fades must be whole frames that fit in the sound's {FRAMES} frames.")
    assert _sound(window, sound_id).fade_out == 18 and editor.fade_out.value() == 0.75
    assert stack.count() == steps + 3
    window.action_set["undo"].trigger()
    assert _sound(window, sound_id).fade_out == 0 and editor.fade_out.value() == 0.0
    for _ in range(2):
        window.action_set["undo"].trigger()
    assert _state(window) == before and editor.gain.value() == 0.0


def test_a_run_of_steps_in_one_box_is_one_undo_step(window: MainWindow,
                                                    pair: tuple[str, str]) -> None:
    _clip, sound_id = pair
    window.timeline.set_selection([sound_id])
    editor, stack = window.inspector.sound, window.session.stack
    before, steps = _state(window), stack.count()
    for _ in range(5):  # the up arrow held: a frame a step
        editor.fade_in.stepBy(1)
    assert _sound(window, sound_id).fade_in == 5
    assert stack.count() == steps + 1
    for _ in range(3):
        editor.gain.stepBy(-1)
    assert stack.count() == steps + 2  # another box: its own step
    gain = _sound(window, sound_id).gain_db
    assert gain < 0
    editor.fade_in.stepBy(1)  # back to the fade box: a new step, after the gain's
    assert (_sound(window, sound_id).fade_in, stack.count()) == (6, steps + 3)
    window.action_set["undo"].trigger()
    assert (_sound(window, sound_id).fade_in, _sound(window, sound_id).gain_db) == (5, gain)
    window.action_set["undo"].trigger()
    assert _sound(window, sound_id).gain_db == 0.0 and editor.gain.value() == 0.0
    window.action_set["undo"].trigger()
    assert _state(window) == before and editor.fade_in.value() == 0.0


def test_track_gain_with_a_sound_selected_or_its_row_clicked(window: MainWindow,
                                                            pair: tuple[str, str]) -> None:
    _clip, sound_id = pair
    a1 = window.project.timeline.audio_tracks[0]
    window.timeline.set_selection([sound_id])
    editor, stack = window.inspector.sound, window.session.stack
    before, steps = _state(window), stack.count()
    editor.track_gain.setValue(-3.0)
    assert window.project.timeline.audio_tracks[0].gain_db == -3.0
    assert stack.count() == steps + 1 and stack.undoText() == "Track settings"
    # A click on A1's header (over the empty time before the sound) shows the track alone.
    row = window.timeline.row_rect(a1.id)
    QTest.mouseClick(window.timeline, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(row.left()) + 8, int(row.center().y())))
    assert sound_id not in window.timeline.selection
    assert window.inspector.title.text() == "audio track A1"
    assert window.inspector.form.isRowVisible(editor.track_gain)
    assert not window.inspector.form.isRowVisible(editor.gain)
    assert editor.track_gain.value() == -3.0
    editor.track_gain.setValue(4.5)
    assert window.project.timeline.audio_tracks[0].gain_db == 4.5
    assert stack.count() == steps + 1  # the same box again, nothing between: one step
    window.action_set["undo"].trigger()
    assert _state(window) == before
    assert editor.track_gain.value() == 0.0  # the inspector follows undo
    # A video row's item shows no gain.
    row = window.timeline.row_rect(window.project.timeline.tracks[0].id)
    QTest.mouseClick(window.timeline, Qt.MouseButton.LeftButton,
                     pos=QPoint(int(row.left()) + 8, int(row.center().y())))
    assert not window.inspector.title.text().startswith("audio track")
    assert not window.inspector.form.isRowVisible(editor.track_gain)


def test_unlink_and_relink_a_clip_and_its_sound(window: MainWindow,
                                                pair: tuple[str, str]) -> None:
    clip_id, sound_id = pair
    actions, stack = window.action_set, window.session.stack
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "Edit")
    for where in ([a.objectName() for a in window.timeline.actions()],
                  [a.objectName() for a in edit_menu.actions()]):
        assert {"unlink_sound", "relink_sound"} <= set(where)  # right-click menu, Edit menu
    card = window.timeline.item_rect(clip_id)
    assert card is not None
    QTest.mousePress(window.timeline, Qt.MouseButton.RightButton,  # before its context menu
                     pos=QPoint(int(card.center().x()), int(card.center().y())))
    assert window.timeline.selection == [clip_id]
    assert actions["unlink_sound"].isEnabled() and not actions["relink_sound"].isEnabled()
    before, steps = _state(window), stack.count()
    actions["unlink_sound"].trigger()
    assert _sound(window, sound_id).link is None
    assert stack.count() == steps + 1 and stack.undoText() == "Unlink"
    assert window.statusBar().currentMessage() == "Unlinked 1 sound; each now moves on its own."
    assert not actions["unlink_sound"].isEnabled() and actions["relink_sound"].isEnabled()
    # Unlinked, the clip moves alone.
    v1 = window.project.timeline.tracks[0].id
    start = window.project.timeline.tracks[0].duration - FRAMES
    window.timeline.move_requested.emit(clip_id, v1, start + 10, 99, True, False)
    a1 = window.project.timeline.audio_tracks[0]
    assert [s for _i, s, e in a1.layout() if e.id == sound_id] == [start]
    window.action_set["undo"].trigger()  # back under the clip: Relink finds it there
    actions["relink_sound"].trigger()
    assert _sound(window, sound_id).link == clip_id
    assert stack.count() == steps + 2 and stack.undoText() == "Relink"
    assert window.statusBar().currentMessage() == (
        "Relinked 1 sound; each moves with its picture again.")
    window.action_set["undo"].trigger()
    window.action_set["undo"].trigger()
    assert _state(window) == before


def test_relink_a_sound_moved_away_to_the_selected_clip(window: MainWindow,
                                                        pair: tuple[str, str]) -> None:
    clip_id, sound_id = pair
    actions = window.action_set
    window.timeline.set_selection([sound_id])  # the sound alone: it is what gets unlinked
    actions["unlink_sound"].trigger()
    a1 = window.project.timeline.audio_tracks[0].id
    window.timeline.move_requested.emit(sound_id, a1, 0, 98, True, False)
    window.timeline.set_selection([sound_id])
    assert not actions["relink_sound"].isEnabled()  # no picture lies with it now
    window.timeline.set_selection([clip_id, sound_id])
    assert actions["relink_sound"].isEnabled()
    steps = window.session.stack.count()
    actions["relink_sound"].trigger()
    assert _sound(window, sound_id).link == clip_id
    assert window.session.stack.count() == steps + 1


def _drag(qtbot, view, start: QPointF, end: QPointF) -> None:  # type: ignore[no-untyped-def]
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start.toPoint())
    for n in range(1, 6):
        at = start + (end - start) * n / 5
        QApplication.sendEvent(view, QMouseEvent(
            QMouseEvent.Type.MouseMove, at, view.mapToGlobal(at), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end.toPoint())


def test_a_fade_handle_dragged_on_the_timeline_sets_the_fade(qtbot, window: MainWindow,
                                                             pair: tuple[str, str]) -> None:
    _clip, sound_id = pair
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    view, ppf = window.timeline, 4.0
    view.set_pixels_per_frame(ppf)
    view.set_scroll(0)
    before, steps = _state(window), window.session.stack.count()

    def handles() -> dict[str, QPointF]:
        rect = view.item_rect(sound_id)
        area = waveform_area(rect, timeline_paint.sound_label_height(rect, view.fontMetrics()))
        return {field: point + QPointF(0, HANDLE_PX)  # the square's middle
                for field, point in fade_handles(area, _sound(window, sound_id), ppf).items()}

    start = handles()["fade_in"]
    _drag(qtbot, view, start, start + QPointF(12 * ppf, 0))  # 12 frames in
    assert _sound(window, sound_id).fade_in == 12
    assert window.session.stack.count() == steps + 1  # one drag, one step
    assert view.selection == [sound_id]
    start = handles()["fade_out"]
    _drag(qtbot, view, start, start - QPointF(400 * ppf, 0))  # far past the other fade
    assert _sound(window, sound_id).fade_out == FRAMES - 12  # what fade in leaves
    assert window.session.stack.count() == steps + 2
    assert window.inspector.sound.fade_out.value() == FRAMES - 12  # the inspector follows
    window.action_set["undo"].trigger()
    window.action_set["undo"].trigger()
    assert _state(window) == before


@pytest.mark.parametrize("with_sound_selected", [False, True])
def test_a_nudged_clip_takes_its_sound_along_once(window: MainWindow, pair: tuple[str, str],
                                                  with_sound_selected: bool) -> None:
    clip_id, sound_id = pair

    def start(item_id: str) -> int:
        track, index, _entry = window.project.find(item_id)
        return track.start_of(index)

    clip_at, sound_at = start(clip_id), start(sound_id)
    window.timeline.set_selection([clip_id, sound_id] if with_sound_selected else [clip_id])
    window.action_set["nudge_right"].trigger()
    assert (start(clip_id), start(sound_id)) == (clip_at + 1, sound_at + 1)
    assert window.session.stack.undoText() == "Nudge"
    window.action_set["undo"].trigger()
    assert (start(clip_id), start(sound_id)) == (clip_at, sound_at)


@pytest.mark.parametrize("with_sound_selected", [False, True])
def test_w_trims_a_clip_and_its_sound_once(window: MainWindow, pair: tuple[str, str],
                                           with_sound_selected: bool) -> None:
    clip_id, sound_id = pair
    track, index, _clip = window.project.find(clip_id)
    window.timeline.set_playhead(track.start_of(index) + 20)
    window.timeline.set_selection([clip_id, sound_id] if with_sound_selected else [clip_id])
    window.action_set["trim_end"].trigger()
    assert window.project.find(clip_id)[2].duration == 20
    assert _sound(window, sound_id).duration == 20
    window.action_set["undo"].trigger()
    assert _sound(window, sound_id).duration == FRAMES


def test_paste_insert_of_a_clip_with_sound_keeps_every_sound_with_its_clip(
        window: MainWindow, pair: tuple[str, str]) -> None:
    clip_id, sound_id = pair
    window.timeline.set_selection([clip_id])
    window.action_set["copy"].trigger()
    window.timeline.set_playhead(10)  # inside the sample's first clip
    window.action_set["paste_insert"].trigger()
    starts = {item.id: start for track in window.project.timeline.all_tracks()
              for _i, start, item in track.layout()}
    sounds = [item for track in window.project.timeline.audio_tracks for item in track.items
              if isinstance(item, AudioItem)]
    assert len(sounds) == 2 and all(starts[s.id] == starts[s.link] for s in sounds)
    assert starts[sound_id] == starts[clip_id] == 216 + FRAMES
