"""The export settings: file, format, quality, size, frame rate and range, in one dialog.

:class:`ExportOptions` is what an export is asked to do (what ``frameloom render`` takes on its
command line); :class:`ExportDialog` edits one, starting from the last export's choices, and the
file name's extension follows the format (H.264 and H.265 in MP4, ProRes in MOV).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.document.timebase import frames_to_timecode
from studio.outline import rate_text
from studio.render.encode import PRESETS

#: format label -> (codec, file extension)
FORMATS = {"H.264 MP4": ("h264", ".mp4"), "H.265 MP4": ("h265", ".mp4"),
           "ProRes 422 HQ MOV": ("prores", ".mov")}
#: Output suffix -> codec, for a file name given without a format.
CODECS = {".mp4": "h264", ".mov": "prores"}
RATES = {"24 fps": Fraction(24), "25 fps": Fraction(25), "30 fps": Fraction(30),
         "50 fps": Fraction(50), "60 fps": Fraction(60), "23.976 fps": Fraction(24000, 1001),
         "29.97 fps": Fraction(30000, 1001)}


@dataclass(frozen=True)
class ExportOptions:
    """One export: where, how encoded, at what size and rate, which frames.

    ``width``/``height``/``fps`` of None keep the project's; ``in_out`` is the timeline's first
    and last frame (inclusive, at the project's rate) to export, None for all of it.
    """

    path: Path
    codec: str = "h264"
    crf: int = 18
    preset: str = "medium"
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    in_out: tuple[int, int] | None = None

    @classmethod
    def for_path(cls, path: Path) -> ExportOptions:
        """The defaults for a file name: its extension picks the codec (unknown: H.264)."""
        return cls(path=path, codec=CODECS.get(path.suffix.lower(), "h264"))

    def frame_range(self, rate: Fraction) -> tuple[int, int] | None:
        """``in_out`` as the half-open range of output frames at the export's rate."""
        if self.in_out is None:
            return None
        first, last = self.in_out
        out_rate = Fraction(self.fps) if self.fps is not None else Fraction(rate)
        start = first * out_rate.numerator * rate.denominator // (
            out_rate.denominator * rate.numerator)
        stop = -(-(last + 1) * out_rate.numerator * rate.denominator // (
            out_rate.denominator * rate.numerator))
        return start, max(start + 1, stop)


def _sizes(width: int, height: int) -> dict[str, tuple[int, int] | None]:
    half = (max(2, width // 4 * 2), max(2, height // 4 * 2))
    sizes: dict[str, tuple[int, int] | None] = {f"Project size ({width}x{height})": None,
                                                f"Half ({half[0]}x{half[1]})": half}
    for w, h in ((3840, 2160), (1920, 1080), (1280, 720)):
        if (w, h) != (width, height):
            sizes[f"{w}x{h}"] = (w, h)
    return sizes


class ExportDialog(QDialog):
    """Edits an :class:`ExportOptions`; :meth:`options` reads the choice back.

    Parameters
    ----------
    options
        Where to start (the last export's choices, or the defaults).
    width, height, rate
        The project's size and frame rate.
    marks
        The timeline's in and out points, when both are set.
    licence_note
        One line saying the export uses takes of models under restricted licences, or None.
    """

    def __init__(self, options: ExportOptions, width: int, height: int, rate: Fraction,
                 marks: tuple[int, int] | None, parent: QWidget | None = None, *,
                 licence_note: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(520)
        self.rate = Fraction(rate)
        self.path = QLineEdit(str(options.path))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.format = QComboBox()
        self.format.addItems(list(FORMATS))
        self.crf = QSpinBox()
        self.crf.setRange(0, 51)
        self.crf.setToolTip("Lower is better quality and a bigger file; 18 looks lossless to "
                            "most eyes, 23 is x264's default.")
        self.preset = QComboBox()
        self.preset.addItems(list(PRESETS))
        self.frame_size = QComboBox()
        self.sizes = _sizes(width, height)
        self.frame_size.addItems(list(self.sizes))
        self.fps = QComboBox()
        self.fps.addItems([f"Project rate ({rate_text(self.rate)})", *RATES])
        self.range = QComboBox()
        self.range.addItem("Whole timeline")
        self.marks = marks
        if marks is not None:
            self.range.addItem(f"In to Out ({frames_to_timecode(marks[0], self.rate)} - "
                               f"{frames_to_timecode(marks[1], self.rate)})")
        form = QFormLayout(self)
        where = QHBoxLayout()
        where.addWidget(self.path)
        where.addWidget(browse)
        form.addRow("File", where)
        for label, widget in (("Format", self.format), ("Quality (CRF)", self.crf),
                              ("Speed", self.preset), ("Size", self.frame_size),
                              ("Frame rate", self.fps), ("Range", self.range)):
            form.addRow(label, widget)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        # Takes of models under restricted licences: said in one line, and recorded in the file.
        self.licences = QLabel(licence_note or "")
        self.licences.setWordWrap(True)
        self.licences.setVisible(bool(licence_note))
        form.addRow(self.licences)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._show(options)
        self.format.currentTextChanged.connect(self._format_changed)

    def _show(self, options: ExportOptions) -> None:
        label = next((name for name, (codec, _) in FORMATS.items() if codec == options.codec),
                     "H.264 MP4")
        self.format.setCurrentText(label)
        self.crf.setValue(options.crf)
        self.preset.setCurrentText(options.preset)
        size = None if options.width is None or options.height is None else (
            options.width, options.height)
        self.frame_size.setCurrentText(
            next((name for name, s in self.sizes.items() if s == size),
                 self.frame_size.itemText(0)))
        label = next((name for name, fps in RATES.items() if fps == options.fps), "")
        self.fps.setCurrentIndex(max(0, self.fps.findText(label)) if label else 0)
        self.range.setCurrentIndex(1 if options.in_out is not None and self.marks else 0)
        self._format_changed(self.format.currentText())

    def _format_changed(self, label: str) -> None:
        codec, suffix = FORMATS[label]
        x26x = codec != "prores"
        self.crf.setEnabled(x26x)
        self.preset.setEnabled(x26x)
        self.note.setText("" if x26x else "ProRes 422 HQ is an editing intermediate: "
                          "visually lossless, about ten times the size of H.264.")
        text = self.path.text().strip()
        if text:
            self.path.setText(str(Path(text).with_suffix(suffix)))

    def _browse(self) -> None:
        suffix = FORMATS[self.format.currentText()][1]
        name, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(),
                                              f"{self.format.currentText()} (*{suffix})")
        if name:
            self.path.setText(str(Path(name).with_suffix(suffix)))

    def options(self) -> ExportOptions:
        """The choice shown now."""
        codec, suffix = FORMATS[self.format.currentText()]
        size = self.sizes[self.frame_size.currentText()]
        fps = RATES.get(self.fps.currentText())  # None: the project rate
        in_out = self.marks if self.range.currentIndex() == 1 else None
        path = Path(self.path.text().strip() or "export").with_suffix(suffix)
        return ExportOptions(path=path, codec=codec, crf=self.crf.value(),
                             preset=self.preset.currentText(),
                             width=size[0] if size else None, height=size[1] if size else None,
                             fps=fps, in_out=in_out)


def ask(options: ExportOptions, width: int, height: int, rate: Fraction,
        marks: tuple[int, int] | None, parent: QWidget | None = None, *,
        licence_note: str | None = None) -> ExportOptions | None:
    """Show the dialog; the options chosen, or None when cancelled. ``licence_note`` is the
    one line on restricted model licences the export involves, if any."""
    dialog = ExportDialog(options, width, height, rate, marks, parent,
                          licence_note=licence_note)
    return dialog.options() if dialog.exec() == QDialog.DialogCode.Accepted else None
