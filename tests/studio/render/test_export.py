"""Export to files: exact frame count, size and rate, codecs, progress, cancel and failure."""

from __future__ import annotations

import json
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from render_helpers import H, W, decode, mean_rgb, media, project, write_clip, write_still

from studio import __version__, sample
from studio.document import persistence
from studio.document.model import Clip, Still
from studio.document.timebase import FrameRange
from studio.errors import ExportCancelled, RenderError
from studio.render.export import export


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_sample_exports_with_exact_count_size_rate_and_sources(sample_project: Path,
                                                               tmp_path: Path) -> None:
    proj = persistence.open_project(sample_project).project
    seen: list[tuple[int, int]] = []
    (tmp_path / "out").mkdir()
    out = export(proj, sample_project, tmp_path / "out" / "sample.mp4", width=W, height=H,
                 preset="ultrafast", progress=lambda done, total: seen.append((done, total)))
    assert out == tmp_path / "out" / "sample.mp4" and leftovers(out.parent) == ["sample.mp4"]
    frames, stream = decode(out)
    assert (len(frames), stream.frames, stream.width, stream.height) == (216, 216, W, H)
    assert stream.average_rate == 24 and stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    assert [sample.read_frame_code(f) for f in frames[:42]] == list(range(42))
    assert [sample.read_frame_code(f) for f in frames[144:]] == list(range(72))
    assert all(f.max() < 24 for f in frames[133:143])  # the gap is black
    assert seen[0] == (0, 216) and seen[-1] == (216, 216)
    assert [d for d, _ in seen] == list(range(217))
    # The export records how it was made and what generated its frames (issue 11).
    with av.open(str(out)) as container:
        settings = json.loads(container.metadata["comment"])
    assert settings["export"] == {"codec": "h264", "crf": 18, "preset": "ultrafast", "width": W,
                                  "height": H, "fps": "24", "frames": [0, 216]}
    assert settings["frameloom_version"] == __version__ and settings["project"] == proj.name
    shots = [g for g in settings["generated"] if g["kind"] == "generated"]
    assert shots and shots[0]["spec"]["prompt"] and shots[0]["spec_hash"].startswith("sha256:")


def test_a_frame_range_and_rate_override_export_exactly_those_frames(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 48), "m-a", "clip")
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 48))])
    out = export(proj, tmp_path, tmp_path / "out.mp4", fps="30", frame_range=(10, 40),
                 preset="ultrafast")
    frames, stream = decode(out)
    assert len(frames) == 30 and stream.average_rate == 30
    assert [sample.read_frame_code(f) for f in frames] == [n * 24 // 30 for n in range(10, 40)]


@pytest.mark.parametrize(("codec", "suffix", "name", "pix_fmt"), [
    ("h264", ".mp4", "h264", "yuv420p"), ("h265", ".mp4", "hevc", "yuv420p"),
    ("prores", ".mov", "prores", "yuv422p10le")])
def test_every_codec_writes_a_decodable_file(tmp_path: Path, codec: str, suffix: str, name: str,
                                             pix_fmt: str) -> None:
    ntsc = Fraction(30000, 1001)
    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 12, rate=ntsc), "m-a", "clip")
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 12))],
                   rate=ntsc)
    out = export(proj, tmp_path, tmp_path / f"out{suffix}", codec=codec, preset="ultrafast")
    frames, stream = decode(out)
    assert (len(frames), stream.codec_context.name, stream.codec_context.pix_fmt) == \
        (12, name, pix_fmt)
    assert stream.average_rate == Fraction(30000, 1001)
    assert [sample.read_frame_code(f) for f in frames] == list(range(12))
    if codec == "h265":
        assert stream.codec_context.codec_tag == "hvc1"


def test_cancel_after_a_few_frames_leaves_no_file(tmp_path: Path) -> None:
    still = media(tmp_path, write_still(tmp_path / "media" / "red.png", (200, 0, 0)), "m-r",
                  "still")
    proj = project(tmp_path, [still], [Still(id="s", media_id="m-r", duration=200)])
    cancel = threading.Event()
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def progress(done: int, total: int) -> None:
        if done == 5:
            cancel.set()

    with pytest.raises(ExportCancelled, match="nothing was written"):
        export(proj, tmp_path, out_dir / "x.mp4", progress=progress, cancel=cancel)
    assert leftovers(out_dir) == []


def test_offline_media_fails_before_writing_anything(tmp_path: Path) -> None:
    clip = media(tmp_path, write_clip(tmp_path / "media" / "a.mp4", 4), "m-a", "clip")
    (tmp_path / "media" / "a.mp4").unlink()
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 4))])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(RenderError, match="relink"):
        export(proj, tmp_path, out_dir / "x.mp4")
    assert leftovers(out_dir) == []


def test_media_that_breaks_mid_export_leaves_nothing(tmp_path: Path) -> None:
    red = media(tmp_path, write_still(tmp_path / "media" / "red.png", (200, 0, 0)), "m-r", "still")
    bad = tmp_path / "media" / "bad.mp4"
    bad.write_bytes(b"this is not a video file\n" * 100)
    clip = media(tmp_path, bad, "m-bad", "clip")
    proj = project(tmp_path, [red, clip], [Still(id="s", media_id="m-r", duration=10),
                                           Clip(id="c", media_id="m-bad", source=FrameRange(0, 4))])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(RenderError, match=r"bad\.mp4"):
        export(proj, tmp_path, out_dir / "x.mp4")
    assert leftovers(out_dir) == []


def test_an_existing_output_survives_a_failed_export(tmp_path: Path) -> None:
    proj = project(tmp_path, [], [Clip(id="c", media_id="m-missing", source=FrameRange(0, 4))])
    (tmp_path / "keep.mp4").write_bytes(b"old")
    with pytest.raises(RenderError):
        export(proj, tmp_path, tmp_path / "keep.mp4")
    assert (tmp_path / "keep.mp4").read_bytes() == b"old"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"codec": "prores"}, r"\.mov"), ({"codec": "vp9"}, "Unknown codec"),
    ({"crf": 99}, "CRF"), ({"preset": "warp"}, "preset"), ({"fps": "fast"}, "Frame rate"),
    ({"width": 100, "height": 51}, "even")])
def test_bad_settings_are_one_sentence_errors(tmp_path: Path, kwargs: dict, message: str) -> None:
    still = media(tmp_path, write_still(tmp_path / "red.png", (200, 0, 0)), "m-r", "still")
    proj = project(tmp_path, [still], [Still(id="s", media_id="m-r", duration=2)])
    with pytest.raises(RenderError, match=message):
        export(proj, tmp_path, tmp_path / "x.mp4", **kwargs)
    assert not (tmp_path / "x.mp4").exists()


def test_still_colours_survive_encoding(tmp_path: Path) -> None:
    still = media(tmp_path, write_still(tmp_path / "red.png", (200, 40, 40)), "m-r", "still")
    proj = project(tmp_path, [still], [Still(id="s", media_id="m-r", duration=3)])
    frames, _ = decode(export(proj, tmp_path, tmp_path / "x.mp4", crf=10))
    assert np.allclose(mean_rgb(frames[1]), (200, 40, 40), atol=4)
    assert av.open(str(tmp_path / "x.mp4")).streams.video[0].frames == 3


def test_clip_audio_is_carried_through_and_the_rest_is_silent(tmp_path: Path) -> None:
    from render_helpers import decode_audio, write_clip_with_tone

    clip = media(tmp_path, write_clip_with_tone(tmp_path / "tone.mp4", 48), "m-t", "clip")
    red = media(tmp_path, write_still(tmp_path / "red.png", (200, 0, 0)), "m-r", "still")
    proj = project(tmp_path, [clip, red], [
        Still(id="s", media_id="m-r", duration=24),
        Clip(id="c", media_id="m-t", source=FrameRange(12, 24))])
    out = export(proj, tmp_path, tmp_path / "x.mp4", preset="ultrafast")
    samples, rate, channels = decode_audio(out)
    assert (rate, channels) == (48_000, 2)
    assert abs(samples.shape[1] - 96_000) < 2048  # 2 s, give or take the AAC priming/padding
    quiet, loud = samples[:, 2_000:44_000], samples[:, 52_000:92_000]
    assert np.sqrt((quiet ** 2).mean()) < 0.01
    assert 0.25 < np.sqrt((loud ** 2).mean()) < 0.45  # a 0.5 sine has RMS 0.354
    spectrum = np.abs(np.fft.rfft(loud[0]))
    assert abs(np.argmax(spectrum) * 48_000 / loud.shape[1] - 440) < 5
    frames, _ = decode(out)
    assert [sample.read_frame_code(f) for f in frames[24:]] == list(range(12, 36))


def test_exports_without_any_sound_have_no_audio_track(tmp_path: Path) -> None:
    still = media(tmp_path, write_still(tmp_path / "red.png", (200, 0, 0)), "m-r", "still")
    proj = project(tmp_path, [still], [Still(id="s", media_id="m-r", duration=2)])
    with av.open(str(export(proj, tmp_path, tmp_path / "x.mp4"))) as container:
        assert not container.streams.audio


def test_clip_audio_starts_at_the_clips_in_point(tmp_path: Path) -> None:
    from render_helpers import decode_audio, write_clip_with_tone

    tone = write_clip_with_tone(tmp_path / "two.mp4", 72, hz=440.0, hz_after_1s=1000.0)
    clip = media(tmp_path, tone, "m-t", "clip")
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-t", source=FrameRange(30, 24))])
    samples, _, _ = decode_audio(export(proj, tmp_path, tmp_path / "x.mp4", preset="ultrafast"))
    window = samples[0, 4_000:44_000]  # source 1.25 s to 2.08 s: all after the change
    spectrum = np.abs(np.fft.rfft(window))
    assert abs(np.argmax(spectrum) * 48_000 / window.shape[0] - 1000) < 5


def test_markers_become_chapters_of_the_exported_range(tmp_path: Path) -> None:
    from studio.document import edits

    clip = media(tmp_path, write_clip(tmp_path / "a.mp4", 48), "m-a", "clip")
    proj = project(tmp_path, [clip], [Clip(id="c", media_id="m-a", source=FrameRange(0, 48))])
    edits.add_marker(proj, 4, name="before the range")
    edits.add_marker(proj, 12, name="verse")
    edits.add_marker(proj, 30)
    out = export(proj, tmp_path, tmp_path / "out.mp4", frame_range=(6, 42), preset="ultrafast")
    with av.open(str(out)) as container:
        chapters = [(c["start"] * c["time_base"], c["end"] * c["time_base"],
                     c["metadata"]["title"]) for c in container.chapters()]
    # From the range's first frame (6): 12 is 0.25 s in, 30 is 1 s in, the range ends at 1.5 s;
    # players start the first chapter at 0, so "Start" leads to the first marker.
    assert chapters == [(Fraction(0), Fraction(1, 4), "Start"),
                        (Fraction(1, 4), Fraction(1), "verse"),
                        (Fraction(1), Fraction(3, 2), "00:00:01:06")]
    plain = export(proj, tmp_path, tmp_path / "none.mp4", frame_range=(13, 20),
                   preset="ultrafast")  # no marker in the range: no chapters
    with av.open(str(plain)) as container:
        assert container.chapters() == []
