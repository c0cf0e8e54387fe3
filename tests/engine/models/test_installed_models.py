"""The model catalog finds diffusers folders by JSON alone and names what is there when asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.models.installed import ModelError, find_model, list_models, read_model
from engine.paths import models_dir


def test_list_models_finds_the_linked_tiny_model(tiny_model: str) -> None:
    models = {info.id: info for info in list_models()}
    info = models[tiny_model]
    assert info.family == "ltx"
    assert (info.path / "model_index.json").is_file()
    assert info.constraints.size_multiple == 32 and info.constraints.frame_rule == (4, 1)
    assert info.to_dict()["constraints"]["frame_rule"] == [4, 1]
    assert find_model(tiny_model) == info


def test_unknown_id_names_the_models_there_are(tiny_model: str) -> None:
    with pytest.raises(ModelError, match=r"no model called 'nope'; available models: .*tiny-ltx"):
        find_model("nope")


def test_unknown_id_with_nothing_installed_names_the_built_in_model() -> None:
    with pytest.raises(ModelError, match=r"no model called 'nope'; available models: "
                                         r"frameloom-mini\."):
        find_model("nope")


def test_unknown_id_with_no_models_at_all_says_none_are_installed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.models.installed

    monkeypatch.setattr(engine.models.installed, "REPO_MODELS", tmp_path / "no-resources")
    with pytest.raises(ModelError, match="none are installed"):
        find_model("nope")


def test_folders_of_other_pipelines_and_broken_configs_are_skipped(tiny_ltx_dir: Path) -> None:
    other = models_dir() / "sd"
    other.mkdir()
    (other / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    broken = Path(shutil.copytree(tiny_ltx_dir, models_dir() / "broken"))
    (broken / "vae" / "config.json").write_text("{not json")
    (models_dir() / "empty").mkdir()
    assert [info.id for info in list_models()] == ["frameloom-mini"]  # built in
    assert read_model(other) is None
    with pytest.raises(ModelError, match="cannot be read"):
        find_model("broken")


def test_wan_constraints_come_from_its_configs(tmp_path: Path) -> None:
    folder = tmp_path / "wan-small"
    for name, config in {"vae": {"scale_factor_spatial": 8, "scale_factor_temporal": 4},
                         "transformer": {"patch_size": [1, 2, 2]}}.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "config.json").write_text(json.dumps(config))
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "WanPipeline"}))
    info = read_model(folder)
    assert info is not None and info.family == "wan"
    assert (info.constraints.size_multiple, info.constraints.frame_rule) == (16, (4, 1))


@pytest.mark.parametrize(("trained", "window"), [({"frames": 25}, 49), ({"frames": 200}, 257),
                                                  ({"frames": "long"}, None), (None, None)])
def test_a_model_that_records_its_training_length_is_chained_at_twice_it(
        tmp_path: Path, trained: dict[str, object] | None, window: int | None) -> None:
    folder = tmp_path / "mini"
    for name, config in {"vae": {"spatial_compression_ratio": 16,
                                 "temporal_compression_ratio": 4},
                         "transformer": {"patch_size": 1}}.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "config.json").write_text(json.dumps(config))
    index = {"_class_name": "LTXConditionPipeline"}
    if trained is not None:
        index["_frameloom_trained"] = trained
    (folder / "model_index.json").write_text(json.dumps(index))
    info = read_model(folder)
    assert info is not None and info.constraints.window == window
    assert info.to_dict()["constraints"]["window"] == window
