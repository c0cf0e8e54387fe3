"""The inspector's takes list: a generated entry's takes with thumbnails, to use, delete or redo,
and a draft take to make final (its button, or the list's right-click menu).

A draft take's row says "draft" and its tooltip how it ran. Each row also shows the worst seam
jump and colour drift the engine measured at the take's joins (windows of a long shot, the
source clips of an operation), red when a jump is above :data:`SEAM_LIMIT` times the take's
median frame change, where a seam starts to show.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
)

from studio.document.model import Generation, Take
from studio.engine_link.drafts import is_draft

TAKE_ICON = QSize(64, 36)
#: A take's thumbnail: (take, frame of it, (width, height)) -> pixmap, or None until made.
TakeThumb = Callable[[Take, int, tuple[int, int]], QPixmap | None]
#: A seam jump above this many times the take's median frame change is marked.
SEAM_LIMIT = 2.0
SEAM_RED = QColor("#e5484d")


def seam_note(take: Take) -> tuple[str, str, bool] | None:
    """What a take's row says of its seams: ``(short text, tooltip, over the limit)``; None
    when the engine measured no join of it (a single-window shot, or an older take)."""
    seams = take.metadata.get("seams")
    if not isinstance(seams, dict):
        return None
    jump, drift, joins = seams.get("max_jump"), seams.get("max_drift"), seams.get("joins")
    # The project file is the user's: figures that are not numbers are not shown.
    if not (isinstance(jump, (int, float)) and isinstance(drift, (int, float))
            and isinstance(joins, int) and joins > 0):
        return None
    over = jump > SEAM_LIMIT
    matched = seams.get("matched")
    ends = [e for e in matched if e in ("start", "end")] if isinstance(matched, list) else []
    regraded = (f" Its {' and '.join(ends)} {'were' if len(ends) > 1 else 'was'} colour-matched "
                "again to the clip it meets." if ends else "")
    mended = seams.get("mended")
    faded = ([f"{end} ({size:.1f} grey levels)" for end, size in mended.items()
              if end in ("start", "end") and isinstance(size, (int, float))]
             if isinstance(mended, dict) else [])
    eased = (f" At its {' and '.join(faded)}, the model's difference from the clip's frame "
             "fades out over half a second." if faded else "")
    remade = seams.get("remade")
    again = (f" {remade} of its windows drifted and {'were' if remade > 1 else 'was'} made again "
             "with another seed." if isinstance(remade, int) and remade > 0 else "")
    dominant = seams.get("max_dominant_drift")
    held = (f" (its dominant colour {dominant:.1f}: less where objects changed size, not "
            "colour)" if isinstance(dominant, (int, float)) else "")
    tip = (f"Worst seam jump {jump:.1f}x the take's median frame change"
           f"{' (above ' + format(SEAM_LIMIT, 'g') + 'x: the seam may show)' if over else ''}; "
           f"colour drift up to {drift:.1f} Delta E from its first part{held}; "
           f"{joins} join{'s' if joins != 1 else ''} measured.{regraded}{eased}{again}"
           f"{_travel(seams)}")
    return f"seam {jump:.1f}x, drift {drift:.1f}", tip, over


def _travel(seams: dict[str, object]) -> str:
    """What a bridge's tooltip says of how it goes from clip A to clip B; "" for other takes."""
    moved = seams.get("travel")
    if not isinstance(moved, dict):
        return ""
    step, frames = moved.get("largest_step"), moved.get("frames_10_90")
    if not (isinstance(step, (int, float)) and isinstance(frames, int)):
        return ""
    if frames <= 1:
        return f" It cuts from A to B: {step:.0%} of the change in one frame."
    return (f" It goes from A to B over {frames} frames (10% to 90% of the way; at most "
            f"{step:.0%} of the change in one frame).")


def draft_note(take: Take) -> str:
    """What a draft take's tooltip says of how it ran; "" for a take that is no draft."""
    if not is_draft(take):
        return ""
    run = take.metadata["draft"].get("run")
    if not isinstance(run, dict) or not {"width", "height", "steps"} <= set(run):
        return "A draft; Make Final makes it at full settings."
    return (f"A draft made at {run['width']}x{run['height']} with {run['steps']} steps; Make "
            "Final makes it at full settings with the same seed.")


class TakesList(QObject):
    """The takes of one generated entry, the active one marked, and Use/Delete/Generate Again.

    Parameters
    ----------
    current
        Returns the generation of the entry the inspector shows now (None when it has none).
    thumb
        Makes a take's thumbnail, or None for a list without them.

    Signals
    -------
    take_requested(str action, str take_id)
        ``use`` a take (make it active), ``delete`` it, ``final`` (make a draft take's final),
        or ``requeue`` (take_id "") the entry.
    take_selected(str take_id, bool active)
        A take was selected in the list ("" when none), and whether it is the chosen one.
    """

    take_requested = Signal(str, str)
    take_selected = Signal(str, bool)

    def __init__(self, current: Callable[[], Generation | None], *,
                 thumb: TakeThumb | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current = current
        self.thumb = thumb
        self.list = QListWidget()
        self.list.setObjectName("takes")
        self.list.setIconSize(TAKE_ICON)
        self.buttons = {name: QPushButton(title) for name, title in (
            ("use", "Use Take"), ("delete", "Delete Take"), ("final", "Make Final"),
            ("requeue", "Generate Again"))}
        self.buttons["final"].setToolTip("Make the selected draft again at full size and steps, "
                                         "with the same seed, as a new take.")
        for action, button in self.buttons.items():
            button.clicked.connect(lambda _c=False, a=action: self._take_action(a))
        # The list's right-click menu offers the same take actions as the buttons.
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.menu: dict[str, QAction] = {}
        for action in ("use", "final", "delete"):
            item = self.menu[action] = QAction(self.buttons[action].text(), self.list)
            item.triggered.connect(lambda _c=False, a=action: self._take_action(a))
            self.list.addAction(item)
        self.list.currentItemChanged.connect(lambda *_: self.row_changed())

    def add_rows(self, form: QFormLayout) -> None:
        """Add the "Takes" list and its buttons to the inspector's form."""
        form.addRow("Takes", self.list)
        buttons = QHBoxLayout()
        for button in self.buttons.values():
            buttons.addWidget(button)
        form.addRow(buttons)

    def show(self, generation: Generation | None) -> None:
        """List ``generation``'s takes and select the active one (empty for None)."""
        self.list.clear()
        if generation is None:
            return
        for number, take in enumerate(generation.takes, 1):
            active = take.id == generation.active_take_id
            text = (f"{'● ' if active else '  '}Take {number}"
                    f"{' (draft)' if is_draft(take) else ''}: {take.status}, "
                    f"{take.created.replace('T', ' ').rstrip('Z')}")
            note = seam_note(take)
            row = QListWidgetItem(text if note is None else f"{text}; {note[0]}")
            row.setData(Qt.ItemDataRole.UserRole, take.id)
            tips = [take.path, draft_note(take), note[1] if note is not None else ""]
            row.setToolTip("\n".join(tip for tip in tips if tip))
            if note is not None and note[2]:
                row.setForeground(QBrush(SEAM_RED))
            self.list.addItem(row)
            self._take_icon(row, take)
            if active:
                self.list.setCurrentItem(row)

    def _take_icon(self, row: QListWidgetItem, take: Take) -> None:
        if self.thumb is None:
            return
        pixmap = self.thumb(take, 0, (TAKE_ICON.width(), TAKE_ICON.height()))
        if pixmap is not None:
            row.setIcon(QIcon(pixmap))

    def refresh_icons(self) -> None:
        """Show the takes' thumbnails that have arrived since."""
        generation = self._current()
        if generation is None:
            return
        takes = {take.id: take for take in generation.takes}
        for i in range(self.list.count()):
            row = self.list.item(i)
            take = takes.get(row.data(Qt.ItemDataRole.UserRole))
            if take is not None and row.icon().isNull():
                self._take_icon(row, take)

    def selected_take(self) -> str | None:
        """The id of the take selected in the list."""
        row = self.list.currentItem()
        if row is None:
            return None
        take_id: str = row.data(Qt.ItemDataRole.UserRole)
        return take_id

    def _take_action(self, action: str) -> None:
        take_id = "" if action == "requeue" else self.selected_take()
        if take_id is not None:
            self.take_requested.emit(action, take_id)

    def row_changed(self) -> None:
        """Enable the buttons that apply and say which take is selected now."""
        generation = self._current()
        selected = self.selected_take() is not None
        self.buttons["use"].setEnabled(generation is not None and selected)
        self.buttons["delete"].setEnabled(generation is not None and selected)
        self.buttons["requeue"].setEnabled(generation is not None)
        take_id = self.selected_take() or ""
        take = next((t for t in generation.takes if t.id == take_id), None) \
            if generation is not None else None
        self.buttons["final"].setEnabled(take is not None and is_draft(take))
        for action, item in self.menu.items():
            item.setEnabled(self.buttons[action].isEnabled())
        self.take_selected.emit(take_id, generation is not None
                                and take_id == generation.active_take_id)
