"""The questions the main window asks the user, as replaceable callables (tests answer them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from studio.document.model import Project
from studio.document.persistence import PROJECT_SUFFIX, OpenedProject
from studio.ui.export.export_dialog import ExportOptions

CloseAnswer = Literal["save", "discard", "cancel"]
MEDIA_FILTER = ("Media (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.mp4 *.mov *.mkv *.webm "
                "*.avi *.wav *.flac *.mp3 *.aac *.m4a *.opus *.ogg)")


def _open_path(parent: QWidget | None, folder: Path) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Open Project", str(folder),
                                          f"Frameloom projects (*{PROJECT_SUFFIX})")
    return Path(name) if name else None


def _save_path(parent: QWidget | None, folder: Path, project_name: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Save Project As",
                                          str(folder / (project_name + PROJECT_SUFFIX)),
                                          f"Frameloom projects (*{PROJECT_SUFFIX})")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix == PROJECT_SUFFIX else path.with_name(path.name + PROJECT_SUFFIX)


def _otio_path(parent: QWidget | None, folder: Path, project_name: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, "Export Timeline (OTIO)",
                                          str(folder / f"{project_name}.otio"),
                                          "OpenTimelineIO files (*.otio)")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".otio" else path.with_name(f"{path.name}.otio")


def _export_options(parent: QWidget | None, start: ExportOptions, project: Project,
                    marks: tuple[int, int] | None, note: str | None) -> ExportOptions | None:
    from studio.ui.export.export_dialog import ask

    return ask(start, project.width, project.height, project.rate, marks, parent,
               licence_note=note)


def _folder(parent: QWidget | None, folder: Path) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, "Find Offline Media In", str(folder))
    return Path(name) if name else None


def _media_paths(parent: QWidget | None, folder: Path) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(parent, "Import Media", str(folder), MEDIA_FILTER)
    return [Path(n) for n in names]


def _lora_path(parent: QWidget | None, folder: Path) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, "Add LoRA to Model", str(folder),
                                          "LoRA weights (*.safetensors)")
    return Path(name) if name else None


def _recover(parent: QWidget | None, opened: OpenedProject) -> bool:
    answer = QMessageBox.question(
        parent, "Recover unsaved work?",
        f"{opened.path.name} has autosaved work newer than the file (Frameloom may have "
        f"stopped before it was saved). Open the autosaved version?")
    return answer == QMessageBox.StandardButton.Yes


def _confirm_untaken(parent: QWidget | None, count: int) -> bool:
    shots = "1 shot has" if count == 1 else f"{count} shots have"
    answer = QMessageBox.question(
        parent, "Export shots without a take?",
        f"{shots} no take yet and will show a \"Not generated yet\" card in the export. "
        "Export anyway?")
    return answer == QMessageBox.StandardButton.Yes


def _confirm_close(parent: QWidget | None, project_name: str) -> CloseAnswer:
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    answer = QMessageBox.question(parent, "Unsaved changes",
                                  f"Save the changes to {project_name}?", buttons)
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")  # type: ignore


@dataclass
class Prompts:
    """Each field answers one question; the defaults show Qt's dialogs on ``parent``.

    Tests replace them with plain functions, so no dialog ever opens headless.
    """

    parent: QWidget | None = None
    open_path: Callable[[], Path | None] = field(default=lambda: None)
    save_path: Callable[[str], Path | None] = field(default=lambda _name: None)
    media_paths: Callable[[], list[Path]] = field(default=list)
    #: (the last export's options or the defaults, the project, its in and out points) ->
    #: the options to export with, or None
    export_options: Callable[[ExportOptions, Project, tuple[int, int] | None],
                             ExportOptions | None] = field(default=lambda *_args: None)
    search_folder: Callable[[], Path | None] = field(default=lambda: None)
    #: (the project's name) -> the .otio file to export the timeline to, or None
    otio_path: Callable[[str], Path | None] = field(default=lambda _name: None)
    recover: Callable[[OpenedProject], bool] = field(default=lambda _opened: False)
    confirm_close: Callable[[str], CloseAnswer] = field(default=lambda _name: "cancel")
    #: (how many shots in the export have no take) -> export anyway?
    confirm_untaken: Callable[[int], bool] = field(default=lambda _count: True)
    #: the LoRA file to add to the selected shot's model, or None
    lora_path: Callable[[], Path | None] = field(default=lambda: None)

    @classmethod
    def dialogs(cls, parent: QWidget | None = None,
                folder: Callable[[], Path] = Path.home) -> Prompts:
        """Prompts that ask through modal dialogs (what the application uses); file dialogs
        open in ``folder()`` (the window passes the project's folder)."""
        return cls(parent=parent, open_path=lambda: _open_path(parent, folder()),
                   save_path=lambda name: _save_path(parent, folder(), name),
                   media_paths=lambda: _media_paths(parent, folder()),
                   export_options=lambda *args: _export_options(parent, *args),
                   search_folder=lambda: _folder(parent, folder()),
                   otio_path=lambda name: _otio_path(parent, folder(), name),
                   recover=lambda opened: _recover(parent, opened),
                   confirm_close=lambda name: _confirm_close(parent, name),
                   confirm_untaken=lambda count: _confirm_untaken(parent, count),
                   lora_path=lambda: _lora_path(parent, folder()))
