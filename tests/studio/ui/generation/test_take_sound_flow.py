"""A finished job whose take has sound (LTX-2's AAC) adds a take marked as having sound, through
the window's Generate flow (issue 21), and its sound lies under the shot while that take is the
one shown (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from fake_bridge import FakeBridge
from pytestqt.qtbot import QtBot

from engine.protocol import Done, Started
from studio.document import serialize
from studio.document.model import AudioItem, Generated
from studio.render.mixer import mix
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


def _take_sounds(window: MainWindow) -> list[tuple[str, int, int]]:
    """``(track, start, duration)`` of the sounds linked to shot-1."""
    return [(track.name, start, item.duration)
            for track in window.project.timeline.audio_tracks
            for _i, start, item in track.layout()
            if isinstance(item, AudioItem) and item.link == "shot-1"]


def _finish(qtbot: QtBot, window: MainWindow, bridge: FakeBridge, output: Path,
            takes: int) -> None:
    window.timeline.set_selection(["shot-1"])
    [job_id] = window.generation.generate()
    bridge.emit(Started, job_id=job_id)
    bridge.emit(Done, job_id=job_id, outputs=(str(output),), settings={"seed": takes})
    qtbot.waitUntil(lambda: len(_shot(window).generation.takes) == takes, timeout=10000)


def test_a_take_with_sound_lands_under_its_shot_and_follows_the_chosen_take(
        qtbot: QtBot, engine_window: MainWindow, bridge: FakeBridge, tmp_path: Path) -> None:
    window = engine_window
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="surf at dawn"))
    before = json.dumps(serialize.encode(window.project), sort_keys=True)
    steps = window.session.stack.count()
    _finish(qtbot, window, bridge, write_take(tmp_path / "loud.mp4", sound=True), 1)
    track, index, shot = window.project.find("shot-1")
    start = track.start_of(index)
    # The take file has 4 frames: its sound lies under the shot's first 4, on a new A1.
    assert _take_sounds(window) == [("A1", start, 4)]
    [media] = [m for m in window.project.media.values() if "take" in m.metadata]
    assert media.metadata["take"] == _shot(window).generation.active_take_id
    assert media.name.startswith(f"{shot.name or 'shot-1'} take ")  # not the file's hash
    assert window.session.stack.count() == steps + 1  # the pool entry, take and sound: one step
    samples = mix(window.project, window.session.folder, start, start + 4)
    assert np.abs(samples).max() > 0.1  # the take's tone is in the mix
    _finish(qtbot, window, bridge, write_take(tmp_path / "quiet.mp4", sound=False), 2)
    assert _take_sounds(window) == []  # the silent take is shown: its shot is silent
    first = _shot(window).generation.takes[0].id
    window.inspector.take_requested.emit("shot-1", "use", first)
    assert _take_sounds(window) == [("A1", start, 4)]
    while window.session.stack.index() > steps:  # the takes, their sound and any new seed
        window.action_set["undo"].trigger()
    assert json.dumps(serialize.encode(window.project), sort_keys=True) == before
