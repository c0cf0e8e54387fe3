"""A finished job whose take has sound (LTX-2's AAC) adds a take marked as having sound, through
the window's Generate flow (issue 21)."""

from __future__ import annotations

from pathlib import Path

from fake_bridge import FakeBridge
from pytestqt.qtbot import QtBot

from engine.protocol import Done, Started
from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow
from support.takes import write_take


def _shot(window: MainWindow) -> Generated:
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return shot


def test_a_take_with_sound_comes_into_the_document_marked(
        qtbot: QtBot, engine_window: MainWindow, bridge: FakeBridge, tmp_path: Path) -> None:
    window = engine_window
    window.timeline.set_selection(["shot-1"])
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="surf at dawn"))
    [job_id] = window.generation.generate()
    bridge.emit(Started, job_id=job_id)
    output = write_take(tmp_path / "ltx2-take.mp4", sound=True)
    bridge.emit(Done, job_id=job_id, outputs=(str(output),), settings={"seed": 1})
    qtbot.waitUntil(lambda: len(_shot(window).generation.takes) == 1, timeout=10000)
    [take] = _shot(window).generation.takes
    assert take.metadata["sound"] == {"codec": "aac", "sample_rate": 24_000, "channels": 1}
