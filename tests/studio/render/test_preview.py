"""The viewer's frames: exact at any frame, sequential without re-seeking, from a snapshot."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from studio import sample
from studio.document import edits, persistence
from studio.document.model import Project
from studio.errors import RenderError
from studio.media import proxy
from studio.media.proxy import build_proxy
from studio.render.preview import PreviewFrames, preview_size, snapshot
from studio.render.timeline import TimelineRenderer

CLIP_2_START = 144  # the sample's second clip plays timeline frames 144-215 as its frames 0-71


@pytest.fixture
def opened(sample_project: Path) -> tuple[Project, Path]:
    return persistence.open_project(sample_project).project, sample_project.parent


def test_any_frame_equals_the_renderers_and_sequential_reads_do_not_seek(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    frames = PreviewFrames(snapshot(project), folder, 256, 144)
    full = [f.copy() for f in TimelineRenderer(project, folder, width=256, height=144).frames()]
    assert frames.total == len(full) == 216
    for index in random.Random(7).sample(range(216), 12):
        assert np.array_equal(frames.frame(index), full[index]), index
    seeks = frames.seeks
    for index in range(150, 190):  # playback: one decode carries on
        assert sample.read_frame_code(frames.frame(index)) == index - CLIP_2_START
    assert frames.seeks == seeks + 1
    frames.frame(200)  # dropped frames (a few ahead) still carry on
    assert frames.seeks == seeks + 1
    frames.frame(160)  # cached: no decode at all
    assert frames.seeks == seeks + 1
    assert frames.frame(216) is None and frames.frame(-1) is None
    frames.close()


def test_a_snapshot_does_not_follow_later_edits(opened: tuple[Project, Path]) -> None:
    project, _folder = opened
    frozen = snapshot(project)
    edits.ripple_delete(project, "clip-1")
    assert frozen.timeline.duration == 216
    assert project.timeline.duration == 216 - 48
    assert frozen.timeline.tracks[0].items[0].id == "clip-1"


def test_offline_media_is_one_sentence(opened: tuple[Project, Path]) -> None:
    project, folder = opened
    (folder / "media" / "clip-2.mp4").unlink()
    with pytest.raises(RenderError, match=r"clip-2\.mp4 .* is offline; relink it"):
        PreviewFrames(snapshot(project), folder, 256, 144)


@pytest.mark.parametrize(("size", "expected"), [
    ((512, 288), (512, 288)), ((1920, 1080), (640, 360)), ((1080, 1920), (360, 640)),
    ((1001, 333), (640, 212)),
])
def test_preview_size_keeps_the_aspect_in_even_pixels(size: tuple[int, int],
                                                      expected: tuple[int, int]) -> None:
    assert preview_size(*size) == expected


def test_clips_are_read_from_their_proxies_in_the_viewer_and_never_in_exports(
        opened: tuple[Project, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    project, folder = opened
    media = project.media[project.find("clip-2")[2].media_id]
    built = build_proxy(persistence.resolve_media_path(folder, media), media.fingerprint.digest)
    used: list[Path] = []
    monkeypatch.setattr(proxy, "touch", used.append)
    frames = PreviewFrames(snapshot(project), folder, 256, 144)
    for index in (200, 150, 215):  # exact frames from the proxy, by their drawn numbers
        assert sample.read_frame_code(frames.frame(index)) == index - CLIP_2_START
    frames.close()
    assert used and set(used) == {built}
    used.clear()
    for _ in TimelineRenderer(project, folder, width=256, height=144).frames(150, 160):
        pass
    assert not used
