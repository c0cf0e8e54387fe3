"""QtInspector: the settings of the selected generated shot or bridge, editable field by field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget,
)

from studio.document.errors import EditError
from studio.document.model import Generated, Generation, Project, Transition

from . import Subscriptions


class QtInspector(QWidget):
    """Prompt, negative prompt, seed, steps and guidance of one generated entry.

    The inspector never edits the document: it emits ``spec_edit_requested`` and follows the
    document's ``item_changed`` events, so undo shows in it too.

    Signals
    -------
    spec_edit_requested(str entry_id, str field, object value)
    """

    spec_edit_requested = Signal(str, str, object)

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self.entry_id: str | None = None
        self.title = QLabel("Select a generated shot or bridge.")
        self.prompt = QLineEdit()
        self.negative_prompt = QLineEdit()
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.steps = QSpinBox()
        self.steps.setRange(1, 500)
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 50.0)
        self.guidance.setSingleStep(0.5)
        form = QFormLayout(self)
        form.addRow(self.title)
        for name in ("prompt", "negative_prompt", "seed", "steps", "guidance"):
            getattr(self, name).setObjectName(name)
        for label, widget in (("Prompt", self.prompt), ("Negative", self.negative_prompt),
                              ("Seed", self.seed), ("Steps", self.steps),
                              ("Guidance", self.guidance)):
            form.addRow(label, widget)
        for name in ("prompt", "negative_prompt"):
            editor: QLineEdit = getattr(self, name)
            editor.editingFinished.connect(
                lambda n=name, e=editor: self._request(n, e.text()))
        for name in ("seed", "steps", "guidance"):
            getattr(self, name).valueChanged.connect(lambda v, n=name: self._request(n, v))
        self.subscriptions = Subscriptions()
        self.subscriptions.connect(project.events.item_changed, self._on_changed)
        self.show_entry(None)

    def _generation(self) -> Generation | None:
        if self.entry_id is None:
            return None
        try:
            entry = self.project.find(self.entry_id)[2]
        except EditError:
            return None
        if isinstance(entry, (Generated, Transition)):
            return entry.generation
        return None

    def show_entry(self, entry_id: str | None) -> None:
        """Show the settings of ``entry_id`` (disabled if it has none)."""
        self.entry_id = entry_id
        generation = self._generation()
        editors = (self.prompt, self.negative_prompt, self.seed, self.steps, self.guidance)
        for editor in editors:
            editor.blockSignals(True)
            editor.setEnabled(generation is not None)
        if generation is not None:
            spec = generation.spec
            self.title.setText(f"{spec.kind}, {spec.duration} frames")
            self.prompt.setText(spec.prompt)
            self.negative_prompt.setText(spec.negative_prompt)
            self.seed.setValue(spec.seed)
            self.steps.setValue(spec.steps)
            self.guidance.setValue(spec.guidance)
        else:
            self.title.setText("Select a generated shot or bridge.")
        for editor in editors:
            editor.blockSignals(False)

    def _request(self, field: str, value: Any) -> None:
        generation = self._generation()
        if generation is not None and self.entry_id is not None \
                and getattr(generation.spec, field) != value:
            self.spec_edit_requested.emit(self.entry_id, field, value)

    def _on_changed(self, _track: object, _index: int, _old: object, new: Any) -> None:
        if new.id == self.entry_id:
            self.show_entry(self.entry_id)

    def detach(self) -> None:
        """Stop following the document."""
        self.subscriptions.clear()
