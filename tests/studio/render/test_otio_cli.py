"""``frameloom export-otio`` and ``frameloom info FILE.otio`` (as ``render`` reads it), errors."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from studio.app import main


def _one_sentence(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("frameloom: ") and err.count("\n") == 1, err
    return err


def test_export_otio_then_info_reads_it(sample_project: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cut.otio"
    assert main(["export-otio", str(sample_project.parent), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert said == f"Wrote {out}: 1 track(s), 00:00:09:00 (216 frames) at 24 fps.\n"
    timeline = otio.adapters.read_from_file(str(out))
    assert timeline.duration().to_frames() == 216
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert info.splitlines()[0].endswith(f"— {out}")
    assert "512x288, 24 fps, 00:00:09:00 (216 frames)" in info
    assert "crossfade" in info and "gap" in info and '"a red circle moves right' in info
    assert info.count("online") == 4 and "[offline]" not in info


def test_info_of_a_foreign_otio_names_what_was_not_imported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    track = otio.schema.Track(name="V1")
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(12, 24))))
    track.append(otio.schema.Transition(transition_type="Wipe"))
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(12, 24))))
    timeline = otio.schema.Timeline(name="foreign")
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(tmp_path / "foreign.otio"))
    assert main(["info", str(tmp_path / "foreign.otio")]) == 0
    out = capsys.readouterr().out
    assert "00:00:01:00 (24 frames)" in out and "Not imported: Wipe transition." in out


@pytest.mark.parametrize(("target", "says"), [
    ("{tmp}", "is a folder; name a file in it"),
    ("{tmp}/missing/cut.otio", "does not exist; create it first"),
    ("{tmp}/cut.mp4", "must end in .otio"),
])
def test_export_otio_refuses_an_unusable_output_before_reading(
        sample_project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        target: str, says: str) -> None:
    (tmp_path / "out").mkdir()
    before = sorted(tmp_path.rglob("*"))
    status = main(["export-otio", str(sample_project), "-o",
                   target.format(tmp=tmp_path / "out")])
    assert status == 2
    assert says in _one_sentence(capsys)
    assert sorted(tmp_path.rglob("*")) == before


def test_export_otio_of_a_missing_project_leaves_no_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["export-otio", str(tmp_path / "nope"), "-o", str(tmp_path / "cut.otio")])
    assert status == 2 and "There is no file or folder" in _one_sentence(capsys)
    assert list(tmp_path.iterdir()) == []
