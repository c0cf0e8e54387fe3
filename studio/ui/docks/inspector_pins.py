"""The inspector's pins editor: the frames a generated entry is pinned to, where, how strongly."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.document.model import GeneratedSpec, Project
from studio.ui.docks.media_bin import MEDIA_MIME
from studio.ui.viewer.viewer import FRAME_MIME


class PinList(QListWidget):
    """The pins of a shot; stills and clips dragged from the media bin onto it become pins, and
    so does the frame dragged out of the viewer.

    Signals
    -------
    media_dropped(list)
        Media ids dropped from the bin.
    frame_dropped(int)
        The viewer's frame dropped: the timeline frame it showed.
    """

    media_dropped = Signal(list)
    frame_dropped = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)

    @staticmethod
    def _takes(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        data = event.mimeData()
        return data.hasFormat(MEDIA_MIME) or data.hasFormat(FRAME_MIME)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._takes(event):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._takes(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        data = event.mimeData()
        if data.hasFormat(MEDIA_MIME):
            self.media_dropped.emit(bytes(data.data(MEDIA_MIME).data()).decode().split())
            event.acceptProposedAction()
        elif data.hasFormat(FRAME_MIME):
            self.frame_dropped.emit(int(bytes(data.data(FRAME_MIME).data()).decode()))
            event.acceptProposedAction()


class PinsEditor(QObject):
    """The list of pins, the selected pin's frame and strength, and pin/remove buttons.

    Parameters
    ----------
    project
        Where the pinned media's names are looked up.
    current
        Returns the spec of the entry the inspector shows now (None when it has none), read
        afresh on every change.

    Signals
    -------
    pins_edited(object pins)
        The spec's new pins (a tuple): one moved, weakened or removed.
    pin_requested(object what)
        Add a pin: ``"playhead"`` (the frame under the playhead), a timeline frame (an int:
        the viewer's frame dropped on the list) or a list of media ids (bin rows dropped on
        the list).
    """

    pins_edited = Signal(object)
    pin_requested = Signal(object)

    def __init__(self, project: Project, current: Callable[[], GeneratedSpec | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._current = current
        self.list = PinList()
        self.list.setObjectName("pins")
        self.list.setMaximumHeight(72)
        self.at = QSpinBox()
        self.at.setRange(0, 1999)
        self.at.setPrefix("at frame ")
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.0, 1.0)
        self.strength.setSingleStep(0.1)
        self.strength.setPrefix("strength ")
        self.buttons = {"playhead": QPushButton("Pin Playhead Frame"),
                        "remove": QPushButton("Remove Pin")}
        self.list.currentRowChanged.connect(lambda _row: self.show_pin())
        self.at.valueChanged.connect(lambda v: self._edit(at=v))
        self.strength.valueChanged.connect(lambda v: self._edit(strength=round(v, 3)))
        self.buttons["remove"].clicked.connect(lambda: self._edit(remove=True))
        self.buttons["playhead"].clicked.connect(lambda: self.pin_requested.emit("playhead"))
        self.list.media_dropped.connect(self.pin_requested.emit)
        self.list.frame_dropped.connect(self.pin_requested.emit)

    def editors(self) -> tuple[QWidget, ...]:
        """Every widget that edits the pins, for enabling and signal blocking."""
        return (self.list, self.at, self.strength, *self.buttons.values())

    def add_rows(self, form: QFormLayout) -> None:
        """Add the "Pins" list and the selected pin's rows to the inspector's form."""
        form.addRow("Pins", self.list)
        for widgets in ((self.at, self.strength), self.buttons.values()):  # two rows: narrow
            row = QHBoxLayout()
            for widget in widgets:
                row.addWidget(widget)
            form.addRow(row)

    def show(self, spec: GeneratedSpec | None) -> None:
        """List ``spec``'s pins, keeping the selected row where it can (empty for None)."""
        row = self.list.currentRow()
        self.list.clear()
        if spec is None:
            return
        for pin in spec.pins:
            frames = "" if pin.source.duration == 1 and pin.source.start == 0 else (
                f" frames {pin.source.start}-{pin.source.end - 1}")
            self.list.addItem(f"{self._media_name(pin.media_id)}{frames} at frame {pin.at}, "
                              f"strength {pin.strength:.0%}")
        self.list.setCurrentRow(min(max(row, 0), len(spec.pins) - 1))

    def show_pin(self) -> None:
        """Show the selected pin's frame and strength; enable what applies."""
        spec = self._current()
        row = self.list.currentRow()
        pin = spec.pins[row] if spec and 0 <= row < len(spec.pins) else None
        for widget in (self.at, self.strength):
            widget.blockSignals(True)
            widget.setEnabled(pin is not None)
        self.buttons["remove"].setEnabled(pin is not None)
        self.buttons["playhead"].setEnabled(spec is not None)
        if pin is not None:
            self.at.setValue(pin.at)
            self.strength.setValue(pin.strength)
        for widget in (self.at, self.strength):
            widget.blockSignals(False)

    def _media_name(self, media_id: str) -> str:
        media = self.project.media.get(media_id)
        return (media.name or media.path) if media is not None else media_id

    def _edit(self, *, at: int | None = None, strength: float | None = None,
              remove: bool = False) -> None:
        spec = self._current()
        row = self.list.currentRow()
        if spec is None or not 0 <= row < len(spec.pins):
            return
        pins = list(spec.pins)
        if remove:
            del pins[row]
        else:
            changes = {k: v for k, v in (("at", at), ("strength", strength)) if v is not None}
            pins[row] = dataclasses.replace(pins[row], **changes)  # type: ignore[arg-type]
        if tuple(pins) != spec.pins:
            self.pins_edited.emit(tuple(pins))
