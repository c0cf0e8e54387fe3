"""The studio's dark theme: Qt's Fusion style with a dark grey palette, as editors use, since
footage is judged against dark grey (no external package, no style sheet)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

#: Role -> colour of the active and inactive groups.
COLOURS: dict[QPalette.ColorRole, QColor] = {
    Role.Window: QColor(45, 46, 49),
    Role.WindowText: QColor(222, 222, 222),
    Role.Base: QColor(30, 31, 33),
    Role.AlternateBase: QColor(40, 41, 44),
    Role.ToolTipBase: QColor(30, 31, 33),
    Role.ToolTipText: QColor(222, 222, 222),
    Role.PlaceholderText: QColor(130, 130, 130),
    Role.Text: QColor(222, 222, 222),
    Role.Button: QColor(56, 58, 62),
    Role.ButtonText: QColor(222, 222, 222),
    Role.BrightText: QColor(255, 90, 80),
    Role.Light: QColor(72, 74, 78),
    Role.Midlight: QColor(62, 64, 68),
    Role.Mid: QColor(40, 41, 44),
    Role.Dark: QColor(24, 25, 27),
    Role.Shadow: QColor(10, 10, 10),
    Role.Highlight: QColor(60, 120, 190),
    Role.HighlightedText: QColor(255, 255, 255),
    Role.Link: QColor(110, 170, 240),
    Role.LinkVisited: QColor(170, 140, 230),
}
#: Disabled widgets: text dimmed, so a disabled field never reads as a live one.
DISABLED: dict[QPalette.ColorRole, QColor] = {
    Role.WindowText: QColor(120, 120, 120),
    Role.Text: QColor(120, 120, 120),
    Role.ButtonText: QColor(120, 120, 120),
    Role.Base: QColor(38, 39, 42),
    Role.Button: QColor(48, 49, 52),
    Role.Highlight: QColor(70, 72, 76),
    Role.HighlightedText: QColor(160, 160, 160),
}


def dark_palette() -> QPalette:
    """The studio's dark grey palette."""
    palette = QPalette()
    for role, colour in COLOURS.items():
        palette.setColor(Group.All, role, colour)
    for role, colour in DISABLED.items():
        palette.setColor(Group.Disabled, role, colour)
    return palette


def apply_dark_theme(app: QApplication) -> None:
    """Use the Fusion style (the same on every platform) with :func:`dark_palette`."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
