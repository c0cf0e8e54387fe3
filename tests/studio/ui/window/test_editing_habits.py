"""The editor's habits (issue 20, items 8-10): In/Out marks drawn and played, lift and ripple
delete, Home/End/Up/Down, the clipboard, a named Undo, and ripple or overwrite by modifier."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio.document.model import Clip, Gap
from studio.ui.timeline.timeline_geometry import RULER_HEIGHT
from studio.ui.window.main_window import MainWindow

PPF = 4.0  # the sample's 216 frames are 864 px


def _shown(qtbot: QtBot, window: MainWindow) -> MainWindow:
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.timeline.set_pixels_per_frame(PPF)
    window.timeline.set_scroll(0)
    return window


def _starts(window: MainWindow) -> dict[str, int]:
    return {item.id: start for _i, start, item in window.project.timeline.tracks[0].layout()}


def test_in_and_out_are_drawn_on_the_ruler(qtbot: QtBot, window: MainWindow) -> None:
    timeline = _shown(qtbot, window).timeline
    before = timeline.grab().toImage()
    timeline.set_playhead(24)
    window.action_set["set_in"].trigger()
    timeline.set_playhead(72)
    window.action_set["set_out"].trigger()
    assert timeline.marks == (24, 72) and window.transport.marked_range() == (24, 72)
    timeline.set_playhead(0)  # the playhead's own line stays clear of the places looked at
    after = timeline.grab().toImage()
    inside, outside, y = int(48 * PPF), int(150 * PPF), RULER_HEIGHT // 2 - 8
    assert after.pixelColor(inside, y) != before.pixelColor(inside, y)  # shaded
    assert after.pixelColor(outside, y) == before.pixelColor(outside, y)
    window.action_set["clear_marks"].trigger()
    assert timeline.marks == (None, None) and window.transport.marked_range() is None


def test_playback_stops_at_out_or_loops_between_the_marks(qtbot: QtBot,
                                                          window: MainWindow) -> None:
    timeline = window.timeline
    for frame, mark in ((40, "set_in"), (52, "set_out")):
        timeline.set_playhead(frame)
        window.action_set[mark].trigger()
    timeline.set_playhead(100)  # outside the marks: playback starts at In
    window.action_set["play_pause"].trigger()
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=5000)  # 12 frames: 0.5 s
    assert timeline.playhead == 52  # Out is the last frame played
    seen: list[int] = []
    timeline.playhead_moved.connect(seen.append)
    window.action_set["loop_playback"].trigger()
    assert window.action_set["loop_playback"].isChecked() and window.playback.loop
    window.action_set["play_pause"].trigger()  # at Out: starts again from In, and loops
    qtbot.waitUntil(lambda: 52 in seen and seen[-1] < 50 and seen.index(52) < len(seen) - 1,
                    timeout=5000)
    window.action_set["play_pause"].trigger()
    assert not window.playback.playing and all(40 <= f <= 52 for f in seen)


def test_delete_lifts_and_backspace_ripples(window: MainWindow) -> None:
    assert window.action_set["lift"].shortcuts() == [QKeySequence("Delete")]
    assert QKeySequence("Backspace") in window.action_set["ripple_delete"].shortcuts()
    starts = _starts(window)
    window.timeline.set_selection(["still-1"])
    window.action_set["lift"].trigger()
    after = _starts(window)
    assert "still-1" not in after and after["clip-2"] == starts["clip-2"]  # nothing moved
    track = window.project.timeline.tracks[0]
    assert isinstance(track.items[track.index_of("shot-1") - 1], Gap)
    assert window.action_set["undo"].text() == "&Undo Lift"
    window.action_set["undo"].trigger()
    window.timeline.set_selection(["still-1"])
    window.action_set["ripple_delete"].trigger()
    assert _starts(window)["clip-2"] == starts["clip-2"] - 36  # the hole closed


def test_home_end_up_down_move_the_playhead(window: MainWindow) -> None:
    timeline, actions = window.timeline, window.action_set
    assert [actions[i].shortcut().toString() for i in
            ("go_to_start", "go_to_end", "previous_edit", "next_edit")] == \
        ["Home", "End", "Up", "Down"]
    timeline.set_playhead(60)  # inside still 1 (48-84)
    actions["next_edit"].trigger()
    assert timeline.playhead == 84
    actions["next_edit"].trigger()
    assert timeline.playhead == 132  # the shot's end, where the gap starts
    actions["previous_edit"].trigger()
    actions["previous_edit"].trigger()
    assert timeline.playhead == 48
    actions["go_to_end"].trigger()
    assert timeline.playhead == 216
    actions["go_to_start"].trigger()
    assert timeline.playhead == 0


def test_copy_and_paste_put_a_new_item_at_the_playhead_in_one_step(window: MainWindow) -> None:
    actions = window.action_set
    assert not actions["paste"].isEnabled()
    window.timeline.set_selection(["clip-1"])
    actions["copy"].trigger()
    assert actions["paste"].isEnabled()
    window.timeline.set_playhead(216)  # the end of the track
    count = window.session.stack.count()
    actions["paste"].trigger()
    track = window.project.timeline.tracks[0]
    pasted = track.items[-1]
    original = window.project.find("clip-1")[2]
    assert isinstance(pasted, Clip) and pasted.id != "clip-1"
    assert (pasted.media_id, pasted.source) == (original.media_id, original.source)
    assert track.start_of(len(track.items) - 1) == 216
    assert window.timeline.playhead == 216 + original.duration
    assert window.session.stack.count() == count + 1
    assert actions["undo"].text() == "&Undo Paste"
    window.timeline.set_selection(["still-1"])
    actions["cut"].trigger()  # copied, then lifted: its gap stays
    assert "still-1" not in _starts(window) and _starts(window)["shot-1"] == 84
    window.timeline.set_playhead(0)
    actions["paste"].trigger()  # over clip 1's first 36 frames
    assert window.project.timeline.tracks[0].items[0].duration == 36
    actions["select_all"].trigger()
    assert "clip-2" in window.timeline.selection and "gap-1" not in window.timeline.selection


def test_the_undo_action_names_the_step(window: MainWindow) -> None:
    actions = window.action_set
    assert actions["undo"].text() == "&Undo"
    window.timeline.trim_requested.emit("clip-2", 0, -10, 1, True, True)
    assert actions["undo"].text() == "&Undo Trim"
    assert actions["undo"].toolTip() == "Undo Trim (Ctrl+Z)"
    actions["undo"].trigger()
    assert actions["undo"].text() == "&Undo" and actions["redo"].text() == "&Redo Trim"


def _drag(qtbot: QtBot, window: MainWindow, start: QPoint, end: QPoint, *,
          alt: bool = False) -> list[str]:
    """Drag on the timeline with Alt held (or not); returns the readouts seen on the way."""
    view = window.timeline
    modifiers = Qt.KeyboardModifier.AltModifier if alt else Qt.KeyboardModifier.NoModifier
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=start)
    readouts = []
    for n in range(1, 6):
        at = QPointF(start + (end - start) * n / 5)
        QApplication.sendEvent(view, QMouseEvent(
            QMouseEvent.Type.MouseMove, at, view.mapToGlobal(at), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, modifiers))
        readouts.append(view.drag_readout)
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=end)
    return readouts


def test_trims_ripple_and_moves_overwrite_unless_alt_is_held(qtbot: QtBot,
                                                             window: MainWindow) -> None:
    _shown(qtbot, window)
    view = window.timeline
    rect = view.item_rect("shot-1")
    edge = QPoint(int(rect.right()) - 1, int(rect.center().y()))
    readouts = _drag(qtbot, window, edge, edge - QPoint(40, 0))  # 10 frames shorter
    assert readouts[-1] == "-00:00:00:10 ripple" and view.drag_readout == ""
    assert _starts(window)["clip-2"] == 144 - 10  # rippled
    assert window.session.stack.count() == 1
    window.action_set["undo"].trigger()
    readouts = _drag(qtbot, window, edge, edge - QPoint(40, 0), alt=True)
    assert readouts[-1] == "-00:00:00:10 overwrite"
    starts = _starts(window)
    assert starts["clip-2"] == 144 and window.project.find("shot-1")[2].duration == 38
    assert window.session.stack.count() == 1  # one drag, one step
    window.action_set["undo"].trigger()

    body = view.item_rect("still-1").center().toPoint()
    seen = _drag(qtbot, window, body, body - QPoint(48 * int(PPF), 0), alt=True)
    assert seen[-1] == "-00:00:02:00 ripple"
    starts = _starts(window)
    # Inserted at 0 with the hole closed: clip 1 moves after it, nothing is overwritten.
    assert starts["still-1"] == 0 and starts["clip-1"] == 36 and starts["clip-2"] == 144


def test_menus_offer_docks_help_quit_and_context_menus(qtbot: QtBot, window: MainWindow) -> None:
    _shown(qtbot, window)
    actions = window.action_set
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "View")
    toggles = [a.text() for a in view_menu.actions() if a.isCheckable()]
    assert toggles == ["&Snapping", "Media Panel", "Timeline Panel", "Outline Panel",
                       "Inspector Panel"]
    window.docks["Inspector"].close()
    next(a for a in view_menu.actions() if a.text() == "Inspector Panel").trigger()
    assert window.docks["Inspector"].isVisible()
    dialog = window.help.show_shortcuts()
    text = window.help.text.toPlainText()
    assert dialog.isVisible() and "Ctrl+Q" in text and "Backspace" in text and "Alt while" in text
    assert actions["quit"].shortcut() == QKeySequence("Ctrl+Q")
    timeline_menu = [a.objectName() for a in window.timeline.actions() if not a.isSeparator()]
    assert timeline_menu[:3] == ["cut", "copy", "paste"] and "generate" in timeline_menu
    assert window.media_list.actions()[0] is window.media_list.add_action
    window.media_list.setCurrentRow(2)  # clip-1.mp4
    window.timeline.set_playhead(216)
    window.media_list.add_action.trigger()
    assert window.project.timeline.tracks[0].duration == 216 + 48
    actions["quit"].trigger()  # asks about the unsaved add; the test's prompt discards it
    assert not window.isVisible()


def test_the_window_opens_centred_at_a_useful_size(qtbot: QtBot, window: MainWindow) -> None:
    free = window.screen().availableGeometry()
    assert window.width() == min(free.width(), max(1280, int(free.width() * 0.8)))
    assert window.height() == min(free.height(), max(800, int(free.height() * 0.8)))
    assert abs(window.frameGeometry().center().x() - free.center().x()) <= 1 or \
        window.width() == free.width()
    _shown(qtbot, window)
    shares: list[float] = []

    def settled() -> bool:  # the docks laid out: the same share three polls running
        shares.append(window.docks["Timeline"].height() / window.height())
        return len(shares) >= 3 and shares[-1] == shares[-2] == shares[-3]

    qtbot.waitUntil(settled)
    share = shares[-1]
    window.resize(1400, 1000)
    qtbot.waitUntil(lambda: abs(window.docks["Timeline"].height() / 1000 - share) < 0.05)


def test_zoom_to_fit_has_resolve_s_and_premiere_s_keys(window: MainWindow) -> None:
    action = window.action_set["zoom_fit"]
    assert action.shortcuts() == [QKeySequence("Shift+Z"), QKeySequence("\\")]
    window.resize(1400, 800)
    window.timeline.zoom_in()
    action.trigger()
    timeline = window.timeline
    end = timeline.viewport.frame_to_x(window.project.timeline.duration)
    assert timeline.viewport.scroll == 0 and timeline.width() - 30 <= end <= timeline.width()


def test_nudge_moves_the_selection_one_frame_in_one_undo_step(window: MainWindow) -> None:
    actions, project = window.action_set, window.project
    assert actions["nudge_left"].shortcuts() == [QKeySequence(","), QKeySequence("Alt+Left")]
    assert actions["nudge_right"].shortcuts() == [QKeySequence("."), QKeySequence("Alt+Right")]

    def start(item_id: str) -> int:
        track, index, _entry = project.find(item_id)
        return track.start_of(index)

    clip2 = next(e.id for e in project.timeline.tracks[0].items
                 if getattr(e, "name", "") == "Clip 2")
    first = start(clip2)  # a gap lies before it
    window.timeline.set_selection([clip2])
    actions["nudge_left"].trigger()
    actions["nudge_left"].trigger()
    actions["nudge_right"].trigger()
    assert start(clip2) == first - 1
    assert window.session.stack.undoText() == "Nudge"
    for _ in range(3):
        actions["undo"].trigger()
    assert start(clip2) == first
    clip1 = project.timeline.tracks[0].items[0].id
    window.timeline.set_selection([clip1])  # at frame 0: nothing before it
    actions["nudge_left"].trigger()
    assert window.statusBar().currentMessage() == "Frame positions start at 0."
    stack = window.session.stack  # refused before any step opened: the redo history stays
    assert start(clip1) == 0 and (stack.index(), stack.count()) == (0, 3)
    actions["lift"].trigger()  # the lifted clip is still selected until the edit settles
    actions["nudge_right"].trigger()
    assert window.statusBar().currentMessage() == "Select the items to nudge."
    actions["copy"].trigger()
    assert window.statusBar().currentMessage() == "Select clips, stills or shots to copy."
    QApplication.processEvents()  # the view drops removed items from its selection
    assert window.timeline.selection == []


def test_snapping_starts_on_and_n_turns_it_off_and_on(window: MainWindow) -> None:
    action = window.action_set["snapping"]
    assert action.isCheckable() and action.isChecked() and window.timeline.snapping
    assert action.shortcut() == QKeySequence("N")
    action.trigger()
    assert not action.isChecked() and not window.timeline.snapping
    assert window.statusBar().currentMessage() == ("Snapping off: edges go where the pointer "
                                                   "is.")
    action.trigger()
    assert window.timeline.snapping and window.statusBar().currentMessage() == "Snapping on."


def test_q_and_w_trim_the_item_under_the_playhead_to_it_and_ripple(window: MainWindow) -> None:
    actions, timeline = window.action_set, window.timeline
    assert actions["trim_start"].shortcut() == QKeySequence("Q")
    assert actions["trim_end"].shortcut() == QKeySequence("W")
    starts = _starts(window)
    duration = {item.id: item.duration for _i, _s, item in
                window.project.timeline.tracks[0].layout()}
    timeline.set_playhead(60)  # inside still 1 (48-84), nothing selected: the top item
    actions["trim_end"].trigger()
    after = _starts(window)
    assert window.project.find("still-1")[2].duration == 12  # 48-60 kept
    assert after["shot-1"] == starts["shot-1"] - 24 and after["clip-2"] == starts["clip-2"] - 24
    assert timeline.playhead == 60 and window.session.stack.undoText() == "Trim end to playhead"
    actions["undo"].trigger()
    assert _starts(window) == starts
    actions["trim_start"].trigger()  # 48-60 cut: the still now starts where the playhead goes
    after = _starts(window)
    assert window.project.find("still-1")[2].duration == duration["still-1"] - 12
    assert after["still-1"] == 48 and after["shot-1"] == starts["shot-1"] - 12
    assert timeline.playhead == 48
    assert window.session.stack.undoText() == "Trim start to playhead"
    actions["trim_end"].trigger()  # on an edit point: nothing is under the playhead
    assert window.statusBar().currentMessage().startswith("Put the playhead inside a clip")
    assert window.session.stack.undoText() == "Trim start to playhead"


def test_q_trims_a_clip_s_source(window: MainWindow) -> None:
    track = window.project.timeline.tracks[0]
    clip = track.items[0]
    assert isinstance(clip, Clip)
    window.timeline.set_selection(["still-1"])  # not under the playhead: as Split, the top one
    window.timeline.set_playhead(10)
    window.action_set["trim_start"].trigger()
    trimmed = window.project.find(clip.id)[2]
    assert isinstance(trimmed, Clip)
    assert trimmed.source.start == clip.source.start + 10
    assert trimmed.duration == clip.duration - 10


def test_shift_i_and_shift_o_go_to_the_marks(window: MainWindow) -> None:
    actions, timeline = window.action_set, window.timeline
    assert actions["go_to_in"].shortcut() == QKeySequence("Shift+I")
    assert actions["go_to_out"].shortcut() == QKeySequence("Shift+O")
    actions["go_to_in"].trigger()
    assert window.statusBar().currentMessage() == ("No In point is marked; press I to mark one "
                                                   "at the playhead.")
    for frame, mark in ((30, "set_in"), (90, "set_out")):
        timeline.set_playhead(frame)
        actions[mark].trigger()
    timeline.set_playhead(150)
    actions["go_to_in"].trigger()
    assert timeline.playhead == 30
    actions["go_to_out"].trigger()
    assert timeline.playhead == 90


def test_paste_insert_opens_a_hole_and_moves_what_follows_on(window: MainWindow) -> None:
    actions = window.action_set
    assert actions["paste_insert"].shortcut() == QKeySequence("Ctrl+Shift+V")
    assert not actions["paste_insert"].isEnabled()
    starts = _starts(window)
    window.timeline.set_selection(["still-1"])  # 36 frames
    actions["copy"].trigger()
    window.timeline.set_playhead(24)  # inside clip 1 (0-48)
    actions["paste_insert"].trigger()
    track = window.project.timeline.tracks[0]
    layout = [(start, item) for _i, start, item in track.layout()]
    assert [start for start, _item in layout[:3]] == [0, 24, 60]  # clip 1 cut around the copy
    assert isinstance(layout[1][1], type(window.project.find("still-1")[2]))
    after = _starts(window)
    assert after["still-1"] == starts["still-1"] + 36 and after["clip-2"] == starts["clip-2"] + 36
    assert window.timeline.playhead == 60
    assert window.session.stack.undoText() == "Paste insert"
    actions["undo"].trigger()
    assert _starts(window) == starts
    window.timeline.set_playhead(300)  # past the end: the copy goes there, nothing moves
    actions["paste_insert"].trigger()
    assert track.start_of(len(track.items) - 1) == 300 and _starts(window)["clip-2"] == \
        starts["clip-2"]
