"""Licence terms at install: shown before a pull, restricted ones only with --accept-licence;
and recorded in every take (one request or an operation) of a catalog model."""

from __future__ import annotations

import shutil
from pathlib import Path

import huggingface_hub
import numpy as np
import pytest

from engine.cli.main import main
from engine.models import store as model_store
from engine.models.licences import licence_terms
from engine.models.store import ModelStoreError
from engine.output.video import read_settings, write_video
from engine.paths import models_dir


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tiny_ltx_dir: Path) -> list[str]:
    """A stand-in for the Hub that copies the tiny LTX folder; the repos it was asked for."""
    asked: list[str] = []

    def snapshot_download(repo_id: str, **kwargs: object) -> str:
        asked.append(repo_id)
        shutil.copytree(tiny_ltx_dir, str(kwargs["local_dir"]), dirs_exist_ok=True)
        return str(kwargs["local_dir"])

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    return asked


@pytest.mark.parametrize(("model_id", "restriction"), [
    ("ltx-2", "annual revenue above USD 10 million"),
    ("hunyuanvideo-1.5-480p-t2v", "European Union, the United Kingdom or South Korea"),
    ("hunyuanvideo-1.5-480p-i2v", "European Union, the United Kingdom or South Korea"),
    ("ltx-video-0.9.7-distilled", "Third-party summaries say commercial use above"),
])
def test_a_restricted_licence_is_shown_and_refused_without_acceptance(
        hub: list[str], capsys: pytest.CaptureFixture[str], model_id: str,
        restriction: str) -> None:
    assert main(["models", "pull", model_id]) == 2
    out, err = capsys.readouterr()
    terms = licence_terms(model_id)
    assert terms is not None and terms.restricted
    assert f"Licence of {model_id}: {terms.name}." in out and restriction in out
    assert f"Full terms: {terms.url}\n" in out
    assert err.startswith(f"frameloom-engine: The model {model_id} is under the {terms.name}")
    assert "--accept-licence" in err and err.count("\n") == 1
    assert hub == [] and not (models_dir() / model_id).exists()
    with pytest.raises(ModelStoreError, match="terms were not accepted"):
        model_store.pull(model_id)  # the store refuses too, whoever calls it
    assert hub == []


def test_accepting_a_restricted_licence_installs(hub: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", "ltx-2", "--accept-licence"]) == 0
    out = capsys.readouterr().out
    assert "Restriction: Entities with annual revenue above USD 10 million" in out
    assert "(its licence terms accepted)" in out and hub == ["Lightricks/LTX-2"]


def test_an_unrestricted_licence_is_shown_and_needs_no_acceptance(
        hub: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", "wan2.1-t2v-1.3b"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Licence of wan2.1-t2v-1.3b: Apache-2.0.\n")
    assert "Restriction" not in out and "accepted" not in out
    assert hub == ["Wan-AI/Wan2.1-T2V-1.3B-Diffusers"]


def test_a_take_records_its_models_licence(tiny_ltx_dir: Path, tmp_path: Path) -> None:
    # The tiny LTX pipeline installed under a catalog id with a restricted licence, and under
    # an id the catalog does not know; one request and one operation (the runner's record).
    (models_dir() / "ltx-2").symlink_to(tiny_ltx_dir, target_is_directory=True)
    (models_dir() / "tiny-ltx").symlink_to(tiny_ltx_dir, target_is_directory=True)
    flags = ["generate", "--width", "32", "--height", "32", "--frames", "9", "--steps", "2",
             "--prompt", "a paper lantern"]
    take, extended = tmp_path / "take.mp4", tmp_path / "extended.mp4"
    assert main([*flags, "--model", "ltx-2", "-o", str(take)]) == 0
    licence = read_settings(take)["licence"]
    assert licence["model_id"] == "ltx-2" and licence["name"] == "LTX-2 Community License Agreement"
    assert "USD 10 million" in licence["restriction"]
    source = tmp_path / "source.mp4"
    write_video(np.zeros((9, 32, 32, 3), np.uint8), 24, source)
    assert main([*flags, "--model", "ltx-2", "--extend-forward", str(source),
                 "-o", str(extended)]) == 0
    assert read_settings(extended)["licence"] == licence
    assert main([*flags, "--model", "tiny-ltx", "-o", str(take)]) == 0
    assert read_settings(take)["licence"] is None
