"""The inspector's footage editor: a clip's source in and out points, a clip's or still's length."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFormLayout, QGridLayout, QSpinBox, QWidget

from studio.document.model import Clip, Still


class FootageEditor(QObject):
    """Source in, source out and duration boxes, shown for a clip or a still, hidden otherwise.

    Every change is asked for as a ripple trim; the editor never edits the document.

    Parameters
    ----------
    current
        Returns the clip or still the inspector shows now (None for anything else), read
        afresh on every change so a trim is measured against the document as it is.

    Signals
    -------
    trim_requested(int in_delta, int out_delta)
        Move the item's source in point, or its out point (a still's duration), by this much.
    """

    trim_requested = Signal(int, int)

    def __init__(self, current: Callable[[], Clip | Still | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current = current
        self.source_in = QSpinBox()
        self.source_out = QSpinBox()
        self.duration = QSpinBox()
        for box, prefix in ((self.source_in, "in "), (self.source_out, "out "),
                            (self.duration, "")):
            box.setRange(0, 10**7)
            box.setPrefix(prefix)
        self.duration.setSuffix(" frames")
        self.row = QWidget()
        grid = QGridLayout(self.row)  # in and out side by side, the duration below: narrow
        grid.setContentsMargins(0, 0, 0, 0)
        for index, box in enumerate(self.boxes()):
            grid.addWidget(box, index // 2, index % 2)
        self.source_in.valueChanged.connect(lambda v: self._trim("in", v))
        self.source_out.valueChanged.connect(lambda v: self._trim("out", v))
        self.duration.valueChanged.connect(lambda v: self._trim("duration", v))
        self._form: QFormLayout | None = None

    def boxes(self) -> tuple[QSpinBox, ...]:
        """The three boxes, in row order."""
        return (self.source_in, self.source_out, self.duration)

    def add_rows(self, form: QFormLayout) -> None:
        """Add the "Source" row to the inspector's form (which hides it for other entries)."""
        form.addRow("Source", self.row)
        self._form = form

    def show(self, item: Clip | Still | None) -> None:
        """Show ``item``'s in, out and duration (a still has no in and out), or hide the row."""
        for box in self.boxes():
            box.blockSignals(True)
        self.row.setEnabled(item is not None)
        if self._form is not None:
            self._form.setRowVisible(self.row, item is not None)
        self.source_in.setVisible(isinstance(item, Clip))
        self.source_out.setVisible(isinstance(item, Clip))
        if isinstance(item, Clip):
            self.source_in.setValue(item.source.start)
            self.source_out.setValue(item.source.end)
        if item is not None:
            self.duration.setValue(item.duration)
        for box in self.boxes():
            box.blockSignals(False)

    def _trim(self, which: str, value: int) -> None:
        item = self._current()
        if item is None:
            return
        if which == "in" and isinstance(item, Clip):
            deltas = (value - item.source.start, 0)
        elif which == "out" and isinstance(item, Clip):
            deltas = (0, value - item.source.end)
        else:
            deltas = (0, value - item.duration)
        if deltas != (0, 0):
            self.trim_requested.emit(*deltas)
