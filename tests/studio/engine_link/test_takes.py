"""Generated items to engine jobs and finished jobs back to takes, on the sample project (no Qt)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from engine.protocol import ClipRange
from studio.document import edits, persistence
from studio.document.model import (
    Clip,
    FrameRange,
    Generated,
    GeneratedSpec,
    Generation,
    Project,
    RetakeSource,
)
from studio.engine_link.takes import (
    GenerationSetupError,
    entry_of_job,
    job_id_for,
    request_for,
    seam_figures,
    store_take,
    take_for,
)


@pytest.fixture
def opened(sample_project: Path) -> tuple[Project, Path]:
    return persistence.open_project(sample_project).project, sample_project.parent


def _add(project: Project, kind: str, after: str, prompt: str = "waves") -> str:
    track, index, entry = project.find(after)
    spec = GeneratedSpec(kind=kind, prompt=prompt, duration=24)  # type: ignore[arg-type]
    item = Generated(id=f"gen-{kind}", generation=Generation(spec=spec),
                     source=FrameRange(0, 24))
    edits.insert(project, track.id, track.start_of(index) + entry.duration, item)
    return item.id


def test_a_shot_sends_its_pins_size_and_settings(opened: tuple[Project, Path]) -> None:
    project, folder = opened
    request, operation = request_for(project, folder, "shot-1")
    assert (operation.kind, operation.frames, operation.clips) == ("shot", 48, ())
    assert (request.width, request.height, request.frames, request.fps) == (512, 288, 48, 24)
    assert (request.model_id, request.steps, request.seed) == ("frameloom-mini", 30, 0)
    [pin] = request.pins
    assert Path(pin.path) == folder / "media" / "still-1.png"
    assert (pin.target_frame, pin.frame_start, pin.frame_count) == (0, None, 1)


def test_a_clip_pin_counts_the_clips_own_frames(opened: tuple[Project, Path]) -> None:
    project, folder = opened
    spec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    clip_pin = dataclasses.replace(spec.pins[0], media_id="media-clip-2",
                                   source=FrameRange(10, 6), at=4)
    edits.set_spec(project, "shot-1", pins=(clip_pin,))
    [pin] = request_for(project, folder, "shot-1")[0].pins
    assert Path(pin.path).name == "clip-2.mp4"
    assert (pin.target_frame, pin.frame_start, pin.frame_count) == (4, 10, 6)


def test_extensions_bridges_and_loops_take_their_neighbours(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    forward = _add(project, "extend_forward", "clip-2")
    assert request_for(project, folder, forward)[1].clips == (str(folder / "media/clip-2.mp4"),)
    loop = _add(project, "loop", forward)  # after a generated item without a take
    with pytest.raises(GenerationSetupError, match="without a finished take; generate it"):
        request_for(project, folder, loop)
    edits.ripple_delete(project, loop)
    edits.ripple_delete(project, forward)
    refused = _add(project, "bridge", "gap-1")  # between the gap and clip-2
    with pytest.raises(GenerationSetupError, match="There is no clip item before it"):
        request_for(project, folder, refused)
    edits.ripple_delete(project, refused)
    track = project.find("clip-2")[0]
    edits.append(project, track.id, Clip(id="clip-3", media_id="media-clip-1",
                                         source=FrameRange(0, 48)))
    bridge = _add(project, "bridge", "clip-2")
    assert request_for(project, folder, bridge)[1].clips == (
        str(folder / "media/clip-2.mp4"), str(folder / "media/clip-1.mp4"))


def test_an_extension_of_a_trimmed_clip_continues_the_part_the_timeline_shows(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    forward = _add(project, "extend_forward", "clip-2")
    assert request_for(project, folder, forward)[1].ranges == (ClipRange(0, 72),)  # all of it
    edits.trim(project, "clip-2", out_delta=-10)
    assert request_for(project, folder, forward)[1].ranges == (ClipRange(0, 62),)
    backward = _add(project, "extend_backward", "gap-1")  # the item after it is clip-2
    edits.trim(project, "clip-2", in_delta=5)
    assert request_for(project, folder, backward)[1].ranges == (ClipRange(5, 57),)


def test_a_clip_at_another_rate_is_ranged_in_its_own_frames(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    media = project.media["media-clip-2"]
    project.media["media-clip-2"] = dataclasses.replace(  # as if it were 48 fps: 144 frames
        media, probe={**media.probe, "rate": "48", "frames": 144})
    edits.trim(project, "clip-2", in_delta=6, out_delta=-6)  # project frames 6-65
    forward = _add(project, "extend_forward", "clip-2")
    # Project frame 6 shows own frame 12 and frame 65 own frame 130: frames 12-130 are used.
    assert request_for(project, folder, forward)[1].ranges == (ClipRange(12, 119),)


def test_a_trimmed_take_before_an_extension_is_ranged_too(opened: tuple[Project, Path]) -> None:
    from studio.document.model import Take

    project, folder = opened
    (folder / "takes").mkdir(exist_ok=True)
    shutil.copy(folder / "media" / "clip-1.mp4", folder / "takes" / "t.mp4")
    take = Take(id="take-1", job_id="j", path="takes/t.mp4", spec_hash="sha256:0",
                status="done", created="2026-12-01T10:00:00Z")
    edits.add_take(project, "shot-1", take)
    edits.trim(project, "shot-1", in_delta=4, out_delta=-8)  # the take's frames 4-39 shown
    forward = _add(project, "extend_forward", "shot-1")
    clips, ranges = (lambda op: (op.clips, op.ranges))(request_for(project, folder, forward)[1])
    assert Path(clips[0]).name == "t.mp4" and ranges == (ClipRange(4, 36),)


@pytest.mark.parametrize(("entry_id", "message"), [
    ("clip-1", "Only generated items and bridges"),
    ("nope", "There is no item with id 'nope'"),
])
def test_items_that_cannot_be_generated_say_why(opened: tuple[Project, Path], entry_id: str,
                                                message: str) -> None:
    project, folder = opened
    with pytest.raises(GenerationSetupError, match=message):
        request_for(project, folder, entry_id)


def test_an_empty_prompt_is_refused(opened: tuple[Project, Path]) -> None:
    project, folder = opened
    edits.set_spec(project, "shot-1", prompt="  ")
    with pytest.raises(GenerationSetupError, match="Write a prompt"):
        request_for(project, folder, "shot-1")


def test_job_ids_name_their_project_and_item(opened: tuple[Project, Path]) -> None:
    project, _folder = opened
    job = job_id_for(project, "shot-1")
    assert entry_of_job(job, project) == "shot-1" and job != job_id_for(project, "shot-1")
    other = dataclasses.replace(project, id="project-other")
    assert entry_of_job(job, other) is None and entry_of_job("cli-job", project) is None


def test_takes_are_stored_by_content_once_and_added_once(opened: tuple[Project, Path],
                                                         tmp_path: Path) -> None:
    project, folder = opened
    output = tmp_path / "engine-out.mp4"
    output.write_bytes(b"not really a video, but content all the same")
    takes = persistence.takes_dir(folder / "x.frameloom")
    path = store_take(output, takes)
    assert path.startswith("takes/") and (folder / path).read_bytes() == output.read_bytes()
    assert store_take(output, takes) == path and len(list(takes.iterdir())) == 1
    assert store_take(output, None) == str(output)  # an untitled project keeps the engine's
    with pytest.raises(GenerationSetupError, match="could not be copied"):
        store_take(tmp_path / "gone.mp4", takes)

    take = take_for(project, "shot-1", "job-1", path)
    assert take is not None and (take.status, take.job_id, take.path) == ("done", "job-1", path)
    edits.add_take(project, "shot-1", take)
    assert take_for(project, "shot-1", "job-1", path) is None
    assert take_for(project, "deleted", "job-2", path) is None


def test_a_failed_copy_leaves_no_half_take_behind(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    output = tmp_path / "engine-out.mp4"
    output.write_bytes(b"a take")
    takes = tmp_path / "takes"

    def half_copy(source: Path, temp: Path) -> None:
        Path(temp).write_bytes(b"a t")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", half_copy)
    with pytest.raises(GenerationSetupError, match="No space left on device"):
        store_take(output, takes)
    assert list(takes.iterdir()) == []


def _retake(project: Project, source: RetakeSource, prompt: str = "calmer waves") -> str:
    spec = GeneratedSpec(kind="retake", prompt=prompt, duration=source.span.duration,
                         retake=source)
    item = Generated(id="gen-retake", generation=Generation(spec=spec),
                     source=FrameRange(0, source.span.duration))
    edits.append(project, project.timeline.tracks[0].id, item)
    return item.id


def test_a_retake_sends_its_clip_the_range_shown_and_the_span(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    retake = _retake(project, RetakeSource(shown=FrameRange(4, 60), span=FrameRange(20, 12),
                                           media_id="media-clip-2"))
    request, operation = request_for(project, folder, retake)
    assert (operation.kind, operation.frames, operation.clips) == (
        "retake", 12, (str(folder / "media/clip-2.mp4"),))
    assert operation.ranges == (ClipRange(4, 60),) and operation.span == ClipRange(20, 12)
    assert (request.prompt, request.frames, request.pins) == ("calmer waves", 12, ())


def test_a_retake_of_a_take_uses_the_take_and_a_clip_at_another_rate_is_refused(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    retake = _retake(project, RetakeSource(shown=FrameRange(0, 48), span=FrameRange(8, 16),
                                           take_path="takes/t.mp4"))
    operation = request_for(project, folder, retake)[1]
    assert operation.clips == (str(folder / "takes/t.mp4"),)
    assert (operation.ranges, operation.span) == ((ClipRange(0, 48),), ClipRange(8, 16))
    edits.ripple_delete(project, retake)
    media = project.media["media-clip-2"]
    project.media["media-clip-2"] = dataclasses.replace(  # as if it were 48 fps
        media, probe={**media.probe, "rate": "48", "frames": 144})
    retake = _retake(project, RetakeSource(shown=FrameRange(0, 72), span=FrameRange(8, 16),
                                           media_id="media-clip-2"))
    with pytest.raises(GenerationSetupError, match="frame rate is not the project's"):
        request_for(project, folder, retake)


def test_a_take_keeps_the_worst_seam_figures_of_its_job(opened: tuple[Project, Path]) -> None:
    project, _folder = opened
    seams = {"median_change": 1.5, "max_jump": 2.6, "max_delta_e_first": 0.8,
             "joins": [{"at": 48, "jump": 2.6}, {"at": 96, "jump": 1.1}]}
    take = take_for(project, "shot-1", "job-1", "takes/a.mp4", {"seams": seams, "seed": 3})
    assert take is not None
    assert take.metadata == {"seams": {"max_jump": 2.6, "max_drift": 0.8, "joins": 2}}
    graded = seam_figures({"seams": {**seams, "matched": ["start", "end", "middle"]}})
    assert graded is not None and graded["matched"] == ["start", "end"]  # unknown ends dropped
    mended = seam_figures({"seams": {**seams, "mended": {"start": 7.6, "end": "x", "mid": 1}}})
    assert mended is not None and mended["mended"] == {"start": 7.6} and "remade" not in mended
    remade = seam_figures({"seams": {**seams, "mended": {
        "window 1": 0.4, "window 2 made again": 2.0, "window 5 made again": 1.0,
        "window 6 made again": "x"}}})
    assert remade is not None and remade["remade"] == 2 and "mended" not in remade
    bridge = seam_figures({"seams": {**seams, "max_dominant_delta_e_first": 0.4,
                                     "travel": {"delta_e": 90.0, "largest_step": 0.29,
                                                "frames_10_90": 4}}})
    assert bridge is not None and bridge["max_dominant_drift"] == 0.4
    assert bridge["travel"] == {"largest_step": 0.29, "frames_10_90": 4}
    odd = seam_figures({"seams": {**seams, "max_dominant_delta_e_first": "x",
                                  "travel": {"largest_step": 0.2, "frames_10_90": "4"}}})
    assert odd is not None and "travel" not in odd and "max_dominant_drift" not in odd
    plain = take_for(project, "shot-1", "job-2", "takes/b.mp4", {"seed": 3})
    assert plain is not None and plain.metadata == {}  # an engine that measured nothing
    assert seam_figures({"seams": {"max_jump": "big", "max_delta_e_first": 1}}) is None
    assert seam_figures({"seams": {"max_jump": float("nan"), "max_delta_e_first": 1}}) is None
