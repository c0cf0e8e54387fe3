"""SkyReels-V2 diffusion forcing and Helios: in the catalog with their figures and operations,
backed by pipelines diffusers has, but not installable until Frameloom has a backend for them."""

from __future__ import annotations

import huggingface_hub
import pytest

from engine.backends import FAMILIES
from engine.cli import main as cli
from engine.models import store as model_store
from engine.models.catalog import CATALOG, catalog_entry
from engine.models.store import ModelStoreError
from engine.paths import models_dir

# Catalog id -> the diffusers 0.42.1 pipeline class its repo is run with.
NEW = {"skyreels-v2-df-1.3b-540p": "SkyReelsV2DiffusionForcingPipeline",
       "helios-distilled": "HeliosPyramidPipeline"}


@pytest.mark.parametrize(("model_id", "pipeline"), list(NEW.items()))
def test_the_entry_names_a_pipeline_diffusers_has_and_no_backend(model_id: str,
                                                                 pipeline: str) -> None:
    import diffusers

    entry = catalog_entry(model_id)
    assert entry is not None and not entry.installable and entry.repo
    assert hasattr(diffusers, pipeline)
    assert entry.family not in FAMILIES and "NOT INSTALLABLE YET" in entry.description
    assert {"shot", "extend_forward", "long_shot"} == set(entry.operations)
    assert entry.to_dict()["installable"] is False


@pytest.mark.parametrize("model_id", list(NEW))
def test_pulling_it_is_refused_in_one_sentence_without_downloading(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        model_id: str) -> None:
    asked: list[str] = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download",
                        lambda repo_id, **kwargs: asked.append(repo_id))
    with pytest.raises(ModelStoreError, match="cannot be installed yet: Frameloom has no "
                                              "backend"):
        model_store.pull(model_id, accept_licence=True)
    assert cli.main(["models", "pull", model_id, "--accept-licence"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"frameloom-engine: The model {model_id} cannot be installed yet")
    assert err.count("\n") == 1 and asked == [] and not (models_dir() / model_id).exists()


def test_models_list_shows_them_as_having_no_backend_yet(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for model_id in NEW:
        (line,) = [line for line in lines if line.startswith(model_id + " ")]
        assert " no backend yet " in line and "NOT INSTALLABLE YET" in line
    with pytest.raises(ModelStoreError) as caught:
        model_store.pull("nope")
    assert not any(model_id in str(caught.value) for model_id in NEW)  # not offered
    assert {entry.id for entry in CATALOG if not entry.installable} == set(NEW)
