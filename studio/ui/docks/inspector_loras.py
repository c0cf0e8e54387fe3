"""The inspector's LoRA row: a shot's LoRAs as ``name:strength, ...`` text, and which LoRAs
its model has (the engine's model list, ``frameloom-engine models add-lora`` adds them)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit

from studio.document.model import LoraUse


def format_loras(loras: Iterable[LoraUse]) -> str:
    """``name:strength`` for each LoRA, comma-separated (the strength left out when it is 1)."""
    return ", ".join(lora.name if lora.strength == 1.0 else f"{lora.name}:{lora.strength:g}"
                     for lora in loras)


def parse_loras(text: str) -> tuple[LoraUse, ...]:
    """Read ``name[:strength], ...`` (empty for none).

    Raises
    ------
    ValueError
        With one sentence, for an entry whose strength is not a number.
    """
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, strength = part.rpartition(":") if ":" in part else (part, "", "1")
        try:
            value = float(strength)
        except ValueError:
            value = math.nan
        if not name.strip() or not math.isfinite(value):
            raise ValueError(f"{part!r} is not NAME or NAME:STRENGTH, such as grain:0.8.")
        found.append(LoraUse(name=name.strip(), strength=value))
    return tuple(found)


class LoraField:
    """The LoRA row's line edit and the note under it; ``changed`` gets the parsed LoRAs."""

    def __init__(self, changed: Callable[[tuple[LoraUse, ...]], None]) -> None:
        self.edit = QLineEdit()
        self.edit.setObjectName("loras")
        self.edit.setPlaceholderText("none (name:strength, ...)")
        self.note = QLabel()
        self.note.setObjectName("lora_note")
        self.note.setWordWrap(True)
        self._shown: tuple[LoraUse, ...] = ()
        self._changed = changed
        self.edit.editingFinished.connect(self.commit)

    def add_rows(self, form: QFormLayout) -> None:
        """Add the "LoRAs" row and its note to the inspector's form."""
        form.addRow("LoRAs", self.edit)
        form.addRow("", self.note)

    def show(self, loras: tuple[LoraUse, ...], model_id: str,
             available: tuple[str, ...] | None) -> None:
        """Show a shot's LoRAs, and those its model has (None: the engine did not say)."""
        self._shown = loras
        self.edit.setText(format_loras(loras))
        self.show_available(model_id, available)

    def show_available(self, model_id: str, available: tuple[str, ...] | None) -> None:
        """Say which LoRAs the model has (None: the engine did not say), leaving the text."""
        if available is None:
            self.note.setText("")
        elif available:
            self.note.setText(f"{model_id} has: {', '.join(available)}.")
        else:
            self.note.setText(f"{model_id} has no LoRAs; add one with `frameloom-engine models "
                              f"add-lora {model_id} FILE`.")

    def commit(self) -> None:
        """Ask for the typed LoRAs; a line that does not read says why and keeps the old ones."""
        try:
            loras = parse_loras(self.edit.text())
        except ValueError as exc:
            self.note.setText(str(exc))
            self.edit.setText(format_loras(self._shown))
            return
        if loras != self._shown:
            self._changed(loras)
