"""The export dialog says in one line when the export uses takes of models under restricted
licences; the window's Export hands that line to the dialog and to the status bar."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.ui.export.export_control import ExportControl
from studio.ui.export.export_dialog import ExportDialog, ExportOptions
from support.licence_takes import MIXED, NOTE, WAN, licence_project


def test_the_dialog_shows_the_licence_line_only_when_given(qtbot: QtBot, tmp_path: Path) -> None:
    options = ExportOptions.for_path(tmp_path / "cut.mp4")
    dialog = ExportDialog(options, 64, 64, Fraction(8), None, licence_note=NOTE)
    qtbot.addWidget(dialog)
    assert dialog.licences.text() == NOTE and not dialog.licences.isHidden()
    plain = ExportDialog(options, 64, 64, Fraction(8), None)
    qtbot.addWidget(plain)
    assert plain.licences.isHidden() and plain.licences.text() == ""


def test_export_hands_the_licence_line_to_the_dialog_and_the_status_bar(
        qtbot: QtBot, tmp_path: Path) -> None:
    asked: list[str | None] = []
    messages: list[str] = []
    out = tmp_path / "cut.mp4"

    def ask(start: ExportOptions, project: object, marks: object,
            note: str | None) -> ExportOptions:
        asked.append(note)
        return ExportOptions.for_path(out)

    control = ExportControl(ask)
    control.message.connect(messages.append)
    restricted = persistence.open_project(licence_project(tmp_path / "r", MIXED))
    with qtbot.waitSignal(control.runner.finished, timeout=60000):
        assert control.export_timeline(restricted.project, restricted.path.parent)
    assert asked == [NOTE] and messages[0] == f"Exporting cut.mp4… {NOTE}"
    plain = persistence.open_project(licence_project(tmp_path / "a", [("wan2.2-ti2v-5b", WAN)]))
    with qtbot.waitSignal(control.runner.finished, timeout=60000):
        assert control.export_timeline(plain.project, plain.path.parent)
    assert asked == [NOTE, None] and "Exporting cut.mp4…" in messages
