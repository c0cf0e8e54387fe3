"""The window with two audio tracks plays them (the output is fed the mixer's samples), an audio
row's M button mutes its track while playing (what is fed changes; one undo step), and an export
from the window carries the mixer's output sample for sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.render.mixer import mix
from studio.ui.timeline import timeline_paint
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts
from support.sound import FakeSink, exported_sound


def two_sounds(folder: Path) -> Path:
    """The render tests' project of a still over two audio tracks of noise, saved."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2] / "render"))
    from test_export_sound import two_track_project

    return persistence.save_project(two_track_project(folder), folder)


def test_play_mute_from_the_timeline_then_export_matches_the_mixer(qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    file = two_sounds(tmp_path)
    window = MainWindow(persistence.open_project(file),
                        prompts=Prompts(confirm_close=lambda _name: "discard"))
    sinks: list[FakeSink] = []

    def open_sink(_rate: int) -> FakeSink:
        sinks.append(FakeSink())
        return sinks[-1]

    window.sound.open_sink = open_sink
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    view, project = window.timeline, window.project
    assert [t.name for t in view.track_rows()] == ["V1", "A1", "A2"]
    a1 = project.timeline.audio_tracks[0]
    _tag, buttons = timeline_paint.track_tag_rects(view.row_rect(a1.id), a1, view.fontMetrics())
    centre = buttons["mute"].center()
    both = mix(project, tmp_path, 0, 48)
    window.action_set["play_pause"].trigger()  # Space, from frame 0
    qtbot.waitUntil(lambda: sum(b.shape[1] for b in sinks[0].fed) > 24_000, timeout=10_000)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()),
                                                                 int(centre.y())))
    assert project.timeline.audio_tracks[0].mute
    [at] = window.sound.remixed
    qtbot.waitUntil(lambda: sum(b.shape[1] for b in sinks[0].fed) > at + 24_000, timeout=10_000)
    window.action_set["play_pause"].trigger()
    fed = np.concatenate(sinks[0].fed, axis=1)
    a2_only = mix(project, tmp_path, 0, 48)
    assert np.array_equal(fed[:, :at], both[:, :at])
    assert np.array_equal(fed[:, at:at + 24_000], a2_only[:, at:at + 24_000])
    assert not np.array_equal(both[:, at:at + 24_000], a2_only[:, at:at + 24_000])
    window.action_set["undo"].trigger()
    assert not project.timeline.audio_tracks[0].mute
    window.action_set["redo"].trigger()
    assert project.timeline.audio_tracks[0].mute
    got = exported_sound(qtbot, window, tmp_path / "cut.mov")
    expected = mix(project, tmp_path, 0, 48)
    assert got.shape == expected.shape == (2, 48 * 2000)
    assert np.abs(got - expected).max() <= 2 ** -23  # PCM: the mix, to 24-bit rounding
    unmuted = mix(project, tmp_path, 0, 48)
    assert np.abs(unmuted).max() > 0.1  # the track left playing is heard...
    assert np.abs(expected[:, :20_000] - unmuted[:, :20_000]).max() == 0
    # ...and A1 (muted) is not: before A2 starts at frame 10 the export is silent.
    assert np.abs(got[:, :20_000]).max() == 0
