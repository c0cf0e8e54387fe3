"""The window's parts around the action table: docks and their shares of the window, the
window's first size and place, the transport bar and icons, context menus and the Undo/Redo
texts."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from studio.ui.icons import apply_icons, follow_playback
from studio.ui.viewer.viewer import Playback
from studio.ui.window.actions import ActionSet

Area = Qt.DockWidgetArea
DOCKS = (("Media", Area.LeftDockWidgetArea), ("Timeline", Area.BottomDockWidgetArea),
         ("Outline", Area.RightDockWidgetArea), ("Inspector", Area.RightDockWidgetArea),
         ("Jobs", Area.RightDockWidgetArea))
#: The window's first size: this share of the screen's free area, at least MIN_SIZE if it fits.
SCREEN_SHARE = 0.8
MIN_SIZE = (1280, 800)
#: Widths of the side docks and the timeline's share of the window's height.
SIDE_WIDTHS = {"Media": 260, "Inspector": 380}
TIMELINE_SHARE = 0.42
#: The transport bar under the viewer: the Playback menu's actions shown as buttons.
TRANSPORT = ("go_to_start", "step_back", "play_pause", "step_forward", "go_to_end",
             "loop_playback")
TIMELINE_MENU = ("cut", "copy", "paste", "paste_insert", "", "lift", "ripple_delete", "split",
                 "unlink_sound", "relink_sound", "", "animate", "extend_forward",
                 "extend_backward", "bridge", "loop", "generate", "",
                 "add_video_track", "add_audio_track", "remove_track")


def make_docks(window: QMainWindow) -> dict[str, QDockWidget]:
    """The window's docks by name (empty until a project's views fill them), Outline and
    Jobs sharing one place as tabs."""
    docks = {}
    for name, area in DOCKS:
        dock = docks[name] = QDockWidget(name, window)
        dock.setObjectName(name.lower())
        window.addDockWidget(area, dock)
    window.tabifyDockWidget(docks["Outline"], docks["Jobs"])
    return docks


def place_on_screen(window: QMainWindow) -> None:
    """Size the window to :data:`SCREEN_SHARE` of its screen's free area (at least
    :data:`MIN_SIZE` where that fits) and centre it there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry()
    width = min(free.width(), max(MIN_SIZE[0], int(free.width() * SCREEN_SHARE)))
    height = min(free.height(), max(MIN_SIZE[1], int(free.height() * SCREEN_SHARE)))
    window.resize(width, height)
    window.move(free.center().x() - width // 2, free.center().y() - height // 2)


class DockShares(QObject):
    """Keeps the timeline dock at its share of the window's height as the window is resized
    (the viewer would take all the growth otherwise), and the side docks at useful widths.

    A share the user sets by dragging the separator is kept from then on.
    """

    def __init__(self, window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
        super().__init__(window)
        self.window = window
        self.docks = docks
        self.share = TIMELINE_SHARE
        self._applied = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize:
            timeline = self.docks["Timeline"]
            old = event.oldSize().height()  # type: ignore[attr-defined]  # a QResizeEvent
            if self._applied and old > 0 and timeline.isVisible():
                self.share = min(0.8, max(0.15, timeline.height() / old))
            QTimer.singleShot(0, self.apply)
        return False

    def apply(self) -> None:
        """Give the docks their shares of the window now."""
        window, docks = self.window, self.docks
        height = window.height()
        window.resizeDocks([docks["Timeline"]], [int(height * self.share)],
                           Qt.Orientation.Vertical)
        window.resizeDocks([docks[n] for n in SIDE_WIDTHS], list(SIDE_WIDTHS.values()),
                           Qt.Orientation.Horizontal)
        window.resizeDocks([docks["Outline"], docks["Inspector"]], [height, height * 2],
                           Qt.Orientation.Vertical)
        self._applied = True


def add_dock_toggles(menu: QMenu, docks: dict[str, QDockWidget], *, jobs: bool) -> None:
    """View menu entries that show or hide each dock (Jobs only with an engine)."""
    menu.addSeparator()
    for name, dock in docks.items():
        if name != "Jobs" or jobs:
            action = dock.toggleViewAction()
            action.setText(f"{name} Panel")
            action.setToolTip(f"Show or hide the {name} panel")
            menu.addAction(action)


def viewer_panel(viewer: QWidget, actions: ActionSet, playback: Playback) -> QWidget:
    """The viewer above a bar of transport buttons (the Playback menu's actions); the main
    actions get their icons, Play/Pause showing Pause while ``playback`` plays."""
    apply_icons(actions)
    follow_playback(actions["play_pause"], playback)
    bar = QToolBar("Transport")
    bar.setObjectName("transport")
    for action_id in TRANSPORT:
        bar.addAction(actions[action_id])
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(viewer, 1)
    layout.addWidget(bar, 0, Qt.AlignmentFlag.AlignHCenter)
    return panel


def add_context_menus(timeline: QWidget, media_list: QWidget, actions: ActionSet) -> None:
    """Right-click menus: the timeline's editing and generation actions; the media bin's
    own Add to Timeline, then Import and Relink."""
    timeline.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    for action_id in TIMELINE_MENU:
        if action_id in actions.actions or not action_id:
            timeline.addAction(actions[action_id] if action_id else _separator(timeline))
    media_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    media_list.addActions([_separator(media_list), actions["import_media"],
                           actions["relink"]])


def _separator(parent: QWidget) -> QAction:
    action = QAction(parent)
    action.setSeparator(True)
    return action


def follow_undo_texts(stack: QUndoStack, actions: ActionSet) -> None:
    """Make Undo and Redo name the step they would undo or redo ("Undo Trim")."""
    for action_id, title, changed, text in (
            ("undo", "&Undo", stack.undoTextChanged, stack.undoText()),
            ("redo", "&Redo", stack.redoTextChanged, stack.redoText())):
        action = actions[action_id]
        for old in action.findChildren(_StepText):  # the last project's stack
            old.setParent(None)
            old.deleteLater()
        changed.connect(_StepText(action, title).show)
        _StepText.show_on(action, title, text)


class _StepText(QObject):
    """Names a step on an action; a child of it, so the stack's connection to it goes with the
    action (a window closing deletes its actions before the undo stack's last signals)."""

    def __init__(self, action: QAction, title: str) -> None:
        super().__init__(action)
        self.action, self.title = action, title

    def show(self, step: str) -> None:
        self.show_on(self.action, self.title, step)

    @staticmethod
    def show_on(action: QAction, title: str, step: str) -> None:
        action.setText(f"{title} {step}" if step else title)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{action.text().replace('&', '')} ({keys})")
