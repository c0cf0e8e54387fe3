"""The inspector's spec editor: a generated entry's prompt, model, size, length, seed, steps,
draft switch, LoRAs, fast paths (attention backend, regional compilation) and a long shot's
drift retries."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.protocol import ATTENTION_BACKENDS, MAX_RETRIES, ModelRecord
from studio.document.model import DEFAULT_MODEL, MAX_SEED, GeneratedSpec
from studio.engine_link.models import ModelBook
from studio.ui.docks.inspector_loras import LoraField

#: Resolution presets: label -> (width, height), None for the project's size.
SIZES: dict[str, tuple[int, int] | None] = {
    "Project size": None, "512x288 (16:9)": (512, 288), "768x432 (16:9)": (768, 432),
    "1280x720 (16:9)": (1280, 720), "288x512 (9:16)": (288, 512), "512x512 (1:1)": (512, 512),
}

#: The preset for the size the chosen model makes by default (frameloom-mini's is 192x128).
MODEL_SIZE = "Model's size"

#: The drift retries box's lowest value, shown as this text: the engine's default (None).
ENGINE_DEFAULT = "Engine's default"


class SpecEditor(QObject):
    """Prompt, negative prompt, model, frame size, duration, seed, steps, guidance, draft and
    LoRAs (:class:`~studio.ui.docks.inspector_loras.LoraField`).

    Parameters
    ----------
    current
        Returns the spec of the entry the inspector shows now (None when it has none), read
        afresh on every change so only real changes are asked for.

    Signals
    -------
    edit_requested(str field, object value)
        One setting changed; a size preset comes as ``size`` with ``(width, height)``, or
        None for the project's size.
    """

    edit_requested = Signal(str, object)

    def __init__(self, current: Callable[[], GeneratedSpec | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current = current
        #: Each model's own size (its ``defaults`` in the engine's list), for the size preset.
        self.model_sizes: dict[str, tuple[int, int]] = {}
        self.book = ModelBook()
        #: What the chosen model needs: the profile that will run and its GPU memory (the
        #: catalog's figures, said to be estimates), or why it does not fit.
        self.needs = QLabel()
        self.needs.setObjectName("needs")
        self.needs.setWordWrap(True)
        self.prompt = QLineEdit()
        self.negative_prompt = QLineEdit()
        self.model = QComboBox()
        self.model.setEditable(True)
        # Named frame_size: as ``size`` on the inspector widget it shadowed QWidget.size().
        self.frame_size = QComboBox()
        self.frame_size.addItems(list(SIZES))
        self.frame_size.insertItem(1, MODEL_SIZE)  # relabelled with the model's numbers
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
        self.draft = QCheckBox("Quick draft")
        self.draft.setToolTip("Half the size and steps, with steps cached; a draft take can be "
                              "made final later, at full settings with the same seed.")
        #: Each model's LoRAs (the engine's model list), for the LoRA row's note.
        self.model_loras: dict[str, tuple[str, ...] | None] = {}
        self.loras = LoraField(lambda loras: self._request("loras", loras))
        self.attention = QComboBox()
        self.attention.addItems(list(ATTENTION_BACKENDS))
        self.attention.setToolTip("The attention backend: native or math run anywhere; cudnn, "
                                  "flash and sage need a CUDA GPU (the engine says if not).")
        self.compile = QCheckBox("Compile blocks")
        self.compile.setToolTip("Compile the model's repeated blocks before it runs: the "
                                "first such job takes minutes longer, later ones run faster.")
        self.drift_retries = QSpinBox()
        self.drift_retries.setRange(-1, MAX_RETRIES)
        self.drift_retries.setSpecialValueText(ENGINE_DEFAULT)
        self.drift_retries.setToolTip(
            "A long shot is made in windows, each continuing the last. A later window whose "
            "colour drifts from the first window's by more than 3 Delta E is made again with "
            "another seed up to this many times, and the one that drifted least is kept (0: "
            "never; each try costs a window's time). Only shots longer than one window use it.")
        for name in ("prompt", "negative_prompt", "model", "duration", "seed", "steps",
                     "guidance", "draft", "attention", "compile", "drift_retries"):
            getattr(self, name).setObjectName(name)
        self.frame_size.setObjectName("size")
        for combo in (self.model, self.frame_size):  # long model ids must not widen the dock
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self._connect()

    def editors(self) -> tuple[QWidget, ...]:
        """Every widget that edits the spec, for enabling and signal blocking."""
        return (self.prompt, self.negative_prompt, self.model, self.frame_size, self.duration,
                self.seed, self.randomise, self.steps, self.guidance, self.draft,
                self.loras.edit, self.attention, self.compile, self.drift_retries)

    def add_rows(self, form: QFormLayout) -> None:
        """Add the spec's rows, Prompt to Drift retries, to the inspector's form."""
        seed = QHBoxLayout()
        seed.addWidget(self.seed, 1)
        seed.addWidget(self.randomise)
        for label, widget in (("Prompt", self.prompt), ("Negative", self.negative_prompt),
                              ("Model", self.model), ("Needs", self.needs),
                              ("Size", self.frame_size),
                              ("Duration", self.duration)):
            form.addRow(label, widget)
        form.addRow("Seed", seed)
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Draft", self.draft)
        self.loras.add_rows(form)
        fast = QHBoxLayout()
        fast.addWidget(self.attention, 1)
        fast.addWidget(self.compile)
        form.addRow("Attention", fast)
        form.addRow("Drift retries", self.drift_retries)

    def _connect(self) -> None:
        for name in ("prompt", "negative_prompt"):
            editor: QLineEdit = getattr(self, name)
            editor.editingFinished.connect(
                lambda n=name, e=editor: self._request(n, e.text()))
        for name in ("seed", "steps", "guidance", "duration"):
            getattr(self, name).valueChanged.connect(lambda v, n=name: self._request(n, v))
        self.model.activated.connect(lambda _i: self._request("model_id",
                                                              self.model.currentText()))
        model_edit = self.model.lineEdit()
        assert model_edit is not None  # the combo box is editable (see __init__)
        model_edit.editingFinished.connect(
            lambda: self._request("model_id", self.model.currentText().strip()))
        self.frame_size.activated.connect(self._size_chosen)
        self.draft.toggled.connect(lambda on: self._request("draft", bool(on)))
        self.drift_retries.valueChanged.connect(
            lambda v: self._request("drift_retries", None if v < 0 else int(v)))
        self.compile.toggled.connect(lambda on: self._request("compile", bool(on)))
        self.attention.activated.connect(
            lambda _i: self._request("attention", self.attention.currentText()))
        self.randomise.clicked.connect(
            lambda: self._request("seed", random.randint(0, MAX_SEED)))

    def set_models(self, models: list[dict[str, Any]]) -> None:
        """Offer these models (the engine's list of model records); the current choice is kept.

        A record's ``defaults`` (the size the model makes when asked for none) becomes the
        "Model's size" preset while that model is chosen.
        """
        self.model_sizes = {
            m["id"]: (int(d["width"]), int(d["height"])) for m in models
            if isinstance(d := m.get("defaults"), dict) and {"width", "height"} <= set(d)}
        self.book = ModelBook(models)
        self.model_loras = {m["id"]: ModelRecord.from_dict(m).loras for m in models}
        current = self.model.currentText()
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(sorted({m["id"] for m in models} | {DEFAULT_MODEL}))
        self.model.setCurrentText(current)
        self.model.blockSignals(False)
        spec = self._current()
        if spec is not None:
            self._label_model_size(spec.model_id)
            self._show_needs(spec.model_id)
            self.loras.show_available(spec.model_id, self.model_loras.get(spec.model_id))

    def _show_needs(self, model_id: str) -> None:
        needs = self.book.needs(model_id) or ("Not known: the engine gave no memory figures "
                                              "for this model.")
        self.needs.setText(self.book.fit_refusal(model_id) or needs)
        self.needs.setToolTip(needs)

    def _label_model_size(self, model_id: str) -> tuple[int, int] | None:
        """Name the "Model's size" preset after ``model_id``'s size; that size, if known."""
        size = self.model_sizes.get(model_id)
        self.frame_size.setItemText(1, MODEL_SIZE if size is None
                                    else f"{MODEL_SIZE} ({size[0]}x{size[1]})")
        return size

    def show(self, spec: GeneratedSpec) -> None:
        """Show ``spec``'s settings (the caller blocks the editors' signals meanwhile)."""
        self.prompt.setText(spec.prompt)
        self.negative_prompt.setText(spec.negative_prompt)
        if self.model.findText(spec.model_id) < 0:
            self.model.addItem(spec.model_id)
        self.model.setCurrentText(spec.model_id)
        self._show_needs(spec.model_id)
        size = None if spec.width is None else (spec.width, spec.height)
        model_size = self._label_model_size(spec.model_id)
        label = next((k for k, v in SIZES.items() if v == size), None)
        if label is None and size is not None and size == model_size:
            label = self.frame_size.itemText(1)
        if label is None:
            label = f"{spec.width}x{spec.height}"
            if self.frame_size.findText(label) < 0:
                self.frame_size.addItem(label)
        self.frame_size.setCurrentText(label)
        self.duration.setValue(spec.duration)
        self.seed.setValue(spec.seed)
        self.steps.setValue(spec.steps)
        self.guidance.setValue(spec.guidance)
        self.draft.setChecked(spec.draft)
        self.attention.setCurrentText(spec.attention)
        self.compile.setChecked(spec.compile)
        self.drift_retries.setValue(-1 if spec.drift_retries is None else spec.drift_retries)
        self.drift_retries.setEnabled(spec.kind == "shot")
        self.loras.show(spec.loras, spec.model_id, self.model_loras.get(spec.model_id))

    def commit(self) -> None:
        """Ask for what the text fields hold but have not sent: a line edit finishes only on
        Enter or losing focus, and an action taken meanwhile (Ctrl+Enter) must see the text."""
        for name in ("prompt", "negative_prompt"):
            editor: QLineEdit = getattr(self, name)
            self._request(name, editor.text())
        self._request("model_id", self.model.currentText().strip())
        self.loras.commit()

    def _request(self, field: str, value: Any) -> None:
        spec = self._current()
        if spec is not None and getattr(spec, field) != value:
            self.edit_requested.emit(field, value)

    def _size_chosen(self, index: int) -> None:
        spec = self._current()
        if spec is None:
            return
        old = None if spec.width is None else (spec.width, spec.height)
        if index == 1:  # the model's own size
            size = self.model_sizes.get(spec.model_id)
            if size is not None and size != old:
                self.edit_requested.emit("size", size)
            return
        size = SIZES.get(self.frame_size.currentText())
        if self.frame_size.currentText() in SIZES and size != old:
            self.edit_requested.emit("size", size)
