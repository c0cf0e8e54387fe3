"""Exports record the models that made their takes and those models' licences (the MP4/MOV
``comment`` JSON and ``copyright`` tag; the OTIO timeline's metadata), and ``frameloom render`` /
``export-otio`` say so in one line when a restricted licence is involved."""

from __future__ import annotations

import json
from pathlib import Path

import av
import opentimelineio as otio
import pytest

from studio.app import main
from studio.document import persistence
from studio.render.licences import export_licences
from studio.render.otio_format import KEY
from studio.render.otio_import import import_otio
from support.licence_takes import LTX2, MIXED, NOTE, RECORDS, UNKNOWN, WAN, licence_project


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_a_video_export_records_each_model_and_licence_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    project = licence_project(tmp_path / "p", MIXED)
    out = tmp_path / f"cut{suffix}"
    assert main(["render", str(project), "-o", str(out), "--preset", "ultrafast"]) == 0
    err = capsys.readouterr().err
    assert f"{NOTE}\n" in err and err.count("restricted licences") == 1
    with av.open(str(out)) as container:
        tags = dict(container.metadata)
    assert json.loads(tags["comment"])["models"] == RECORDS
    assert tags["copyright"] == (f"Generated with ltx-2 ({LTX2['name']}); wan2.2-ti2v-5b "
                                 f"(Apache-2.0); frameloom-mini ({UNKNOWN}).")


def test_an_export_without_restricted_licences_says_nothing_of_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = licence_project(tmp_path / "p", [("wan2.2-ti2v-5b", WAN)])
    out = tmp_path / "cut.mp4"
    assert main(["render", str(project), "-o", str(out), "--preset", "ultrafast"]) == 0
    assert "restricted" not in capsys.readouterr().err
    with av.open(str(out)) as container:
        assert json.loads(container.metadata["comment"])["models"] == RECORDS[1:2]


def test_an_otio_export_records_the_licences_and_still_imports(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = licence_project(tmp_path / "p", MIXED)
    out = tmp_path / "cut.otio"
    assert main(["export-otio", str(project), "-o", str(out)]) == 0
    assert f"{NOTE}\n" in capsys.readouterr().out
    timeline = otio.adapters.read_from_file(str(out))
    assert [dict(record) for record in timeline.metadata[KEY]["models"]] == RECORDS
    imported, _folder = import_otio(out)
    assert [item.id for item in imported.timeline.tracks[0].items] == ["g0", "g1", "g2", "g3"]


def test_a_take_whose_file_is_gone_gives_an_unknown_licence(tmp_path: Path) -> None:
    project_file = licence_project(tmp_path / "p", MIXED)
    project = persistence.open_project(project_file).project
    (tmp_path / "p" / "takes" / "t1.mp4").unlink()  # the Apache take: gone, so unknown
    licences = export_licences(project, tmp_path / "p")
    assert [(m.model_id, m.licence) for m in licences] == [
        ("ltx-2", LTX2["name"]), ("wan2.2-ti2v-5b", UNKNOWN), ("frameloom-mini", UNKNOWN)]
