"""The inspector's sound editor: an audio item's gain and fades, and its audio track's gain."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QWidget,
)

from studio.document.model import AudioItem, Track

#: The gain range the document takes (``audio_edits._check_gain``), in dB.
GAIN_RANGE = (-96.0, 24.0)
#: How fades are shown and typed: whole frames, or seconds (turned into the nearest frame).
UNITS = ("frames", "seconds")

Shown = tuple[AudioItem | None, Track | None]


class SoundEditor(QObject):
    """Gain and Fades rows for an audio item, a Track gain row for its (or a clicked) audio
    track; each row is hidden when there is nothing for it.

    Every change is asked for, never made: one committed value (Enter, leaving the box, an
    arrow step) is one request, and so one undo step. After each request the rows show the
    document again, so a refused value goes back to what the item has.

    Parameters
    ----------
    current
        Returns the audio item (or None) and the audio track (or None) to show, read afresh
        on every change.
    rate
        Returns the project's frame rate (fades in seconds are turned into frames at it).

    Signals
    -------
    sound_edit_requested(str field, object value)
        ``gain_db`` (float) or ``fade_in`` / ``fade_out`` (frames) of the shown audio item.
    track_edit_requested(str field, object value)
        ``gain_db`` (float) of the shown audio track.
    """

    sound_edit_requested = Signal(str, object)
    track_edit_requested = Signal(str, object)

    def __init__(self, current: Callable[[], Shown], rate: Callable[[], Fraction],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current, self._rate = current, rate
        self.gain, self.track_gain = _gain_box(), _gain_box()
        self.fade_in, self.fade_out = QDoubleSpinBox(), QDoubleSpinBox()
        self.units = QComboBox()
        self.units.addItems(UNITS)
        self.fades = QWidget()
        grid = QGridLayout(self.fades)  # in and out side by side, the units below: narrow
        grid.setContentsMargins(0, 0, 0, 0)
        for index, (box, prefix) in enumerate(((self.fade_in, "in "), (self.fade_out, "out "))):
            box.setPrefix(prefix)
            box.setKeyboardTracking(False)
            grid.addWidget(box, 0, index)
        grid.addWidget(self.units, 1, 0, 1, 2)
        self.gain.valueChanged.connect(
            lambda v: self._request("sound", "gain_db", round(v, 2)))
        self.track_gain.valueChanged.connect(
            lambda v: self._request("track", "gain_db", round(v, 2)))
        self.fade_in.valueChanged.connect(lambda v: self._fade("fade_in", v))
        self.fade_out.valueChanged.connect(lambda v: self._fade("fade_out", v))
        self.units.currentIndexChanged.connect(lambda _i: self.refresh())
        self._form: QFormLayout | None = None

    def boxes(self) -> tuple[QDoubleSpinBox, ...]:
        """The four number boxes: gain, fade in, fade out, track gain."""
        return (self.gain, self.fade_in, self.fade_out, self.track_gain)

    def add_rows(self, form: QFormLayout) -> None:
        """Add the Gain, Fades and Track gain rows to the inspector's form."""
        form.addRow("Gain", self.gain)
        form.addRow("Fades", self.fades)
        form.addRow("Track gain", self.track_gain)
        self._form = form

    def in_seconds(self) -> bool:
        """Whether fades are shown in seconds (else in frames)."""
        return self.units.currentText() == "seconds"

    def refresh(self) -> Shown:
        """Show what ``current`` gives now (hiding the rows it has nothing for); returns it."""
        item, track = shown = self._current()
        widgets = (*self.boxes(), self.units)
        for widget in widgets:
            widget.blockSignals(True)
        if item is not None:
            self.gain.setValue(item.gain_db)
            step = 1 / self._rate() if self.in_seconds() else Fraction(1)
            for box, frames in ((self.fade_in, item.fade_in), (self.fade_out, item.fade_out)):
                box.setDecimals(3 if self.in_seconds() else 0)
                box.setSingleStep(float(step))
                box.setSuffix(" s" if self.in_seconds() else " frames")
                box.setRange(0.0, float(item.duration * step))
                box.setValue(float(frames * step))
        if track is not None:
            self.track_gain.setValue(track.gain_db)
        for widget in widgets:
            widget.blockSignals(False)
        for row, on in ((self.gain, item), (self.fades, item), (self.track_gain, track)):
            row.setEnabled(on is not None)
            if self._form is not None:
                self._form.setRowVisible(row, on is not None)
        return shown

    def _fade(self, field: str, value: float) -> None:
        item = self._current()[0]
        if item is None:
            return
        frames = round(Fraction(value) * self._rate()) if self.in_seconds() else round(value)
        if frames != getattr(item, field):
            self._request("sound", field, frames)
        else:
            self.refresh()  # a number of seconds between two frames shows the frame it is

    def _request(self, target: str, field: str, value: object) -> None:
        item, track = self._current()
        if target == "sound" and item is not None:
            self.sound_edit_requested.emit(field, value)
        elif target == "track" and track is not None:
            self.track_edit_requested.emit(field, value)
        self.refresh()


def _gain_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(*GAIN_RANGE)
    box.setDecimals(1)
    box.setSingleStep(0.5)
    box.setSuffix(" dB")
    box.setKeyboardTracking(False)  # a value is asked for once typed, not at each key
    return box
