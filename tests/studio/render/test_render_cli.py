"""``frameloom render``: a project folder to an MP4 with a progress line, and its errors."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from studio.app import main


def test_render_a_project_folder_with_a_progress_bar(sample_project: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "render.mp4"
    status = main(["render", str(sample_project.parent), "-o", str(out), "--width", "160",
                   "--height", "90", "--fps", "12", "--preset", "ultrafast", "--crf", "30"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "\r" in err and "108/108 frames 100%" in err and f"Wrote {out}" in err
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.frames, stream.width, stream.height, stream.average_rate) == \
            (108, 160, 90, 12)


@pytest.mark.parametrize(("args", "message"), [
    (["render", "{missing}", "-o", "{out}"], "There is no file or folder"),
    (["render", "{project}", "-o", "{out}", "--width", "320"], "--width and --height"),
    (["render", "{project}", "-o", "{dir}/x.mp4", "--codec", "prores"], r"\.mov"),
])
def test_render_errors_are_one_line_and_exit_2(sample_project: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                args: list[str], message: str) -> None:
    values = {"missing": str(tmp_path / "nope"), "out": str(tmp_path / "o.mp4"),
              "project": str(sample_project), "dir": str(tmp_path)}
    status = main([a.format(**values) for a in args])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("frameloom: ") and err.count("\n") == 1
    import re

    assert re.search(message, err)
    assert not (tmp_path / "o.mp4").exists()


def test_render_an_otio_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cut.otio"
    path.write_text("{}")
    status = main(["render", str(path), "-o", str(tmp_path / "o.mp4")])
    err = capsys.readouterr().err
    # an empty document is a clear error, never a traceback
    assert status == 2 and err.startswith("frameloom: ") and "Traceback" not in err


def test_render_an_otio_export_of_the_sample(sample_project: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    otio_io = pytest.importorskip("studio.render.otio_export")
    if not hasattr(otio_io, "export_otio"):
        pytest.skip("OTIO export is not written yet")
    from studio.document import persistence

    opened = persistence.open_project(sample_project)
    cut = otio_io.export_otio(opened.project, sample_project, tmp_path / "cut.otio")
    out = tmp_path / "cut.mp4"
    status = main(["render", str(cut), "-o", str(out), "--preset", "ultrafast",
                   "--width", "160", "--height", "90"])
    assert status == 0, capsys.readouterr().err
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (160, 90) and stream.frames > 100


def test_a_failure_mid_render_ends_the_bar_line_and_leaves_no_file(
        sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_project.parent / "media" / "clip-2.mp4").write_bytes(b"not a video\n" * 50)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "o.mp4"
    status = main(["render", str(sample_project), "-o", str(out), "--width", "160",
                   "--height", "90", "--preset", "ultrafast"])
    err = capsys.readouterr().err
    assert status == 2 and list(out.parent.iterdir()) == []
    last = err.rstrip("\n").split("\n")[-1]
    assert last.startswith("frameloom: ") and "clip-2.mp4" in last and "relink" in last


@pytest.mark.parametrize(("target", "says"), [
    ("{out}", "is a folder; name a file in it, such as"),
    ("{out}/missing/o.mp4", "does not exist; create it first"),
])
def test_an_unusable_output_is_refused_before_rendering(
        sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        target: str, says: str) -> None:
    (tmp_path / "out").mkdir()
    status = main(["render", str(sample_project), "-o", target.format(out=tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("frameloom: ") and err.count("\n") == 1
    assert says in err and "frames" not in err  # refused before the first frame
    assert list((tmp_path / "out").iterdir()) == []


def test_a_read_only_output_folder_is_refused_before_rendering(
        sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    (tmp_path / "out").mkdir()
    real = os.access
    # As root every folder is writable, so the folder's answer is faked for this one path.
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path / "out"
                        else real(p, mode))
    status = main(["render", str(sample_project), "-o", str(tmp_path / "out" / "o.mp4")])
    err = capsys.readouterr().err
    assert status == 2 and "is not writable; pick another -o" in err and err.count("\n") == 1
    assert list((tmp_path / "out").iterdir()) == []
