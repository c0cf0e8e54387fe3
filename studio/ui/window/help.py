"""The Help menu's shortcut list, made from the action table so it never falls behind it."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QTextBrowser, QVBoxLayout, QWidget

from studio.ui.window.actions import ActionSpec

#: What modifiers do with the pointer (not actions, so not in the table).
POINTER: tuple[tuple[str, str], ...] = (
    ("Drag an item's body", "move it, overwriting what lies at the destination"),
    ("Drag an item's edge", "trim it, rippling the items after it"),
    ("Alt while dragging", "swap ripple and overwrite for that drag"),
    ("Ctrl+click", "add an item to the selection, or take it out"),
    ("Ctrl+wheel", "zoom the timeline around the pointer"),
    ("Right click", "the timeline's or the media bin's context menu"),
)


def shortcut_rows(specs: Sequence[ActionSpec]) -> list[tuple[str, str, str]]:
    """``(menu, action, keys)`` for every action with a shortcut, in table order."""
    rows = []
    for spec in specs:
        if spec.shortcut:
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                             for k in QKeySequence.listFromString(spec.shortcut))
            rows.append((spec.menu, spec.title.replace("&", ""), keys))
    return rows


def shortcuts_html(specs: Sequence[ActionSpec]) -> str:
    """The shortcut list as an HTML table, then what modifiers do while dragging."""
    lines = ["<h3>Keyboard shortcuts</h3><table cellpadding='3'>"]
    for menu, title, keys in shortcut_rows(specs):
        lines.append(f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(title)}</td>"
                     f"<td>{html.escape(menu)}</td></tr>")
    lines.append("</table><h3>Pointer and modifiers</h3><table cellpadding='3'>")
    for gesture, effect in POINTER:
        lines.append(f"<tr><td><b>{html.escape(gesture)}</b></td>"
                     f"<td>{html.escape(effect)}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines)


class Help:
    """The Help menu's work for a window.

    Parameters
    ----------
    parent
        The window the dialogs belong to.
    specs
        Returns the action table the window was built from.
    """

    def __init__(self, parent: QWidget, specs: Callable[[], Sequence[ActionSpec]]) -> None:
        self.parent = parent
        self.specs = specs
        self.dialog: QDialog | None = None

    def show_shortcuts(self) -> QDialog:
        """Show the shortcut list (a window that does not block the editor)."""
        if self.dialog is None:
            self.dialog = QDialog(self.parent)
            self.dialog.setObjectName("shortcuts")
            self.dialog.setWindowTitle("Keyboard Shortcuts — Frameloom")
            self.dialog.resize(520, 640)
            self.text = QTextBrowser(self.dialog)
            QVBoxLayout(self.dialog).addWidget(self.text)
        self.text.setHtml(shortcuts_html(self.specs()))
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog
