"""Train frameloom-mini through a curriculum: phases of ``engine.mini.train``, one after another.

``python -m engine.mini.curriculum RECIPE.json --out runs/NAME [--from-model FOLDER]`` runs each
phase of the recipe as ``engine.mini.train --out runs/NAME --resume --stage STAGE --override
...``: the phase's ``override`` merged into the run's preset, for the phase's ``minutes`` (or
``steps``) more of the stage. When a phase ends, its checkpoint is copied to
``runs/NAME/phases/NN-NAME/``, so every phase's weights are kept to compare and to start from,
and (``--stills N``, 3 by default) the phase's pipeline draws the stills sheet of
``engine.mini.stills`` into that folder, its shape counts recorded in ``curriculum.json``: the
quick check of whether a phase taught or lost the shapes (about 15 s alone on 2 cores).

A recipe (see ``engine/mini/recipes/``) is JSON::

    {"about": "what the curriculum is for",
     "stage": "transformer",
     "phases": [{"name": "stills", "minutes": 36, "override": {"image_share": 1.0}}, ...]}

A phase's budget counts from where the phase starts. The run's ``curriculum.json`` records each
phase's absolute target when it starts and the phases finished, so the same command after an
interruption (``Ctrl+C``, a closed session) goes on with the phase it was in, to the same
target, and skips the phases already done. Overrides accumulate, as ``--resume --override``
does: a phase keeps what the phases before it set unless it sets it again (``null`` resets a
world field to the whole world). The preset's ``decay`` (the share of the stage's minutes after
which its rate drops to a quarter) counts on the stage's whole budget, so it acts only in a
phase given in minutes.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from engine.mini.build import NotAModel, recorded_training
from engine.mini.checkpoint import STAGE_NAMES, latest_checkpoint

PROGRESS = "curriculum.json"


class RecipeError(ValueError):
    """A recipe that cannot run: unreadable, or a phase without a name or a budget."""


def load_recipe(path: Path) -> dict[str, Any]:
    """Read and check a recipe file.

    Raises
    ------
    RecipeError
        In one sentence, naming the file and what is wrong with it.
    """
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RecipeError(f"cannot read the recipe {path} ({error}); give a JSON file such as "
                          "engine/mini/recipes/shapes.json") from None
    if not isinstance(recipe, dict) or not isinstance(recipe.get("phases"), list) \
            or not recipe["phases"]:
        raise RecipeError(f"{path} has no list of phases; see engine/mini/recipes/ for the form")
    if recipe.get("stage", "transformer") not in STAGE_NAMES:
        raise RecipeError(f"{path} names the stage {recipe.get('stage')!r}; use one of "
                          f"{', '.join(STAGE_NAMES)}")
    names = set()
    for number, phase in enumerate(recipe["phases"], 1):
        if not isinstance(phase, dict) or not isinstance(phase.get("name"), str) \
                or not phase["name"]:
            raise RecipeError(f"phase {number} of {path} has no name")
        if phase["name"] in names:
            raise RecipeError(f"{path} names two phases {phase['name']!r}; names must differ")
        names.add(phase["name"])
        budget = [key for key in ("minutes", "steps") if key in phase]
        if len(budget) != 1 or not isinstance(phase[budget[0]], (int, float)) \
                or phase[budget[0]] <= 0:
            raise RecipeError(f"phase {phase['name']!r} of {path} needs either a positive "
                              "'minutes' or a positive 'steps'")
        if not isinstance(phase.get("override", {}), dict):
            raise RecipeError(f"phase {phase['name']!r} of {path} has an override that is not "
                              "a JSON object")
    return recipe


def _progress_now(out: Path, from_model: Path | None, stage: str) -> tuple[int, float]:
    """The stage's step and trained seconds in the run's checkpoint, or in ``from_model``'s
    training record when the run has not started, or zero for a fresh run."""
    saved = latest_checkpoint(out / "checkpoint")
    if saved is not None:
        stages = json.loads((saved / "state.json").read_text(encoding="utf-8"))["stages"]
        progress = stages.get(stage, {"step": 0, "seconds": 0.0})
        return int(progress["step"]), float(progress["seconds"])
    if from_model is not None:
        record = recorded_training(from_model)
        return (int(record.get("steps", {}).get(stage, 0)),
                float(record.get("minutes", {}).get(stage, 0.0)) * 60.0)
    return 0, 0.0


def phase_targets(phase: dict[str, Any], step: int, seconds: float, stage: str
                  ) -> dict[str, Any]:
    """The absolute budget that gives ``phase`` its ``minutes`` or ``steps`` from where it
    starts (``step``, ``seconds``), as preset fields; the other budget is left unbounded."""
    if "minutes" in phase:
        return {"minutes": {stage: seconds / 60.0 + float(phase["minutes"])},
                "steps": {stage: 10**9}}
    return {"steps": {stage: step + int(phase["steps"])}, "minutes": {stage: 10.0**9}}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``, one level deep for per-stage tables (``lr``, ``minutes``...)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def check_stills(model: Path, sheet: Path, seeds: int) -> dict[str, tuple[int, int]]:
    """Draw :mod:`engine.mini.stills`' sheet of ``model`` to ``sheet``; per shape, (right,
    drawn), printed as the stills command prints them."""
    from engine.mini.stills import draw, save, summary

    picture, counts = draw(model, seeds, steps=20, guidance=3.0)
    save(picture, sheet)
    print(f"[curriculum] {sheet}: {summary(counts)}", flush=True)
    return counts


def run(recipe_path: Path, out: Path, from_model: Path | None = None, seed: int = 0,
        device: str | None = None, stills: int = 0) -> list[str]:
    """Run the recipe's phases not yet done; return the names of the phases this call ran.

    With ``stills`` seeds, each finished phase's stills sheet is drawn (see
    :func:`check_stills`) and its counts kept in the run's ``curriculum.json``.
    """
    from engine.mini.train import main as train_main
    from engine.mini.train import parse_args

    recipe = load_recipe(recipe_path)
    stage = recipe.get("stage", "transformer")
    out.mkdir(parents=True, exist_ok=True)
    progress_file = out / PROGRESS
    progress: dict[str, Any] = (json.loads(progress_file.read_text(encoding="utf-8"))
                                if progress_file.is_file() else {"done": [], "targets": {}})
    progress["recipe"] = str(recipe_path)

    def record() -> None:
        progress_file.write_text(json.dumps(progress, indent=1), encoding="utf-8")

    ran = []
    for number, phase in enumerate(recipe["phases"], 1):
        name = phase["name"]
        if name in progress["done"]:
            continue
        if name not in progress["targets"]:  # first start: fix the target, so a resume keeps it
            progress["targets"][name] = phase_targets(phase, *_progress_now(out, from_model,
                                                                            stage), stage)
            record()
        override = _merge(phase.get("override", {}), progress["targets"][name])
        argv = ["--out", str(out), "--resume", "--stage", stage, "--seed", str(seed),
                "--override", json.dumps(override)]
        if from_model is not None:
            argv += ["--from-model", str(from_model)]  # used only while OUT has no checkpoint
        if device is not None:
            argv += ["--device", device]
        print(f"[curriculum] phase {number} {name}: {json.dumps(override)}", flush=True)
        train_main(parse_args(argv))
        kept = out / "phases" / f"{number:02d}-{name}"
        if kept.exists():
            shutil.rmtree(kept)
        shutil.copytree(out / "checkpoint", kept)
        if stills > 0:
            counts = check_stills(out / "pipeline", kept / "stills.png", stills)
            progress.setdefault("stills", {})[name] = counts
        progress["done"].append(name)
        record()
        ran.append(name)
    return ran


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of ``python -m engine.mini.curriculum``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", help="a recipe JSON file, e.g. engine/mini/recipes/shapes.json")
    parser.add_argument("--out", required=True, help="run folder (checkpoint/, phases/, "
                                                     "pipeline/, curriculum.json)")
    parser.add_argument("--from-model", default=None, metavar="FOLDER",
                        help="start from a built model folder when OUT has no checkpoint yet")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default=None)
    parser.add_argument("--stills", type=int, default=3, metavar="SEEDS",
                        help="after each phase, draw the stills sheet with this many seeds "
                             "per caption (0: none)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; a bad recipe or model folder exits with one sentence."""
    args = parse_args(argv)
    try:
        ran = run(Path(args.recipe), Path(args.out),
                  Path(args.from_model) if args.from_model else None, args.seed, args.device,
                  max(0, args.stills))
    except (RecipeError, NotAModel) as error:
        raise SystemExit(f"error: {error}") from None
    print(f"[curriculum] ran {len(ran)} phase(s): {', '.join(ran) or 'none (all done)'}",
          flush=True)


if __name__ == "__main__":
    from engine.mini.train import stop_on_signals

    stop_on_signals()  # a stopped phase is checkpointed and not counted as done
    try:
        main()
    except KeyboardInterrupt:  # a second signal: stopped at once, since the last checkpoint
        print("[stopped] at once by a second signal; the same command goes on from the last "
              "checkpoint", flush=True)
        raise SystemExit(130) from None
