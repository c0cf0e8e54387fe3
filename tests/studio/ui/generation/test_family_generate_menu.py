"""Every family's tiny pipeline, installed under a catalog id, runs every operation the catalog
says it can through the window's Generate menu on a real engine (issue 21): the actions its
model cannot do are greyed with the reason, and each take lands in the project, decodable and
as long as its item. An LTX-2 take keeps its sound into the timeline and out through export.

Each family runs in a pytest process of its own (see ``test_engine_bridge``'s window test for
why), and each test id carries the family's name, so ``pytest -k ltx2`` runs that family alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import qasync
from pytestqt.qtbot import QtBot
from test_engine_bridge import make_bridge, until

from studio.document import fingerprint, persistence
from studio.document.model import (
    AudioItem,
    Clip,
    Generated,
    MediaRef,
    Project,
    Still,
    Timeline,
    Track,
    new_id,
)
from studio.document.timebase import FrameRange, format_rate
from studio.engine_link.models import ACTION_OPERATIONS
from studio.render.mixer import mix
from studio.ui.commands import SetSpecCommand
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts
from support.sound import decoded_stereo, exported_sound

#: Family -> (catalog id, tiny builder module, builder, kind, project rate). One catalog id a
#: family, the one whose operations cover the family's: Wan 2.1's VACE does them all, and
#: HunyuanVideo 1.5's image-to-video model extends as well as animating a still.
FAMILIES: dict[str, tuple[str, str, str, str | None, int]] = {
    "ltx": ("ltx-video-0.9.7-distilled", "support.tiny", "build_tiny_ltx", None, 24),
    "wan": ("wan2.1-vace-1.3b", "support.tiny", "build_tiny_wan", "vace", 16),
    "wan22": ("wan2.2-ti2v-5b", "support.tiny", "build_tiny_wan", "ti2v", 16),
    "ltx2": ("ltx-2", "support.tiny_ltx2", "build_tiny_ltx2", None, 24),
    "hunyuan15": ("hunyuanvideo-1.5-480p-i2v", "support.tiny_hunyuan15",
                  "build_tiny_hunyuan15", "i2v", 24),
}
#: Models that make nothing without a still at frame 0: their shot animates one.
NEEDS_STILL = {"hunyuanvideo-1.5-480p-i2v"}
#: The Generate-menu actions that make a new item from the selected shot, in an order where
#: each one's neighbours have takes when it runs (a bridge goes to the forward extension).
ITEM_ACTIONS = ("extend_forward", "extend_backward", "bridge", "loop")
SIZE, STEPS = 32, 2
SHOT, EXTENSION, CLIP = 9, 7, 12

ISOLATED = os.environ.get("FRAMELOOM_ISOLATED_TEST") == "1"
isolated = pytest.mark.skipif(not ISOLATED, reason="runs in a process of its own, through "
                                                   "test_family_in_a_process_of_its_own")


# ------------------------------------------------------------------ a small project, installed
def _write_clip(path: Path, rate: int, colour: tuple[int, int, int]) -> None:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = SIZE, SIZE, "yuv420p"
        for n in range(CLIP):
            image = np.full((SIZE, SIZE, 3), colour, np.uint8)
            image[:, : 2 + 2 * n] = 255  # a bar that grows: the frames differ
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = n
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _media(folder: Path, path: Path, kind: Any, probe: dict[str, Any]) -> MediaRef:
    return MediaRef(id=f"media-{path.stem}", path=persistence.relative_media_path(folder, path),
                    kind=kind, name=path.name, fingerprint=fingerprint.fingerprint_file(path),
                    probe=probe)


def small_project(folder: Path, rate: int) -> Path:
    """A 32x32 project at ``rate``: clip A, a still, clip B (12 frames each, the still 12)."""
    from PIL import Image

    media = folder / "media"
    media.mkdir(parents=True)
    _write_clip(media / "a.mp4", rate, (200, 30, 30))
    _write_clip(media / "b.mp4", rate, (30, 30, 200))
    Image.fromarray(np.full((SIZE, SIZE, 3), (30, 200, 30), np.uint8)).save(media / "s.png")
    clip = {"frames": CLIP, "width": SIZE, "height": SIZE, "rate": format_rate(Fraction(rate))}
    pool = {m.id: m for m in (_media(folder, media / "a.mp4", "clip", clip),
                              _media(folder, media / "b.mp4", "clip", clip),
                              _media(folder, media / "s.png", "still",
                                     {"width": SIZE, "height": SIZE}))}
    track = Track(id="track-v1", name="V1", items=[
        Clip(id="clip-a", media_id="media-a", source=FrameRange(0, CLIP), name="A"),
        Still(id="still-1", media_id="media-s", duration=CLIP, name="S"),
        Clip(id="clip-b", media_id="media-b", source=FrameRange(0, CLIP), name="B")])
    project = Project(id="project-small", name="Small", rate=Fraction(rate), width=SIZE,
                      height=SIZE, media=pool, timeline=Timeline(id="timeline-1",
                                                                 tracks=[track]))
    return persistence.save_project(project, folder)


def install(family: str, home: Path, scratch: Path) -> str:
    """Build the family's tiny pipeline and link it in under its catalog id; the id."""
    import importlib

    model_id, module, builder, kind, _rate = FAMILIES[family]
    build = getattr(importlib.import_module(module), builder)
    folder = build(scratch / f"tiny-{family}", **({"kind": kind} if kind else {}))
    (home / "models").mkdir(parents=True, exist_ok=True)
    (home / "models" / model_id).symlink_to(folder, target_is_directory=True)
    return model_id


# ------------------------------------------------------------------ driving the window
def _item(window: MainWindow, entry_id: str) -> Generated:
    entry = window.project.find(entry_id)[2]
    assert isinstance(entry, Generated), entry
    return entry


def _start(window: MainWindow, entry_id: str) -> int:
    track, index, _entry = window.project.find(entry_id)
    return track.start_of(index)


def _tune(window: MainWindow, entry_id: str, frames: int, **fields: Any) -> None:
    """Make the item tiny and quick: 32x32, two steps, ``frames`` long."""
    window.session.push(SetSpecCommand(window.project, entry_id, prompt="a red circle",
                                       width=SIZE, height=SIZE, steps=STEPS, guidance=1.0,
                                       duration=frames, **fields))


def _new_item(window: MainWindow, action: str, anchor: str) -> str:
    window.timeline.set_selection([anchor])
    window.action_set[action].trigger()
    [created] = window.selection()
    assert created != anchor, window.statusBar().currentMessage()
    return created


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


async def generate(window: MainWindow, entry_id: str, *, trigger: bool = True) -> Path:
    """Generate ``entry_id`` from the menu (unless the action that made it queued it), wait
    for its take, and check it landed: in the project, decodable, as long as the item."""
    before = len(_item(window, entry_id).generation.takes)
    if trigger:
        window.timeline.set_selection([entry_id])
        assert window.action_set["generate"].isEnabled(), window.action_set["generate"].toolTip()
        window.action_set["generate"].trigger()
    await until(lambda: len(_item(window, entry_id).generation.takes) > before
                or "failed" in window.statusBar().currentMessage(), 240)
    item = _item(window, entry_id)
    take = item.generation.active_take
    assert take is not None and take.status == "done", window.statusBar().currentMessage()
    path = window.session.folder / take.path
    assert take.path.startswith("takes/") and path.is_file()
    frames = frames_of(path)
    assert len(frames) == item.duration == item.generation.spec.duration, (entry_id, len(frames))
    assert all(f.shape[2] == 3 for f in frames)
    return path


def check_refusals(window: MainWindow, model_id: str, operations: list[str],
                   shot: str) -> None:
    """With ``shot`` selected, each Generate action is enabled exactly when the catalog says
    its model can do it, and a disabled one says why."""
    window.timeline.set_selection([shot])
    for action in (*ITEM_ACTIONS, "retake", "generate"):
        qaction = window.action_set[action]
        if action == "generate" or ACTION_OPERATIONS[action] in operations:
            assert qaction.isEnabled(), (action, qaction.toolTip())
        else:
            assert not qaction.isEnabled(), action
            assert qaction.toolTip().startswith(f"The model {model_id} cannot "), action
            assert "(the model catalog says so)" in qaction.toolTip()


def open_window(qtbot: QtBot, project_file: Path) -> MainWindow:
    window = MainWindow(persistence.open_project(project_file), bridge=make_bridge(),
                        prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(window)
    return window


async def started(window: MainWindow, model_id: str) -> list[str]:
    """Start the window's engine; the operations its record of ``model_id`` declares."""
    bridge = window.generation.bridge
    assert bridge is not None
    bridge.start()
    await asyncio.wait_for(bridge.ready.wait(), 120)
    await until(lambda: window.status_bar.engine_label.text() == "Engine: running", 30)
    await until(lambda: model_id in window.generation.models.records, 30)
    operations = window.generation.models.records[model_id].operations
    assert operations, model_id
    return list(operations)


async def first_shot(window: MainWindow, model_id: str) -> str:
    """A shot made from the menu with the family's model (a still animated, for a model that
    needs one), generated."""
    if model_id in NEEDS_STILL:
        shot = _new_item(window, "animate", "still-1")
    else:
        shot = _new_item(window, "new_shot", "clip-a")
    _tune(window, shot, SHOT, model_id=model_id)
    await generate(window, shot)
    return shot


def run(qtbot: QtBot, qapp: Any, project_file: Path, main: Any) -> MainWindow:
    """Open the window on a real engine and run ``main(window)`` on a qasync loop; the engine
    is stopped after it, whatever happens."""
    window = open_window(qtbot, project_file)
    bridge = window.generation.bridge
    assert bridge is not None

    async def body() -> None:
        try:
            await main(window)
        finally:
            await bridge.stop()

    event_loop = qasync.QEventLoop(qapp)
    try:
        event_loop.run_until_complete(body())
    finally:
        event_loop.close()
    return window


# ------------------------------------------------------------------ the tests, per family
@isolated
@pytest.mark.parametrize("family", FAMILIES)
def test_family_runs_every_operation_its_catalog_entry_declares_from_the_generate_menu(
        qtbot: QtBot, qapp: Any, tmp_path: Path, family: str) -> None:
    model_id = install(family, Path(os.environ["FRAMELOOM_HOME"]), tmp_path)
    project_file = small_project(tmp_path / "project", FAMILIES[family][4])
    made: dict[str, str] = {}

    async def main(window: MainWindow) -> None:
        operations = await started(window, model_id)
        shot = made["shot"] = await first_shot(window, model_id)
        check_refusals(window, model_id, operations, shot)
        for action in ITEM_ACTIONS:
            if ACTION_OPERATIONS[action] not in operations:
                continue
            item = made[action] = _new_item(window, action, shot)
            assert _item(window, item).generation.spec.model_id == model_id
            _tune(window, item, EXTENSION)
            await generate(window, item)
        if "bridge" in operations:  # Retake In to Out pins both sides, as a bridge does
            start = _start(window, shot)
            for frame, action in ((start + 3, "set_in"), (start + 5, "set_out")):
                window.timeline.set_playhead(frame)
                window.action_set[action].trigger()
            window.timeline.set_selection([shot])
            window.action_set["retake"].trigger()  # queued at once: it has the shot's prompt
            [retake] = window.selection()
            made["retake"] = retake
            assert _item(window, retake).generation.spec.kind == "retake"
            await generate(window, retake, trigger=False)
        # A long shot is a shot longer than the model's window: the engine chains windows.
        record = window.generation.models.records[model_id]
        assert record.max_frames is not None
        long = _new_item(window, "new_shot", "clip-b")
        pins = tuple(dataclasses.replace(pin, id=new_id("pin")) for pin in
                     _item(window, shot).generation.spec.pins)  # the still, for i2v models
        _tune(window, long, record.max_frames + 8, model_id=model_id, pins=pins)
        window.timeline.set_selection([long])
        if "long_shot" in operations:
            made["long_shot"] = long
            await generate(window, long)
        else:
            generate_action = window.action_set["generate"]
            assert not generate_action.isEnabled()
            assert generate_action.toolTip().startswith(
                f"The model {model_id} makes at most {record.max_frames} frames in one shot")

    window = run(qtbot, qapp, project_file, main)
    expected = {"shot"} | {a for a in (*ITEM_ACTIONS, "long_shot")
                           if ACTION_OPERATIONS.get(a, a) in
                           window.generation.models.records[model_id].operations}
    assert expected <= set(made), made
    assert window.save(), window.statusBar().currentMessage()


@isolated
def test_ltx2_take_keeps_its_sound_into_the_timeline_and_out_through_export(
        qtbot: QtBot, qapp: Any, tmp_path: Path) -> None:
    model_id = install("ltx2", Path(os.environ["FRAMELOOM_HOME"]), tmp_path)
    project_file = small_project(tmp_path / "project", 24)
    made: list[tuple[str, Path]] = []

    async def main(window: MainWindow) -> None:
        await started(window, model_id)
        shot = await first_shot(window, model_id)
        take = _item(window, shot).generation.active_take
        assert take is not None
        made.append((shot, window.session.folder / take.path))

    window = run(qtbot, qapp, project_file, main)
    [(shot, take)] = made
    # The take's MP4 carries AAC beside its frames.
    with av.open(str(take)) as container:
        assert [s.codec_context.name for s in container.streams.audio] == ["aac"]
    decoded = decoded_stereo(take, window.project.sample_rate)
    assert np.abs(decoded).max() > 0.01
    # The timeline has the take's sound linked under the shot, as long as the shot.
    start = _start(window, shot)
    sounds = [(s, item) for track in window.project.timeline.audio_tracks
              for _i, s, item in track.layout() if isinstance(item, AudioItem)]
    assert [(s, item.link, item.duration) for s, item in sounds] == [(start, shot, SHOT)]
    # Exported from the window (ProRes with PCM sound): the mixer's samples, to 24-bit
    # rounding. Under the shot those are the take's AAC decoded and resampled to the project's
    # rate, here by PyAV, there by the mixer: bounds of correlation above 0.999 and RMS within
    # 1% (measured: 0.99999 and equal), and silence where no take sounds.
    got = exported_sound(qtbot, window, tmp_path / "cut.mov")
    total = window.project.timeline.duration
    expected = mix(window.project, window.session.folder, 0, total)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 2 ** -23
    per_frame = window.project.sample_rate // 24
    under = got[:, start * per_frame:(start + SHOT) * per_frame]
    n = min(under.shape[1], decoded.shape[1])
    a, b = under[:, :n].ravel(), decoded[:, :n].ravel()
    correlation = float(np.corrcoef(a, b)[0, 1])
    rms_a, rms_b = float(np.sqrt(np.mean(a * a))), float(np.sqrt(np.mean(b * b)))
    assert correlation > 0.999, correlation
    assert abs(rms_a - rms_b) <= 0.01 * rms_b, (rms_a, rms_b)
    # Outside the shot the export is silent: the sound is the take's, where the take is.
    assert np.abs(got[:, :start * per_frame]).max() == 0


# ------------------------------------------------------------------ each in its own process
@pytest.mark.parametrize("name", [
    *(f"test_family_runs_every_operation_its_catalog_entry_declares_from_the_generate_menu"
      f"[{family}]" for family in FAMILIES),
    "test_ltx2_take_keeps_its_sound_into_the_timeline_and_out_through_export"],
    ids=[*(f"{family}-menu" for family in FAMILIES), "ltx2-sound"])
def test_family_in_a_process_of_its_own(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{__file__}::{name}"],
        env={**os.environ, "FRAMELOOM_ISOLATED_TEST": "1", "OMP_NUM_THREADS": "1"},
        capture_output=True, text=True, timeout=600, cwd=Path(__file__).resolve().parents[4])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
