"""The timeline renderer: frame counts, sources, transitions, resampling, letterboxing, cards."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from render_helpers import H, W, mean_rgb, media, project, write_clip, write_still

from studio import sample
from studio.document import persistence
from studio.document.model import (
    Clip,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    Still,
    Take,
    Transition,
)
from studio.document.timebase import FrameRange
from studio.errors import RenderError
from studio.render import raster
from studio.render.plan import Black, Mix, Play, timeline_intervals
from studio.render.timeline import TimelineRenderer

RED, GREEN = (220, 30, 30), (30, 200, 60)


def render(proj, folder: Path, **kwargs) -> list[np.ndarray]:
    return [f.copy() for f in TimelineRenderer(proj, folder, **kwargs).frames()]


def codes(frames: list[np.ndarray]) -> list[int]:
    return [sample.read_frame_code(f) for f in frames]


def close(a: np.ndarray, b: np.ndarray, tol: float = 3.0) -> bool:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) <= tol


def take(path: str) -> Take:
    return Take(id="take-1", job_id="job-1", path=path, spec_hash="sha256:0", status="done",
                created="2026-11-23T10:00:00Z")


# ---------------------------------------------------------------------------------- the plan
def test_plan_splits_the_sample_into_plays_fades_and_black(sample_project: Path) -> None:
    proj = persistence.open_project(sample_project).project
    shape = [(type(i).__name__, i.start, i.end) for i in timeline_intervals(proj)]
    assert shape == [("Play", 0, 42), ("Mix", 42, 54), ("Play", 54, 84), ("Play", 84, 132),
                     ("Black", 132, 144), ("Play", 144, 216)]
    fade = timeline_intervals(proj)[1]
    assert isinstance(fade, Mix) and (fade.fade_start, fade.length) == (42, 12)


def test_plan_shows_the_top_track_except_where_it_is_a_gap(tmp_path: Path) -> None:
    still = media(tmp_path, write_still(tmp_path / "red.png", RED), "m-red", "still")
    proj = project(tmp_path, [still],
                   [Still(id="s-low", media_id="m-red", duration=30)],
                   [Gap(id="g", duration=10), Still(id="s-top", media_id="m-red", duration=5)])
    pieces = [(type(i).__name__, i.start, i.end, getattr(i, "item", None))
              for i in timeline_intervals(proj)]
    assert [p[:3] for p in pieces] == [("Play", 0, 10), ("Play", 10, 15), ("Play", 15, 30)]
    assert [p[3].id for p in pieces] == ["s-low", "s-top", "s-low"]
    assert all(isinstance(i, (Play, Black)) for i in timeline_intervals(proj))


# ------------------------------------------------------------------------------ the sample
@pytest.fixture
def sample_frames(sample_project: Path) -> tuple[list[np.ndarray], Path]:
    proj = persistence.open_project(sample_project).project
    return render(proj, sample_project.parent, width=W, height=H), sample_project.parent


def test_sample_renders_every_item_from_its_source(sample_frames) -> None:
    frames, _folder = sample_frames
    assert len(frames) == 216 and all(f.shape == (H, W, 3) and f.dtype == np.uint8
                                      for f in frames)
    assert codes(frames[:42]) == list(range(42))  # clip 1 up to the crossfade
    assert codes(frames[144:]) == list(range(72))  # clip 2 after the gap
    still = raster.fit(sample.still_image(1)[:, :, ::-1].copy(), W, H)
    assert all(close(f, still, 4) for f in frames[54:84])
    card = raster.placeholder_card(sample.PROMPT, W, H)
    assert all(np.array_equal(f, card) for f in frames[84:132])  # the take-less shot
    assert all(not f.any() for f in frames[132:144])  # the gap


def test_crossfade_midpoint_is_the_average_of_its_neighbours(sample_frames) -> None:
    frames, folder = sample_frames
    before, mid, after = (f.astype(np.float32) for f in frames[47:50])
    assert np.abs(mid - (before + after) / 2).mean() < 1.0
    # The cut frame (6 + 6 fade) is also the exact average of its two sources: clip 1, which
    # holds its last frame past its out point, and still 1.
    proj = persistence.open_project(folder / "Sample.frameloom").project
    proj.timeline.tracks[0].items[:] = [
        Clip(id="last", media_id="media-clip-1", source=FrameRange(47, 1))]
    clip_last = render(proj, folder, width=W, height=H)[0].astype(np.float32)
    still = raster.fit(sample.still_image(1)[:, :, ::-1].copy(), W, H).astype(np.float32)
    assert np.abs(mid - (clip_last + still) / 2).mean() < 1.5
    # The fade's first frame has weight 0 (pure clip 1); the next one is already mixed.
    assert codes(frames[41:43]) == [41, 42] and not close(frames[43], frames[42], 0.5)


def test_crossfade_extends_the_outgoing_clip_past_its_out_point(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 48), "m-a", "clip")
    red = media(tmp_path, write_still(tmp_path / "red.png", RED), "m-red", "still")
    plain = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 30))])
    a = render(plain, tmp_path)
    faded = project(tmp_path, [clip, red], [
        Clip(id="c", media_id="m-a", source=FrameRange(0, 24)),
        Transition(id="t", kind="crossfade", in_offset=4, out_offset=4),
        Still(id="s", media_id="m-red", duration=10)])
    out = render(faded, tmp_path)
    assert len(out) == 34 and codes(out[:20]) == list(range(20))
    red_frame = out[-1].astype(np.float32)
    for t in range(20, 28):  # weight of the still is (t - 20) / 8; A plays 20..27 unclamped
        alpha = (t - 20) / 8
        expected = (1 - alpha) * a[t].astype(np.float32) + alpha * red_frame
        assert np.abs(out[t] - expected).mean() < 1.0, t
    assert np.abs(out[24] - (a[24].astype(np.float32) + red_frame) / 2).mean() < 1.0


def test_crossfade_starts_the_incoming_clip_before_its_in_point(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "b.mp4", 48), "m-b", "clip")
    red = media(tmp_path, write_still(tmp_path / "red.png", RED), "m-red", "still")
    plain = project(tmp_path, [clip], [Clip(id="c", media_id="m-b", source=FrameRange(0, 40))])
    b = render(plain, tmp_path)
    faded = project(tmp_path, [clip, red], [
        Still(id="s", media_id="m-red", duration=10),
        Transition(id="t", kind="crossfade", in_offset=4, out_offset=4),
        Clip(id="c", media_id="m-b", source=FrameRange(10, 20))])
    out = render(faded, tmp_path)
    assert codes(out[14:]) == list(range(14, 30))
    red_frame = out[0].astype(np.float32)
    for k, t in enumerate(range(6, 14)):  # B's local frame t - 10 shows source 10 + t - 10
        alpha = k / 8
        expected = (1 - alpha) * red_frame + alpha * b[t].astype(np.float32)
        assert np.abs(out[t] - expected).mean() < 1.0, t


def test_a_clip_shorter_than_the_fade_holds_its_last_frame(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 12), "m-a", "clip")
    red = media(tmp_path, write_still(tmp_path / "red.png", RED), "m-red", "still")
    proj = project(tmp_path, [clip, red], [
        Clip(id="c", media_id="m-a", source=FrameRange(0, 12)),
        Transition(id="t", kind="crossfade", in_offset=2, out_offset=6),
        Still(id="s", media_id="m-red", duration=10)])
    out = render(proj, tmp_path)
    assert codes(out[:10]) == list(range(10)) and len(out) == 22
    last = render(project(tmp_path, [clip], [Clip(id="c", media_id="m-a",
                                                   source=FrameRange(11, 1))]), tmp_path)[0]
    red_frame = out[-1].astype(np.float32)
    alpha = (16 - 10) / 8
    assert np.abs(out[16] - ((1 - alpha) * last + alpha * red_frame)).mean() < 1.0


# ----------------------------------------------------------------------- rates and sizes
def test_a_24fps_clip_is_resampled_into_a_30fps_project(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 48, rate=24), "m-a", "clip")
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(10, 30))],
                   rate=30)
    out = render(proj, tmp_path)
    # Source ranges count project-rate frames (MediaRef.length_at): frame k of the range shows
    # the file's frame floor(k * 24 / 30).
    assert codes(out) == [(10 + t) * 24 // 30 for t in range(30)]


def test_an_output_rate_override_resamples_the_timeline(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 48, rate=24), "m-a", "clip")
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 48))])
    renderer = TimelineRenderer(proj, tmp_path, rate=30)
    assert renderer.total == 60
    assert codes(list(renderer.frames())) == [n * 24 // 30 for n in range(60)]
    assert codes(list(TimelineRenderer(proj, tmp_path, rate=Fraction(12)).frames())) == \
        list(range(0, 48, 2))


def test_narrow_media_is_pillarboxed_and_wide_media_letterboxed(tmp_path: Path) -> None:
    narrow = media(tmp_path, write_clip(tmp_path / "n.mp4", 4, size=(240, 180)), "m-n", "clip")
    tall = media(tmp_path, write_still(tmp_path / "t.png", GREEN, (100, 200)), "m-t", "still")
    wide = media(tmp_path, write_still(tmp_path / "w.png", RED, (640, 90)), "m-w", "still")
    proj = project(tmp_path, [narrow, tall, wide], [
        Clip(id="c", media_id="m-n", source=FrameRange(0, 2)),
        Still(id="t", media_id="m-t", duration=1), Still(id="w", media_id="m-w", duration=1)])
    clip_frame, tall_frame, wide_frame = render(proj, tmp_path)[1:]
    assert not clip_frame[:, :38].any() and not clip_frame[:, -38:].any()
    assert clip_frame[:, 42:-42].mean() > 20
    assert not tall_frame[:, :110].any() and not tall_frame[:, -110:].any()  # 90 px wide
    assert np.allclose(mean_rgb(tall_frame, (slice(None), slice(117, 203))), GREEN, atol=2)
    assert not wide_frame[:60].any() and not wide_frame[-60:].any()  # 320x45, centred
    assert np.allclose(mean_rgb(wide_frame, (slice(70, 110), slice(None))), RED, atol=2)


# --------------------------------------------------------------------------------- takes
def _generated(source: FrameRange, takes: tuple[Take, ...] = ()) -> Generated:
    spec = GeneratedSpec(kind="shot", prompt="a green square", duration=40)
    generation = Generation(spec=spec, takes=takes,
                            active_take_id=takes[0].id if takes else None)
    return Generated(id="g", generation=generation, source=source, name="Shot")


def test_a_generated_item_plays_its_active_take_from_its_source_start(tmp_path: Path) -> None:
    write_clip(tmp_path / "takes" / "t1.mp4", 40, index=2)
    proj = project(tmp_path, [], [_generated(FrameRange(5, 20), (take("takes/t1.mp4"),))])
    assert codes(render(proj, tmp_path)) == list(range(5, 25))


def test_a_generated_item_without_a_take_shows_its_prompt_card(tmp_path: Path) -> None:
    proj = project(tmp_path, [], [_generated(FrameRange(0, 3))])
    frames = render(proj, tmp_path)
    card = raster.placeholder_card("a green square", W, H)
    assert len(frames) == 3 and all(np.array_equal(f, card) for f in frames)
    assert card.mean() > 20 and card[0, 0].tolist() == list(raster.CARD_BACKGROUND)


def test_a_bridge_shows_its_take_or_else_crossfades(tmp_path: Path) -> None:
    write_clip(tmp_path / "takes" / "bridge.mp4", 8, index=2)
    red = media(tmp_path, write_still(tmp_path / "red.png", RED), "m-red", "still")
    green = media(tmp_path, write_still(tmp_path / "green.png", GREEN), "m-green", "still")
    spec = GeneratedSpec(kind="bridge", prompt="", duration=8)
    with_take = Generation(spec=spec, takes=(take("takes/bridge.mp4"),), active_take_id="take-1")
    for generation, expect_take in ((with_take, True), (Generation(spec=spec), False)):
        proj = project(tmp_path, [red, green], [
            Still(id="a", media_id="m-red", duration=10),
            Transition(id="t", kind="bridge", in_offset=4, out_offset=4, generation=generation),
            Still(id="b", media_id="m-green", duration=10)])
        out = render(proj, tmp_path)
        assert len(out) == 20
        if expect_take:
            assert codes(out[6:14]) == list(range(8))
        else:
            assert np.allclose(mean_rgb(out[10]), np.add(RED, GREEN) / 2, atol=1.5)


# ----------------------------------------------------------------------------- failures
def test_offline_media_is_a_render_error_naming_the_file(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "gone.mp4", 4), "m-a", "clip")
    (tmp_path / "gone.mp4").unlink()
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 4))])
    with pytest.raises(RenderError, match=r"gone\.mp4.*offline; relink"):
        TimelineRenderer(proj, tmp_path)


def test_odd_output_sizes_are_refused(tmp_path: Path) -> None:
    proj = project(tmp_path, [], [Gap(id="g", duration=2)])
    with pytest.raises(RenderError, match="even"):
        TimelineRenderer(proj, tmp_path, width=321, height=180)


def test_each_item_is_read_sequentially_with_one_reader_and_one_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.media import reader as media_reader

    starts: list[tuple[str, int]] = []
    real_open = media_reader.open_reader

    def counting_open(path, **kwargs):
        opened = real_open(path, **kwargs)
        real_frames = opened.frames

        def frames(start=0, stop=None, size=None):
            starts.append((Path(path).name, start))
            return real_frames(start, stop, size)

        opened.frames = frames
        return opened

    monkeypatch.setattr(media_reader, "open_reader", counting_open)
    a = media(tmp_path, write_clip(tmp_path / "a.mp4", 60), "m-a", "clip")
    b = media(tmp_path, write_clip(tmp_path / "b.mp4", 60, index=2), "m-b", "clip")
    proj = project(tmp_path, [a, b], [
        Clip(id="a", media_id="m-a", source=FrameRange(0, 40)),
        Transition(id="t", kind="crossfade", in_offset=5, out_offset=5),
        Clip(id="b", media_id="m-b", source=FrameRange(20, 30))])
    frames = render(proj, tmp_path)
    assert len(frames) == 70 and codes(frames[45:]) == list(range(25, 50))
    assert starts == [("a.mp4", 0), ("b.mp4", 15)]  # B starts 5 frames before its in point


def test_export_pass_through_matches_the_rgb_renderer(tmp_path: Path) -> None:
    from render_helpers import decode

    from studio.render.export import export

    a = media(tmp_path, write_clip(tmp_path / "a.mp4", 30), "m-a", "clip")
    proj = project(tmp_path, [a], [Clip(id="a", media_id="m-a", source=FrameRange(3, 20))])
    rgb = render(proj, tmp_path)
    exported, _ = decode(export(proj, tmp_path, tmp_path / "x.mp4", crf=0, preset="ultrafast"))
    assert len(exported) == 20
    assert all(close(x, y, 2.0) for x, y in zip(exported, rgb))
