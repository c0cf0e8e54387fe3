"""engine.mini.curriculum: phases run in order with their overrides and budgets, each phase's
checkpoint is kept, and a second run of the same command goes on where the first stopped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.mini.curriculum import RecipeError, load_recipe, main, phase_targets
from support.mini_training import TINY


def _write(path: Path, recipe: object) -> Path:
    path.write_text(json.dumps(recipe), encoding="utf-8")
    return path


def _state(folder: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    return state


def test_phases_run_in_order_keep_their_checkpoints_and_resume(tmp_path: Path) -> None:
    recipe = _write(tmp_path / "recipe.json", {"stage": "transformer", "phases": [
        {"name": "narrow", "steps": 2,
         "override": {**json.loads(TINY), "world_shapes": ["circle", "square"]}},
        {"name": "wide", "steps": 1, "override": {"world_shapes": None, "text_lr": 1e-3}}]})
    out = tmp_path / "run"
    main([str(recipe), "--out", str(out), "--stills", "0"])
    narrow, wide = _state(out / "phases" / "01-narrow"), _state(out / "phases" / "02-wide")
    assert narrow["stages"]["transformer"]["step"] == 2
    assert narrow["preset"]["world_shapes"] == ["circle", "square"]
    assert narrow["preset"]["text_lr"] == 0.0
    assert wide["stages"]["transformer"]["step"] == 3
    assert wide["preset"]["world_shapes"] is None and wide["preset"]["text_lr"] == 1e-3
    # Overrides accumulate: the second phase kept the first phase's tiny batches.
    assert wide["preset"]["batch"]["transformer"] == json.loads(TINY)["batch"]["transformer"]
    assert (out / "pipeline" / "model_index.json").is_file()
    progress = json.loads((out / "curriculum.json").read_text(encoding="utf-8"))
    assert progress["done"] == ["narrow", "wide"]
    main([str(recipe), "--out", str(out), "--stills", "0"])  # all done: nothing more is trained
    assert _state(out / "checkpoint")["stages"]["transformer"]["step"] == 3
    # A phase cut short goes on to the target it was given when it started, not a new one.
    progress["done"] = ["narrow"]
    (out / "curriculum.json").write_text(json.dumps(progress), encoding="utf-8")
    main([str(recipe), "--out", str(out), "--stills", "1"])
    assert _state(out / "checkpoint")["stages"]["transformer"]["step"] == 3
    # With --stills, the phase's sheet is drawn beside its checkpoint and its counts recorded.
    assert (out / "phases" / "02-wide" / "stills.png").is_file()
    counts = json.loads((out / "curriculum.json").read_text(encoding="utf-8"))["stills"]["wide"]
    assert sorted(counts) == ["circle", "square", "triangle"]
    assert all(drawn == 4 and 0 <= right <= drawn for right, drawn in counts.values())


def test_a_phase_budget_counts_from_where_the_phase_starts() -> None:
    by_time = phase_targets({"minutes": 30}, 1000, 600.0, "transformer")
    assert by_time["minutes"] == {"transformer": 40.0}
    assert by_time["steps"]["transformer"] > 10**6
    by_steps = phase_targets({"steps": 500}, 1000, 600.0, "transformer")
    assert by_steps["steps"] == {"transformer": 1500}
    assert by_steps["minutes"]["transformer"] > 10**6


@pytest.mark.parametrize(("recipe", "words"), [
    ({"phases": []}, "no list of phases"),
    ({"phases": [{"name": "a"}]}, "positive 'minutes' or a positive 'steps'"),
    ({"phases": [{"name": "a", "minutes": 5, "steps": 3}]}, "either"),
    ({"phases": [{"name": "a", "minutes": -1}]}, "positive"),
    ({"phases": [{"minutes": 1}]}, "has no name"),
    ({"phases": [{"name": "a", "minutes": 1}, {"name": "a", "steps": 1}]}, "two phases"),
    ({"stage": "sound", "phases": [{"name": "a", "minutes": 1}]}, "names the stage"),
    ({"phases": [{"name": "a", "minutes": 1, "override": [1]}]}, "not a JSON object"),
])
def test_a_bad_recipe_is_refused_in_one_sentence(tmp_path: Path, recipe: object,
                                                  words: str) -> None:
    path = _write(tmp_path / "recipe.json", recipe)
    with pytest.raises(RecipeError, match=words):
        load_recipe(path)
    with pytest.raises(SystemExit, match=f"error: .*{words}"):
        main([str(path), "--out", str(tmp_path / "run")])
    assert not (tmp_path / "run" / "checkpoint").exists()


def test_a_missing_recipe_or_model_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="error: cannot read the recipe"):
        main([str(tmp_path / "nowhere.json"), "--out", str(tmp_path / "run")])
    recipe = _write(tmp_path / "recipe.json", {"phases": [{"name": "a", "steps": 1}]})
    with pytest.raises(SystemExit, match="error: .*no readable model_index.json"):
        main([str(recipe), "--out", str(tmp_path / "run"), "--from-model", str(tmp_path)])


def test_the_shipped_recipes_are_valid() -> None:
    folder = Path(__file__).resolve().parents[3] / "engine" / "mini" / "recipes"
    recipes = sorted(folder.glob("*.json"))
    assert recipes
    for path in recipes:
        assert load_recipe(path)["phases"]
