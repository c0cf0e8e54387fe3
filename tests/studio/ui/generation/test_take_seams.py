"""The seam figures a finished job reports show in the inspector's takes list, red above 2x."""

from __future__ import annotations

from pathlib import Path

from fake_bridge import FakeBridge
from pytestqt.qtbot import QtBot

from engine.protocol import Done, Started
from studio.document.model import Generated
from studio.ui.commands import SetSpecCommand
from studio.ui.docks.inspector_takes import SEAM_RED
from studio.ui.window.main_window import MainWindow


def _seams(jump: float, drift: float, matched: list[str]) -> dict[str, object]:
    joins = [{"at": 48, "between": ["window 0", "window 1"], "jump": jump, "delta_e": 0.4,
              "delta_e_first": drift}]
    return {"median_change": 2.0, "joins": joins, "max_jump": jump, "max_delta_e_first": drift,
            "matched": matched, "mended": {end: 7.6 for end in matched}}


def _takes(window: MainWindow) -> int:
    shot = window.project.find("shot-1")[2]
    assert isinstance(shot, Generated)
    return len(shot.generation.takes)


def test_takes_list_shows_each_takes_worst_seam_and_marks_one_over_2x(
        qtbot: QtBot, engine_window: MainWindow, bridge: FakeBridge,
        sample_project: Path) -> None:
    window = engine_window
    window.timeline.set_selection(["shot-1"])
    window.session.push(SetSpecCommand(window.project, "shot-1", prompt="boats at dusk"))
    output = sample_project.parent / "media" / "clip-1.mp4"
    bridged = {"max_dominant_delta_e_first": 0.4,
               "mended": {"end": 7.6, "window 1 made again": 2.0, "window 3 made again": 1.0},
               "travel": {"delta_e": 90.0, "largest_step": 0.29, "frames_10_90": 4}}
    for number, (jump, drift, matched, extra) in enumerate(
            ((1.4, 0.6, [], {}), (2.6, 3.2, ["end"], bridged)), 1):
        window.action_set["generate"].trigger()
        job_id = bridge.sent[-1][0]
        bridge.emit(Started, job_id=job_id)
        bridge.emit(Done, job_id=job_id, outputs=(str(output),),
                    settings={"seed": number, "seams": {**_seams(jump, drift, matched), **extra}})
        qtbot.waitUntil(lambda n=number: _takes(window) == n, timeout=10000)
    takes = window.inspector.takes.list
    calm, rough = takes.item(0), takes.item(1)
    assert calm.text().endswith("; seam 1.4x, drift 0.6")
    assert rough.text().endswith("; seam 2.6x, drift 3.2")
    assert calm.foreground().color() != SEAM_RED and rough.foreground().color() == SEAM_RED
    assert "above 2x: the seam may show" in rough.toolTip()
    assert "1 join measured" in calm.toolTip() and "colour-matched" not in calm.toolTip()
    assert "Its end was colour-matched again to the clip it meets." in rough.toolTip()
    assert ("At its end (7.6 grey levels), the model's difference from the clip's frame fades "
            "out over half a second.") in rough.toolTip() and "fades" not in calm.toolTip()
    assert ("colour drift up to 3.2 Delta E from its first part (its dominant colour 0.4: less "
            "where objects changed size, not colour)") in rough.toolTip()
    assert ("It goes from A to B over 4 frames (10% to 90% of the way; at most 29% of the "
            "change in one frame).") in rough.toolTip()
    assert "2 of its windows drifted and were made again with another seed." in rough.toolTip()
    assert "dominant" not in calm.toolTip() and "from A to B" not in calm.toolTip()
    assert "made again" not in calm.toolTip()
