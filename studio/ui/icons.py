"""The studio's icons: Frameloom's own monochrome SVGs in ``resources/icons``, put on actions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QIcon, QPainter, QPixmap

if TYPE_CHECKING:
    from studio.ui.viewer.viewer import Playback
    from studio.ui.window.actions import ActionSet

__all__ = ["ACTION_ICONS", "APP_ICON", "ICON_DIR", "apply_icons", "follow_playback", "icon"]

_ROOT = Path(__file__).resolve().parents[2]  # the checkout, or the bundle's folder
ICON_DIR = _ROOT / "resources" / "icons"
#: The application's icon, the one ``frameloom install-desktop`` registers.
APP_ICON = _ROOT / "packaging" / "linux" / "io.frameloom.Frameloom.svg"
#: Action id -> icon name (a file ``resources/icons/NAME.svg``).
ACTION_ICONS = {
    "new_shot": "new-shot", "open": "open", "save": "save", "import_media": "import",
    "export": "export", "export_otio": "export", "undo": "undo", "redo": "redo",
    "split": "split", "play_pause": "play", "step_back": "step-back",
    "step_forward": "step-forward", "go_to_start": "go-to-start", "go_to_end": "go-to-end",
    "loop_playback": "loop", "generate": "generate",
}


#: How much of a disabled icon shows: Qt's own disabled look greys the icon, which leaves light
#: grey icons on a dark theme looking enabled.
DISABLED_OPACITY = 0.35


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/NAME.svg``, faded when disabled (an empty icon where the file
    is missing, as in an install without ``resources/``: the actions keep their text)."""
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        return QIcon()
    result = QIcon(str(path))
    for size in (16, 24, 32, 48):
        result.addPixmap(_faded(result.pixmap(size)), QIcon.Mode.Disabled)
    return result


def _faded(pixmap: QPixmap) -> QPixmap:
    faded = QPixmap(pixmap.size())
    faded.setDevicePixelRatio(pixmap.devicePixelRatio())
    faded.fill(Qt.GlobalColor.transparent)
    painter = QPainter(faded)
    painter.setOpacity(DISABLED_OPACITY)
    painter.drawPixmap(0, 0, pixmap)
    painter.end()
    return faded


def apply_icons(actions: ActionSet) -> None:
    """Give the actions of :data:`ACTION_ICONS` their icons (menus, toolbar, context menus)."""
    for action_id, name in ACTION_ICONS.items():
        if action_id in actions.actions:
            actions[action_id].setIcon(icon(name))


def follow_playback(action: QAction, playback: Playback) -> None:
    """Show Pause on ``action`` (Play/Pause) while ``playback`` plays, Play while it is stopped."""
    playback.state_changed.connect(_PlayIcon(action).show)


class _PlayIcon(QObject):
    """Swaps the Play/Pause icon; a child of the action, so the connection goes with it."""

    def __init__(self, action: QAction) -> None:
        super().__init__(action)
        self.action, self.play, self.pause = action, icon("play"), icon("pause")

    def show(self, speed: float) -> None:
        self.action.setIcon(self.pause if speed else self.play)
