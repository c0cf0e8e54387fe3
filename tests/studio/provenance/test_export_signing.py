"""``frameloom render --sign``: exports signed after the final mux, with honest manifests."""

from __future__ import annotations

import os
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from provenance_fixtures import Credentials

from studio.app import main
from studio.document import fingerprint, persistence
from studio.document.model import (
    FrameRange,
    Generated,
    GeneratedSpec,
    Generation,
    MediaRef,
    Project,
    Still,
    Take,
    Timeline,
    Track,
    TrackEntry,
)
from studio.provenance import verify_media


def _project(folder: Path, media: dict[str, Path], *, still: bool, take: bool) -> Path:
    """A 64x64, 8 fps project of a still (2 s) and/or a generated shot with a finished take."""
    folder.mkdir()
    items: list[TrackEntry] = []
    pool: dict[str, MediaRef] = {}
    if still:
        path = Path(shutil.copy(media["png"], folder / "still.png"))
        pool["m-still"] = MediaRef(id="m-still", path="still.png", kind="still", name=path.name,
                                   fingerprint=fingerprint.fingerprint_file(path))
        items.append(Still(id="s", media_id="m-still", duration=16))
    takes = ()
    if take:
        (folder / "takes").mkdir()
        shutil.copy(media["mp4"], folder / "takes" / "t1.mp4")
        takes = (Take(id="take-1", job_id="job-1", path="takes/t1.mp4", spec_hash="sha256:0",
                      status="done", created="2026-12-01T10:00:00Z"),)
    spec = GeneratedSpec(kind="shot", prompt="a red square", duration=8)
    items.append(Generated(id="g", generation=Generation(
        spec=spec, takes=takes, active_take_id=takes[0].id if takes else None),
        source=FrameRange(0, 8), name="Shot"))
    project = Project(id="project-sign", name="Signed", rate=Fraction(8), width=64, height=64,
                      media=pool, timeline=Timeline(id="timeline-sign", tracks=[
                          Track(id="track-0", name="V1", items=items)]))
    return persistence.save_project(project, folder / "Signed.frameloom")


def _render(project: Path, out: Path, *flags: str | Path) -> int:
    return main(["render", str(project), "-o", str(out), "--preset", "ultrafast",
                 *map(str, flags)])


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_an_export_mixing_footage_and_a_take_is_signed_as_composite_with_its_sources(
        media: dict[str, Path], credentials: Credentials, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from c2pa import Reader

    project = _project(tmp_path / "p", media, still=True, take=True)
    out = tmp_path / "out" / "cut.mp4"
    out.parent.mkdir()
    status = _render(project, out, "--sign", "--cert", credentials.chain, "--key",
                     credentials.key)
    err = capsys.readouterr().err
    assert status == 0, err
    assert f"Wrote {out} (signed with a C2PA manifest)" in err
    result = verify_media(out, trust_anchors=credentials.anchor)
    assert result.state == "trusted"
    assert result.source_type == "compositeWithTrainedAlgorithmicMedia"
    with Reader(str(out)) as reader:
        manifest = reader.get_active_manifest()
    assert [i["title"] for i in manifest["ingredients"]] == ["still.png", "t1.mp4"]
    assert _leftovers(out.parent) == []  # the unsigned file is gone


def test_an_export_of_takes_alone_is_signed_as_generated(
        media: dict[str, Path], credentials: Credentials, tmp_path: Path) -> None:
    project = _project(tmp_path / "p", media, still=False, take=True)
    out = tmp_path / "takes.mp4"
    assert _render(project, out, "--sign", "--cert", credentials.chain, "--key",
                   credentials.key) == 0
    assert verify_media(out).source_type == "trainedAlgorithmicMedia"


def test_sign_is_refused_before_rendering_when_no_take_is_finished(
        media: dict[str, Path], credentials: Credentials, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "p", media, still=True, take=False)
    out = tmp_path / "cut.mp4"
    status = _render(project, out, "--sign", "--cert", credentials.chain, "--key",
                     credentials.key)
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("frameloom: This export holds no finished generated take")
    assert err.count("\n") == 1 and "Rendering" not in err
    assert not out.exists()


def test_a_failed_signature_leaves_nothing_under_either_name(
        media: dict[str, Path], bad_profile: Credentials, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path / "p", media, still=True, take=True)
    folder = tmp_path / "out"
    folder.mkdir()
    status = _render(project, folder / "cut.mp4", "--sign", "--cert", bad_profile.chain,
                     "--key", bad_profile.key)
    err = capsys.readouterr().err
    assert status == 2
    assert "frameloom: Cannot sign" in err
    assert list(folder.iterdir()) == []


def test_missing_credentials_are_named_before_rendering(
        media: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAMELOOM_SIGNING_CERT", raising=False)
    project = _project(tmp_path / "p", media, still=False, take=True)
    status = _render(project, tmp_path / "x.mp4", "--sign")
    err = capsys.readouterr().err
    assert status == 2 and "--cert" in err and "Rendering" not in err
    status = _render(project, tmp_path / "x.mp4", "--sign", "--cert", tmp_path / "none.pem",
                     "--key", tmp_path / "none.pem")
    assert status == 2 and "There is no signing file at" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_settings_sign_exports_signs_by_default_and_skips_footage_only_exports(
        media: dict[str, Path], credentials: Credentials, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    settings = Path(os.environ["FRAMELOOM_HOME"]) / "data" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[signing]\nsign_exports = true\ncert = '{credentials.chain}'\n"
                        f"key = '{credentials.key}'\n")
    try:
        signed = _project(tmp_path / "signed", media, still=True, take=True)
        assert _render(signed, tmp_path / "a.mp4") == 0
        assert verify_media(tmp_path / "a.mp4").state == "valid"
        assert _render(signed, tmp_path / "b.mp4", "--no-sign") == 0
        assert verify_media(tmp_path / "b.mp4").state == "no manifest"
        capsys.readouterr()

        footage = _project(tmp_path / "footage", media, still=True, take=False)
        assert _render(footage, tmp_path / "c.mp4") == 0
        assert "written unsigned" in capsys.readouterr().err
        assert verify_media(tmp_path / "c.mp4").state == "no manifest"

        settings.write_text("[signing]\nsign_exports = 'yes'\n")
        assert _render(signed, tmp_path / "d.mp4") == 2
        assert "must be true or false" in capsys.readouterr().err
    finally:
        settings.unlink()
