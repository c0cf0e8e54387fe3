"""Add LoRA to Model: a LoRA file, chosen in a dialog, added through the engine to the model of
the selected shot (the default model when no shot is selected)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.document.errors import EditError
from studio.document.model import DEFAULT_MODEL, Generated, Project, Transition
from studio.ui.generation.engine_bridge import EngineBridge


class LoraRequests(QObject):
    """The Generate menu's Add LoRA to Model.

    Parameters
    ----------
    bridge
        The engine (None: the action says it is not running).
    ask_path
        Asks for the LoRA file (``Prompts.lora_path``); None when the user cancels.
    project, selection
        The open project and the selected items, read when the action runs.

    Signals
    -------
    message(str)
        One sentence for the status bar: what is being added, added, or why not.
    """

    message = Signal(str)

    def __init__(self, bridge: EngineBridge | None, ask_path: Callable[[], Path | None],
                 project: Callable[[], Project], selection: Callable[[], list[str]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge, self._ask, self._project, self._selection = \
            bridge, ask_path, project, selection
        if bridge is not None:
            bridge.lora_added.connect(lambda model, name: self.message.emit(
                f"Added the LoRA {name} to {model}; a shot of {model} can use it in its "
                "LoRAs row."))

    def model_id(self) -> str:
        """The model of the first selected shot or bridge, else the default model."""
        for entry_id in self._selection():
            try:
                entry = self._project().find(entry_id)[2]
            except EditError:
                continue
            if isinstance(entry, (Generated, Transition)) and entry.generation is not None:
                return entry.generation.spec.model_id
        return DEFAULT_MODEL

    def add_lora(self) -> None:
        """Ask for a LoRA file and send it to the engine for the selected shot's model."""
        if self.bridge is None:
            self.message.emit("The engine is not running in this window, so no LoRA can be "
                              "added; start the studio with 'frameloom PROJECT'.")
            return
        path = self._ask()
        if path is None:
            return
        model_id = self.model_id()
        self.bridge.add_lora(model_id, str(path))
        self.message.emit(f"Adding the LoRA {path.name} to {model_id}...")
