"""The procedural sample project: its media, its timeline, and that it is made alike each time."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from studio import sample
from studio.document import fingerprint, persistence
from studio.document.model import Clip, Gap, Generated, Still, Transition
from studio.document.timebase import FrameRange
from studio.document.validate import validate


def test_sample_opens_valid_with_all_media_online(sample_project: Path) -> None:
    opened = persistence.open_project(sample_project)
    project = opened.project
    validate(project)
    assert sample_project.suffix == ".frameloom"
    assert (opened.read_only, opened.message, opened.recovery) == (False, None, None)
    assert opened.media_status == {m: "online" for m in project.media}
    assert (project.width, project.height, project.rate) == (512, 288, 24)
    assert sorted(project.media) == ["media-clip-1", "media-clip-2", "media-still-1",
                                     "media-still-2"]


def test_sample_timeline_has_every_kind_of_entry(sample_project: Path) -> None:
    project = persistence.open_project(sample_project).project
    (track,) = project.timeline.tracks
    assert [type(e) for e in track.items] == [Clip, Transition, Still, Generated, Gap, Clip]
    assert track.items[1].kind == "crossfade"
    shot = track.items[3]
    spec = shot.generation.spec
    assert spec.kind == "shot" and "red circle" in spec.prompt
    assert [(p.media_id, p.source, p.at) for p in spec.pins] == [
        ("media-still-1", FrameRange(0, 1), 0)]
    assert shot.generation.takes == () and shot.generation.active_take is None
    assert project.timeline.duration == 48 + 36 + 48 + 12 + 72


def test_sample_media_match_their_probe_and_fingerprint(sample_project: Path) -> None:
    project = persistence.open_project(sample_project).project
    for media in project.media.values():
        path = sample_project.parent / media.path
        assert fingerprint.fingerprint_file(path) == media.fingerprint
        if media.kind == "still":
            image = cv2.imread(str(path))
            assert image.shape == (288, 512, 3)
            continue
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
            assert (stream.width, stream.height, stream.average_rate) == (512, 288, 24)
            codes = [sample.read_frame_code(f.to_ndarray(format="rgb24"))
                     for f in container.decode(stream)]
        assert media.probe == {"frames": len(codes), "width": 512, "height": 288, "rate": "24"}
        assert codes == list(range(media.probe["frames"]))  # each frame carries its own number


@pytest.mark.parametrize("index", [1, 2])
def test_frame_code_survives_scaling(index: int) -> None:
    for frame in (0, 1, 37, 71):
        image = sample.clip_frame(index, frame, 72)
        assert sample.read_frame_code(cv2.resize(image, (256, 144))) == frame


def test_sample_is_byte_identical_every_run(sample_project: Path, tmp_path: Path) -> None:
    again = sample.make_sample_project(tmp_path / "again")
    for a in sorted(p for p in sample_project.parent.rglob("*") if p.is_file()):
        b = again.parent / a.relative_to(sample_project.parent)
        assert a.read_bytes() == b.read_bytes(), a.name


def test_the_sample_shot_gets_the_take_it_is_given(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from studio.app import main

    take = tmp_path / "mini.mp4"
    with av.open(str(take), "w") as out:  # a tiny stand-in for the README's frameloom-mini take
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(
                np.zeros((64, 64, 3), np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    assert main(["sample", str(tmp_path / "s"), "--take", str(take)]) == 0
    project = persistence.open_project(tmp_path / "s").project
    _track, _index, shot = project.find(sample.SHOT_ID)
    assert isinstance(shot, Generated)
    active = shot.generation.active_take
    assert active is not None and active.path.startswith("takes/")
    assert (tmp_path / "s" / active.path).read_bytes() == take.read_bytes()
    assert main(["sample", str(tmp_path / "t"), "--take", str(tmp_path / "gone.mp4")]) == 2
    assert "There is no take at" in capsys.readouterr().err
