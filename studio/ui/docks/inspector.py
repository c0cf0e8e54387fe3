"""QtInspector: the settings and takes of the selected generated shot or bridge."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.document.errors import EditError
from studio.document.model import (
    DEFAULT_MODEL,
    Clip,
    Generated,
    Generation,
    Project,
    Still,
    Take,
    TrackEntry,
    Transition,
)
from studio.ui.docks.media_bin import MEDIA_MIME

from studio.ui.subscriptions import Subscriptions

#: Resolution presets: label -> (width, height), None for the project's size.
SIZES: dict[str, tuple[int, int] | None] = {
    "Project size": None, "512x288 (16:9)": (512, 288), "768x432 (16:9)": (768, 432),
    "1280x720 (16:9)": (1280, 720), "288x512 (9:16)": (288, 512), "512x512 (1:1)": (512, 512),
}
MAX_SEED = 2**31 - 1
TAKE_ICON = QSize(64, 36)
#: A take's thumbnail: (take, frame of it, (width, height)) -> pixmap, or None until made.
TakeThumb = Callable[[Take, int, tuple[int, int]], QPixmap | None]


class _PinList(QListWidget):
    """The pins of a shot; stills and clips dragged from the media bin onto it become pins."""

    media_dropped = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasFormat(MEDIA_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasFormat(MEDIA_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        data = event.mimeData()
        if data.hasFormat(MEDIA_MIME):
            self.media_dropped.emit(bytes(data.data(MEDIA_MIME).data()).decode().split())
            event.acceptProposedAction()


class QtInspector(QWidget):
    """Prompt, negative prompt, model, size, duration, seed, steps, guidance, pins and takes.

    The inspector never edits the document: it emits requests and follows the document's
    ``item_changed`` events, so undo shows in it too.

    Signals
    -------
    spec_edit_requested(str entry_id, str field, object value)
        One setting changed (``width`` and ``height`` come as one ``size`` request).
    take_requested(str entry_id, str action, str take_id)
        ``use`` a take (make it active), ``delete`` it, or ``requeue`` (take_id "") the item.
    take_selected(str entry_id, str take_id, bool active)
        A take was selected in the list ("" when none), and whether it is the chosen one.
    trim_requested(str entry_id, int in_delta, int out_delta)
        A clip's source in or out point, or a still's duration, was changed (a ripple trim).
    pin_requested(str entry_id, object what)
        Add a pin: ``"playhead"`` (the frame under the playhead) or a list of media ids (bin
        rows dropped on the pins list).
    """

    spec_edit_requested = Signal(str, str, object)
    take_requested = Signal(str, str, str)
    take_selected = Signal(str, str, bool)
    pin_requested = Signal(str, object)
    trim_requested = Signal(str, int, int)

    def __init__(self, project: Project, parent: QWidget | None = None, *,
                 thumb: TakeThumb | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.thumb = thumb
        self.entry_id: str | None = None
        self.title = QLabel("Select a generated shot or bridge.")
        self.prompt = QLineEdit()
        self.negative_prompt = QLineEdit()
        self.model = QComboBox()
        self.model.setEditable(True)
        self.size = QComboBox()
        self.size.addItems(list(SIZES))
        self.duration = QSpinBox()
        self.duration.setRange(1, 2000)
        self.duration.setSuffix(" frames")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.randomise = QPushButton("Randomise")
        self.steps = QSpinBox()
        self.steps.setRange(1, 500)
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 50.0)
        self.guidance.setSingleStep(0.5)
        self.pins = _PinList()
        self.pins.setObjectName("pins")
        self.pins.setMaximumHeight(72)
        self.pin_at = QSpinBox()
        self.pin_at.setRange(0, 1999)
        self.pin_at.setPrefix("at frame ")
        self.pin_strength = QDoubleSpinBox()
        self.pin_strength.setRange(0.0, 1.0)
        self.pin_strength.setSingleStep(0.1)
        self.pin_strength.setPrefix("strength ")
        self.pin_buttons = {"playhead": QPushButton("Pin Playhead Frame"),
                            "remove": QPushButton("Remove Pin")}
        self.takes = QListWidget()
        self.takes.setObjectName("takes")
        self.takes.setIconSize(TAKE_ICON)
        self.take_buttons = {name: QPushButton(title) for name, title in (
            ("use", "Use Take"), ("delete", "Delete Take"), ("requeue", "Generate Again"))}
        self.source_in = QSpinBox()
        self.source_out = QSpinBox()
        self.item_duration = QSpinBox()
        for box, prefix in ((self.source_in, "in "), (self.source_out, "out "),
                            (self.item_duration, "")):
            box.setRange(0, 10**7)
            box.setPrefix(prefix)
        self.item_duration.setSuffix(" frames")
        self.footage = QWidget()
        footage = QHBoxLayout(self.footage)
        footage.setContentsMargins(0, 0, 0, 0)
        for box in (self.source_in, self.source_out, self.item_duration):
            footage.addWidget(box)
        self._build_form()
        self._connect()
        self.subscriptions = Subscriptions()
        self.subscriptions.connect(project.events.item_changed, self._on_changed)
        self.show_entry(None)

    def _build_form(self) -> None:
        form = self.form = QFormLayout(self)
        form.addRow(self.title)
        form.addRow("Source", self.footage)
        for name in ("prompt", "negative_prompt", "model", "size", "duration", "seed", "steps",
                     "guidance"):
            getattr(self, name).setObjectName(name)
        seed = QHBoxLayout()
        seed.addWidget(self.seed, 1)
        seed.addWidget(self.randomise)
        for label, widget in (("Prompt", self.prompt), ("Negative", self.negative_prompt),
                              ("Model", self.model), ("Size", self.size),
                              ("Duration", self.duration)):
            form.addRow(label, widget)
        form.addRow("Seed", seed)
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Pins", self.pins)
        pin_row = QHBoxLayout()
        for widget in (self.pin_at, self.pin_strength, *self.pin_buttons.values()):
            pin_row.addWidget(widget)
        form.addRow(pin_row)
        form.addRow("Takes", self.takes)
        buttons = QHBoxLayout()
        for button in self.take_buttons.values():
            buttons.addWidget(button)
        form.addRow(buttons)

    def _connect(self) -> None:
        for name in ("prompt", "negative_prompt"):
            editor: QLineEdit = getattr(self, name)
            editor.editingFinished.connect(
                lambda n=name, e=editor: self._request(n, e.text()))
        for name in ("seed", "steps", "guidance", "duration"):
            getattr(self, name).valueChanged.connect(lambda v, n=name: self._request(n, v))
        self.model.activated.connect(lambda _i: self._request("model_id",
                                                              self.model.currentText()))
        self.model.lineEdit().editingFinished.connect(
            lambda: self._request("model_id", self.model.currentText().strip()))
        self.size.activated.connect(self._size_chosen)
        self.randomise.clicked.connect(
            lambda: self._request("seed", random.randint(0, MAX_SEED)))
        for action, button in self.take_buttons.items():
            button.clicked.connect(lambda _c=False, a=action: self._take_action(a))
        self.takes.currentItemChanged.connect(lambda *_: self._take_row_changed())
        self.pins.currentRowChanged.connect(lambda _row: self._show_pin())
        self.source_in.valueChanged.connect(lambda v: self._trim("in", v))
        self.source_out.valueChanged.connect(lambda v: self._trim("out", v))
        self.item_duration.valueChanged.connect(lambda v: self._trim("duration", v))
        self.pin_at.valueChanged.connect(lambda v: self._edit_pin(at=v))
        self.pin_strength.valueChanged.connect(lambda v: self._edit_pin(strength=round(v, 3)))
        self.pin_buttons["remove"].clicked.connect(lambda: self._edit_pin(remove=True))
        self.pin_buttons["playhead"].clicked.connect(
            lambda: self.entry_id and self.pin_requested.emit(self.entry_id, "playhead"))
        self.pins.media_dropped.connect(
            lambda ids: self.entry_id and self.pin_requested.emit(self.entry_id, ids))

    # ------------------------------------------------------------------ the engine's models
    def set_models(self, model_ids: list[str]) -> None:
        """Offer these models (the engine's list); the current choice is kept."""
        current = self.model.currentText()
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(sorted(set(model_ids) | {DEFAULT_MODEL}))
        self.model.setCurrentText(current)
        self.model.blockSignals(False)

    # ------------------------------------------------------------------ showing an entry
    def _entry(self) -> TrackEntry | None:
        if self.entry_id is None:
            return None
        try:
            return self.project.find(self.entry_id)[2]
        except EditError:
            return None

    def _generation(self) -> Generation | None:
        entry = self._entry()
        return entry.generation if isinstance(entry, (Generated, Transition)) else None

    def _editors(self) -> tuple[QWidget, ...]:
        return (self.prompt, self.negative_prompt, self.model, self.size, self.duration,
                self.seed, self.randomise, self.steps, self.guidance, self.takes, self.pins,
                self.pin_at, self.pin_strength, *self.pin_buttons.values())

    def show_entry(self, entry_id: str | None) -> None:
        """Show the settings of ``entry_id`` (disabled if it has none)."""
        self.entry_id = entry_id
        self._show_footage()
        generation = self._generation()
        for editor in self._editors():
            editor.blockSignals(True)
            editor.setEnabled(generation is not None)
        if generation is not None:
            self._show(generation)
        else:
            if self._footage() is None:
                self.title.setText("Select a generated shot or bridge.")
            self.pins.clear()
            self.takes.clear()
        for editor in self._editors():
            editor.blockSignals(False)
        self._show_pin()
        self._take_row_changed()

    def _show(self, generation: Generation) -> None:
        spec = generation.spec
        self.title.setText(f"{spec.kind.replace('_', ' ')}, {spec.duration} frames")
        self.prompt.setText(spec.prompt)
        self.negative_prompt.setText(spec.negative_prompt)
        if self.model.findText(spec.model_id) < 0:
            self.model.addItem(spec.model_id)
        self.model.setCurrentText(spec.model_id)
        size = None if spec.width is None else (spec.width, spec.height)
        label = next((k for k, v in SIZES.items() if v == size), None)
        if label is None:
            label = f"{spec.width}x{spec.height}"
            if self.size.findText(label) < 0:
                self.size.addItem(label)
        self.size.setCurrentText(label)
        self.duration.setValue(spec.duration)
        self.seed.setValue(spec.seed)
        self.steps.setValue(spec.steps)
        self.guidance.setValue(spec.guidance)
        row = self.pins.currentRow()
        self.pins.clear()
        for pin in spec.pins:
            frames = "" if pin.source.duration == 1 and pin.source.start == 0 else (
                f" frames {pin.source.start}-{pin.source.end - 1}")
            self.pins.addItem(f"{self._media_name(pin.media_id)}{frames} at frame {pin.at}, "
                              f"strength {pin.strength:.0%}")
        self.pins.setCurrentRow(min(max(row, 0), len(spec.pins) - 1))
        self.takes.clear()
        for number, take in enumerate(generation.takes, 1):
            active = take.id == generation.active_take_id
            row = QListWidgetItem(f"{'● ' if active else '  '}Take {number}: {take.status}, "
                                  f"{take.created.replace('T', ' ').rstrip('Z')}")
            row.setData(Qt.ItemDataRole.UserRole, take.id)
            row.setToolTip(take.path)
            self.takes.addItem(row)
            self._take_icon(row, take)
            if active:
                self.takes.setCurrentItem(row)

    def _take_icon(self, row: QListWidgetItem, take: Take) -> None:
        if self.thumb is None:
            return
        pixmap = self.thumb(take, 0, (TAKE_ICON.width(), TAKE_ICON.height()))
        if pixmap is not None:
            row.setIcon(QIcon(pixmap))

    def refresh_icons(self) -> None:
        """Show the takes' thumbnails that have arrived since."""
        generation = self._generation()
        if generation is None:
            return
        takes = {take.id: take for take in generation.takes}
        for i in range(self.takes.count()):
            row = self.takes.item(i)
            take = takes.get(row.data(Qt.ItemDataRole.UserRole))
            if take is not None and row.icon().isNull():
                self._take_icon(row, take)

    def _media_name(self, media_id: str) -> str:
        media = self.project.media.get(media_id)
        return (media.name or media.path) if media is not None else media_id

    # ------------------------------------------------------------------ requests
    def _request(self, field: str, value: Any) -> None:
        generation = self._generation()
        if generation is not None and self.entry_id is not None \
                and getattr(generation.spec, field) != value:
            self.spec_edit_requested.emit(self.entry_id, field, value)

    def _footage(self) -> Clip | Still | None:
        entry = self._entry()
        return entry if isinstance(entry, (Clip, Still)) else None

    def _show_footage(self) -> None:
        """A clip's source in/out and duration, a still's duration; hidden for the rest."""
        item = self._footage()
        boxes = (self.source_in, self.source_out, self.item_duration)
        for box in boxes:
            box.blockSignals(True)
        self.footage.setEnabled(item is not None)
        self.form.setRowVisible(self.footage, item is not None)
        self.source_in.setVisible(isinstance(item, Clip))
        self.source_out.setVisible(isinstance(item, Clip))
        if isinstance(item, Clip):
            self.title.setText(f"clip {item.name or item.id}, {item.duration} frames")
            self.source_in.setValue(item.source.start)
            self.source_out.setValue(item.source.end)
        elif isinstance(item, Still):
            self.title.setText(f"still {item.name or item.id}, {item.duration} frames")
        if item is not None:
            self.item_duration.setValue(item.duration)
        for box in boxes:
            box.blockSignals(False)

    def _trim(self, which: str, value: int) -> None:
        item = self._footage()
        if item is None or self.entry_id is None:
            return
        if which == "in" and isinstance(item, Clip):
            deltas = (value - item.source.start, 0)
        elif which == "out" and isinstance(item, Clip):
            deltas = (0, value - item.source.end)
        else:
            deltas = (0, value - item.duration)
        if deltas != (0, 0):
            self.trim_requested.emit(self.entry_id, *deltas)

    def _show_pin(self) -> None:
        generation = self._generation()
        row = self.pins.currentRow()
        pin = generation.spec.pins[row] if generation and 0 <= row < len(
            generation.spec.pins) else None
        for widget in (self.pin_at, self.pin_strength):
            widget.blockSignals(True)
            widget.setEnabled(pin is not None)
        self.pin_buttons["remove"].setEnabled(pin is not None)
        self.pin_buttons["playhead"].setEnabled(generation is not None)
        if pin is not None:
            self.pin_at.setValue(pin.at)
            self.pin_strength.setValue(pin.strength)
        for widget in (self.pin_at, self.pin_strength):
            widget.blockSignals(False)

    def _edit_pin(self, *, at: int | None = None, strength: float | None = None,
                  remove: bool = False) -> None:
        generation = self._generation()
        row = self.pins.currentRow()
        if generation is None or not 0 <= row < len(generation.spec.pins):
            return
        pins = list(generation.spec.pins)
        if remove:
            del pins[row]
        else:
            changes = {k: v for k, v in (("at", at), ("strength", strength)) if v is not None}
            pins[row] = dataclasses.replace(pins[row], **changes)  # type: ignore[arg-type]
        self._request("pins", tuple(pins))

    def _size_chosen(self, _index: int) -> None:
        generation = self._generation()
        size = SIZES.get(self.size.currentText())
        if generation is None or self.entry_id is None:
            return
        old = None if generation.spec.width is None else (generation.spec.width,
                                                           generation.spec.height)
        if self.size.currentText() in SIZES and size != old:
            self.spec_edit_requested.emit(self.entry_id, "size", size)

    def selected_take(self) -> str | None:
        """The id of the take selected in the list."""
        row = self.takes.currentItem()
        return row.data(Qt.ItemDataRole.UserRole) if row is not None else None

    def _take_action(self, action: str) -> None:
        if self.entry_id is None:
            return
        take_id = "" if action == "requeue" else self.selected_take()
        if take_id is not None:
            self.take_requested.emit(self.entry_id, action, take_id)

    def _take_row_changed(self) -> None:
        self._update_take_buttons()
        generation = self._generation()
        take_id = self.selected_take() or ""
        if self.entry_id is not None and generation is not None:
            self.take_selected.emit(self.entry_id, take_id,
                                    take_id == generation.active_take_id)
        else:
            self.take_selected.emit("", "", True)

    def _update_take_buttons(self) -> None:
        has_entry = self._generation() is not None
        selected = self.selected_take() is not None
        self.take_buttons["use"].setEnabled(has_entry and selected)
        self.take_buttons["delete"].setEnabled(has_entry and selected)
        self.take_buttons["requeue"].setEnabled(has_entry)

    def _on_changed(self, _track: object, _index: int, _old: object, new: Any) -> None:
        if new.id == self.entry_id:
            self.show_entry(self.entry_id)

    def detach(self) -> None:
        """Stop following the document."""
        self.subscriptions.clear()
