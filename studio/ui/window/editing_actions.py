"""The editor's habits as action rows: lift, clipboard, Select All, nudge, trim to the
playhead, Home/End, edit points, In/Out, Loop, Quit and Help, added to
:data:`~studio.ui.window.actions.ACTIONS`.

Shortcuts follow Premiere, Resolve, Kdenlive and Shotcut where they agree (the README's
"Editor conventions" lists them); :data:`STUDIO_ACTIONS` is the table the window builds (with
Export Frame of :mod:`.frame_export`, the track actions of :mod:`.track_requests`, the sound
actions of :mod:`.sound_requests` and the marker actions of :mod:`.marker_requests`).
"""

from __future__ import annotations

from studio.ui.window.actions import ACTIONS, ActionSpec
from studio.ui.window.frame_export import FRAME_ACTIONS
from studio.ui.window.marker_requests import MARKER_ACTIONS
from studio.ui.window.sound_requests import SOUND_ACTIONS
from studio.ui.window.track_requests import TRACK_ACTIONS

__all__ = ["EDITING_ACTIONS", "STUDIO_ACTIONS"]

EDITING_ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("quit", "&Quit", "Ctrl+Q", "close", tip="Close the window (asks about unsaved "
               "changes)"),
    ActionSpec("lift", "&Lift", "Delete", "edits.lift", "has_selection", "Edit",
               tip="Remove the selected items and leave gaps; nothing else moves"),
    ActionSpec("cut", "Cu&t", "Ctrl+X", "edits.cut", "has_selection", "Edit",
               tip="Copy the selected items, then lift them"),
    ActionSpec("copy", "&Copy", "Ctrl+C", "edits.copy", "has_selection", "Edit",
               tip="Copy the selected items"),
    ActionSpec("paste", "&Paste", "Ctrl+V", "edits.paste", "edits.can_paste", "Edit",
               tip="Put the copied items at the playhead over what lies there (overwrite)"),
    ActionSpec("paste_insert", "Paste &Insert", "Ctrl+Shift+V", "edits.paste_insert",
               "edits.can_paste", "Edit", tip="Put the copied items at the playhead and move "
               "what lies after it on (insert)"),
    ActionSpec("select_all", "Select &All", "Ctrl+A", "edits.select_all", None, "Edit",
               tip="Select every clip, still and shot on the timeline"),
    ActionSpec("nudge_left", "Nudge Le&ft", ",; Alt+Left", "edits.nudge", "has_selection",
               "Edit", ("left",), tip="Move the selected items one frame earlier, over what "
               "lies there"),
    ActionSpec("nudge_right", "Nudge Ri&ght", ".; Alt+Right", "edits.nudge", "has_selection",
               "Edit", ("right",), tip="Move the selected items one frame later, over what "
               "lies there"),
    ActionSpec("trim_start", "Trim Start to Play&head", "Q", "edits.trim_to_playhead",
               "can_edit", "Edit", ("start",), tip="Cut the item under the playhead from its "
               "start to the playhead and close the hole (ripple)"),
    ActionSpec("trim_end", "Trim &End to Playhead", "W", "edits.trim_to_playhead",
               "can_edit", "Edit", ("end",), tip="Cut the item under the playhead from the "
               "playhead to its end and close the hole (ripple)"),
    ActionSpec("go_to_start", "Go to S&tart", "Home", "transport.go_to_start", None,
               "Playback", tip="Move the playhead to the first frame"),
    ActionSpec("go_to_end", "Go to &End", "End", "transport.go_to_end", None, "Playback",
               tip="Move the playhead to the end of the timeline"),
    ActionSpec("previous_edit", "Pre&vious Edit", "Up", "transport.previous_edit", None,
               "Playback", tip="Move the playhead to the previous item start or end"),
    ActionSpec("next_edit", "&Next Edit", "Down", "transport.next_edit", None, "Playback",
               tip="Move the playhead to the next item start or end"),
    ActionSpec("go_to_in", "Go to In", "Shift+I", "transport.go_to_in", None, "Playback",
               tip="Move the playhead to the In mark"),
    ActionSpec("go_to_out", "Go to Out", "Shift+O", "transport.go_to_out", None, "Playback",
               tip="Move the playhead to the Out mark"),
    ActionSpec("clear_marks", "&Clear In and Out", "Alt+X", "transport.clear_marks", None,
               "Playback", tip="Remove the In and Out marks"),
    ActionSpec("loop_playback", "Loo&p Playback", "Ctrl+L", "transport.toggle_loop", None,
               "Playback",
               tip="Play In to Out (or the whole timeline) over and over", checkable=True),
    ActionSpec("shortcuts", "&Keyboard Shortcuts", "F1", "help.show_shortcuts", None, "Help",
               tip="Every shortcut and drag modifier"),
)

STUDIO_ACTIONS: tuple[ActionSpec, ...] = (ACTIONS + FRAME_ACTIONS + EDITING_ACTIONS
                                          + TRACK_ACTIONS + SOUND_ACTIONS + MARKER_ACTIONS)
