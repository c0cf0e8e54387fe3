"""Checks a diffusers model folder: its index, components, safetensors headers, and no pickles."""

from __future__ import annotations

import json
import os
from pathlib import Path

from engine.models.installed import ModelError, read_model

# Pickled weights run code when loaded, so a model folder must not hold any.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")

# Components that hold no weights, by a word in their class name in model_index.json
# (transformers 5 names tokenizers "TokenizersBackend", older ones "T5TokenizerFast").
_WEIGHTLESS = ("Scheduler", "Tokenizer", "Processor", "FeatureExtractor")


def folder_size(folder: Path) -> int:
    """Bytes in the files under ``folder`` (following a link to it), hidden folders aside."""
    total = 0
    for root, dirs, files in os.walk(folder.resolve()):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        total += sum((Path(root) / name).stat().st_size for name in files)
    return total


def _component_problems(folder: Path, name: str, class_name: str) -> list[str]:
    component = folder / name
    if not component.is_dir():
        return [f"The component folder {name}/ is missing."]
    if not any(component.glob("*.json")):
        return [f"The component {name}/ has no config file."]
    if any(word in class_name for word in _WEIGHTLESS):
        return []
    problems = []
    if not (component / "config.json").is_file():
        problems.append(f"The component {name}/ has no config.json.")
    if not any(component.glob("*.safetensors")):
        problems.append(f"The component {name}/ has no safetensors weights.")
    for index in component.glob("*.safetensors.index.json"):
        try:
            shards = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            problems.append(f"The weights index {name}/{index.name} cannot be read.")
            continue
        problems += [f"The weights file {name}/{shard} is missing." for shard in sorted(shards)
                     if not (component / shard).is_file()]
    return problems


def _weights_problems(folder: Path) -> list[str]:
    from safetensors import safe_open

    problems = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue  # huggingface_hub's resume state lives in .cache/
        if path.suffix in PICKLE_SUFFIXES:
            problems.append(f"{relative} is a pickle file; Frameloom loads safetensors only.")
        elif path.suffix == ".safetensors":
            try:
                with safe_open(str(path), framework="numpy") as weights:
                    weights.keys()
            except Exception as exc:
                problems.append(f"The weights file {relative} cannot be read ({exc}).")
    return problems


def verify_folder(folder: Path) -> list[str]:
    """The problems of a diffusers model folder, each one sentence; empty when it is sound.

    Checks that ``model_index.json`` is there, that every component it names has its folder,
    config and (for modules) safetensors weights with every shard, that each safetensors
    header reads, that no pickle weights are present, and that it is a family we run.
    """
    folder = Path(folder)
    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ["The folder has no model_index.json, so it is not a diffusers model folder."]
    except (OSError, ValueError) as exc:
        return [f"model_index.json cannot be read ({exc})."]
    if not isinstance(index, dict):
        return ["model_index.json does not hold a JSON object."]
    problems = []
    for name, value in sorted(index.items()):
        if name.startswith("_") or not isinstance(value, list) or len(value) != 2:
            continue
        if value[1] is not None:  # [null, null] marks an optional component left out
            problems += _component_problems(folder, name, str(value[1]))
    problems += _weights_problems(folder)
    if not problems:
        try:
            if read_model(folder) is None:
                problems.append(f"The pipeline {index.get('_class_name')} is not a model family "
                                "Frameloom runs (LTX-Video or Wan).")
        except ModelError as exc:
            problems.append(str(exc))
    return problems
