"""The shipped icons: each one the studio names draws; the transport shows Pause while playing."""

from __future__ import annotations

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QToolBar

from studio.ui.icons import ACTION_ICONS, APP_ICON, ICON_DIR, icon
from studio.ui.window.main_window import MainWindow


def _same(a: QIcon, b: QIcon) -> bool:
    return a.pixmap(24).toImage() == b.pixmap(24).toImage()


def test_every_named_icon_is_shipped_and_draws(qapp: object) -> None:
    for name in {*ACTION_ICONS.values(), "play", "pause"}:
        assert (ICON_DIR / f"{name}.svg").is_file(), name
        drawn = icon(name).pixmap(24).toImage()
        assert any(drawn.pixelColor(x, y).alpha() for x in range(24) for y in range(24)), name
    assert not QIcon(str(APP_ICON)).pixmap(64).isNull()
    assert icon("no-such-icon").isNull()  # a missing file leaves the action its text
    shipped = {p.stem for p in ICON_DIR.glob("*.svg")}
    assert shipped == {*ACTION_ICONS.values(), "pause"}  # none shipped unused


def test_transport_buttons_have_icons_and_play_turns_to_pause(window: MainWindow) -> None:
    bar = window.findChild(QToolBar, "transport")
    assert bar is not None and len(bar.actions()) == 6
    assert all(not action.icon().isNull() for action in bar.actions())
    play_pause = window.action_set["play_pause"]
    assert _same(play_pause.icon(), icon("play"))
    play_pause.trigger()
    assert window.playback.playing and _same(play_pause.icon(), icon("pause"))
    play_pause.trigger()
    assert not window.playback.playing and _same(play_pause.icon(), icon("play"))
    for action_id in ("generate", "export_otio", "import_media", "undo"):
        assert not window.action_set[action_id].icon().isNull(), action_id
