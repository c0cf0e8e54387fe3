"""Assemble frameloom-mini's trained parts into a diffusers LTXConditionPipeline folder.

``python -m engine.mini.build --checkpoint OUT/checkpoint --out FOLDER`` turns any training
checkpoint into a model folder the LTX backend loads; training itself calls :func:`save_pipeline`
at its end.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engine.mini.parts import Parts, Preset, attend_to_neighbours, build_parts, build_pipeline

# Weights come back from the GPU machine as files of at most 16 MiB each (issue 7).
MAX_SHARD = "16MB"


def save_pipeline(parts: Parts, folder: Path, description: str,
                  trained: dict[str, Any] | None = None) -> Path:
    """Save the parts as an ``LTXConditionPipeline`` in diffusers layout, safetensors only.

    Parameters
    ----------
    parts
        Trained tokenizer, text encoder, VAE, transformer and scheduler.
    folder
        The model folder to write (``model_index.json`` inside).
    description
        Stored as ``_frameloom_description`` in ``model_index.json``; the model catalog shows it.
    trained
        Stored as ``_frameloom_trained``: what the model saw in training (see
        :func:`training_record`); ``engine.mini.evaluate`` measures it there.
    """
    folder.mkdir(parents=True, exist_ok=True)
    build_pipeline(parts).save_pretrained(folder, safe_serialization=True,
                                          max_shard_size=MAX_SHARD)
    index_path = folder / "model_index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["_frameloom_description"] = description
    if trained is not None:
        index["_frameloom_trained"] = trained
    index_path.write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return folder


def parts_from_checkpoint(folder: Path, **changes: Any) -> tuple[Parts, Preset, dict[str, Any],
                                                                 dict[str, Any]]:
    """Rebuild the parts a checkpoint was trained with and load its weights.

    Parameters
    ----------
    folder
        The checkpoint folder.
    changes
        Preset fields to change (as :meth:`Preset.scaled`); model sizes must stay as saved.
        A ``text_attention`` among them is applied to the loaded text encoder
        (:func:`~engine.mini.parts.attend_to_neighbours`), so a run trained without the
        neighbour bias can go on with it.

    Returns
    -------
    parts, preset, state, payload
        The loaded parts, the preset, the progress record and the optimizer/RNG payload.
    """
    from transformers import PreTrainedTokenizerFast

    from engine.mini.checkpoint import load_checkpoint

    saved = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    preset = Preset.from_dict(saved["preset"]).scaled(**changes)
    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder / "tokenizer")
    parts = build_parts(preset, tokenizer, saved["seed"])
    state, payload = load_checkpoint(folder, parts)
    if changes.get("text_attention"):
        attend_to_neighbours(parts.text_encoder, preset.text_attention)
    return parts, preset, state, payload


RECIPE = ("start_spread", "single_share", "object_rim", "flow_object_weight", "ema", "lr",
          "decay", "bridge_share", "flow_contrast", "flow_twins", "image_share", "image_batch",
          "image_crop", "flow_pixels")
"""Preset fields a run usually sets by ``--override``: recorded with the model, so that a run
started ``--from-model`` keeps its world, loss weights, weight average and learning rates
without being told them again."""


def _recorded_recipe(recipe: Any, preset: Preset) -> dict[str, Any]:
    """The :data:`RECIPE` fields of a recorded recipe that fit ``preset``'s: a number for a
    number, a mapping of stage names to numbers for a mapping, two positive whole numbers or
    None for a crop; anything else (a garbled or foreign record) is left out, so the preset's
    own value stands."""
    if not isinstance(recipe, dict):
        return {}

    def number(value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    kept: dict[str, Any] = {}
    for key, value in recipe.items():
        if key not in RECIPE:
            continue
        if key == "image_crop":
            if value is None or (isinstance(value, list) and len(value) == 2 and all(
                    number(v) and v == int(v) and v > 0 for v in value)):
                kept[key] = None if value is None else tuple(int(v) for v in value)
        elif isinstance(getattr(preset, key), dict):
            if isinstance(value, dict) and all(number(v) for v in value.values()):
                kept[key] = value
        elif number(value):
            kept[key] = value
    return kept


class NotAModel(ValueError):
    """A folder that ``--from-model`` cannot start from, said in one sentence."""


def recorded_training(folder: Path) -> dict[str, Any]:
    """The ``_frameloom_trained`` record of a built model folder's ``model_index.json``.

    Raises
    ------
    NotAModel
        When the folder has no readable ``model_index.json`` or no such record in it for a
        known preset (not a frameloom-mini build).
    """
    from engine.mini.parts import PRESETS

    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise NotAModel(f"{folder} has no readable model_index.json ({error}); give a model "
                         "folder such as resources/models/frameloom-mini") from None
    record = index.get("_frameloom_trained") if isinstance(index, dict) else None
    if not isinstance(record, dict) or record.get("preset") not in PRESETS:
        raise NotAModel(f"{folder} is not a frameloom-mini build with a training record; "
                         "give a folder made by engine.mini.build or engine.mini.train")
    return record


def parts_from_model(folder: Path, **changes: Any) -> tuple[Parts, Preset, dict[str, Any]]:
    """Rebuild the parts of a built model folder (``model_index.json``) to train them on.

    For a run whose checkpoints are gone: the folder's ``_frameloom_trained`` record names the
    preset, sizes, steps and the :data:`RECIPE` fields it trained with (``changes`` win); the
    transformer's saved weights (its EMA when it had one) become both its weights and its
    average, and the optimizers start with empty moments. The latents count as calibrated, so
    the VAE's saved ``latents_mean``/``latents_std`` stay as they are.

    Returns
    -------
    parts, preset, state
        The loaded parts, the preset (with ``changes``) and a progress record at the folder's
        steps and minutes.

    Raises
    ------
    NotAModel
        When the folder has no readable ``model_index.json`` or no ``_frameloom_trained``
        record in it (not a frameloom-mini build).
    """
    from diffusers import AutoencoderKLLTXVideo, LTXVideoTransformer3DModel
    from transformers import PreTrainedTokenizerFast, T5EncoderModel

    from engine.mini.checkpoint import fresh_state
    from engine.mini.parts import PRESETS

    record = recorded_training(folder)
    trained = {key: record[key] for key in ("sizes", "frames", "fps", "shadings")}
    preset = PRESETS[record["preset"]].scaled(**trained)
    saved_layers = _saved_layers(folder, preset)  # a grown model keeps its depth
    preset = preset.scaled(transformer={"num_layers": saved_layers})
    # The recipe, then the command line, each merged stage by stage into the learning rates.
    preset = preset.scaled(**_recorded_recipe(record.get("recipe"), preset)).scaled(**changes)
    if preset.transformer["num_layers"] < saved_layers:
        raise NotAModel(f"{folder} has a {saved_layers}-layer transformer; a run from it can "
                        "keep or add layers, not drop them")
    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder / "tokenizer")
    state = fresh_state(seed=0)
    parts = build_parts(preset, tokenizer, state["seed"])
    saved = {"text_encoder": T5EncoderModel, "vae": AutoencoderKLLTXVideo,
             "transformer": LTXVideoTransformer3DModel}
    for name, kind in saved.items():
        weights = kind.from_pretrained(folder / name).state_dict()
        if name == "transformer":
            weights = grow_layers(weights, parts.transformer)
        getattr(parts, name).load_state_dict(weights)
    for name, progress in state["stages"].items():
        progress["step"] = record["steps"].get(name, 0)
        progress["seconds"] = record["minutes"].get(name, 0.0) * 60.0
    state["calibrated"] = state["stages"]["vae"]["step"]
    state["preset_name"] = record["preset"]
    return parts, preset, state


def _saved_layers(folder: Path, preset: Preset) -> int:
    """The transformer depth a model folder was saved with (the preset's when unreadable)."""
    try:
        config = json.loads((folder / "transformer" / "config.json").read_text(encoding="utf-8"))
        return int(config["num_layers"])
    except (OSError, ValueError, KeyError, TypeError):
        return int(preset.transformer["num_layers"])


def grow_layers(weights: dict[str, Any], transformer: Any) -> dict[str, Any]:
    """Saved transformer ``weights`` spread over a deeper ``transformer``, new blocks as identity.

    A model that has stopped improving at its depth can go on with more layers without losing
    what it draws: the saved blocks keep their order at evenly spread places, and every new
    block starts with its self-attention, cross-attention and feed-forward output projections at
    zero, so it adds nothing to the residual stream until training moves it (as DiT's adaLN-Zero
    starts its blocks). Returns the state dict to load; ``weights`` itself when no layer is new.
    """
    import torch

    blocks = [key for key in weights if key.startswith("transformer_blocks.")]
    old = 1 + max(int(key.split(".")[1]) for key in blocks)
    new = len(transformer.transformer_blocks)
    if new == old:
        return weights
    places = [i * new // old for i in range(old)]  # where saved block i goes
    grown = {k: v for k, v in weights.items() if not k.startswith("transformer_blocks.")}
    for key, value in weights.items():
        if key.startswith("transformer_blocks."):
            _, number, rest = key.split(".", 2)
            grown[f"transformer_blocks.{places[int(number)]}.{rest}"] = value
    fresh = transformer.state_dict()
    outputs = ("attn1.to_out.0.", "attn2.to_out.0.", "ff.net.2.")
    for index in sorted(set(range(new)) - set(places)):
        prefix = f"transformer_blocks.{index}."
        for key, value in fresh.items():
            if key.startswith(prefix):
                zero = key[len(prefix):].startswith(outputs)
                grown[key] = torch.zeros_like(value) if zero else value.clone()
    return grown


def training_record(preset: Preset, state: dict[str, Any]) -> dict[str, Any]:
    """Sizes, clip length, backgrounds, recipe and steps of a run, for ``model_index.json``."""
    stages = state["stages"]
    return {"preset": state.get("preset_name"), "sizes": [list(size) for size in preset.sizes],
            "frames": preset.frames, "fps": preset.fps, "shadings": list(preset.shadings),
            "recipe": {key: getattr(preset, key) for key in RECIPE},
            "steps": {name: stages[name]["step"] for name in stages},
            "minutes": {name: round(stages[name]["seconds"] / 60, 1) for name in stages}}


def describe(state: dict[str, Any]) -> str:
    """A one-line description of how far a checkpoint was trained."""
    stages = state["stages"]
    decoder = stages.get("decoder", {}).get("step", 0)
    return (f"frameloom-mini, preset {state['preset_name']}: VAE {stages['vae']['step']} steps, "
            f"transformer {stages['transformer']['step']} steps"
            + (f", decoder {decoder} more steps" if decoder else ""))


def take_decoder(parts: Parts, state: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Put the VAE decoder of checkpoint ``folder`` into ``parts`` and its progress into ``state``.

    A decoder stage (``--stage decoder``) may run beside the transformer's in a copy of the same
    run; its VAE differs from the run's only in the decoder. Its encoder must be the one the
    transformer learned the latents of, weight for weight.

    Returns
    -------
    dict
        The decoder run's preset, as its checkpoint recorded it (empty when it did not).

    Raises
    ------
    ValueError
        When the two checkpoints' VAE encoders differ.
    """
    import torch
    from safetensors.torch import load_file

    other = load_file(str(folder / "vae.safetensors"))
    own = parts.vae.state_dict()
    if any(not torch.equal(own[name], value) for name, value in other.items()
           if not name.startswith("decoder.")):
        raise ValueError(f"{folder} has another VAE encoder than the transformer was trained "
                         "on; take a decoder from a run that continued this one's checkpoint")
    parts.vae.load_state_dict({**own, **other})
    saved = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    state["stages"]["decoder"] = saved["stages"]["decoder"]
    return dict(saved.get("preset") or {})


def main(args: argparse.Namespace) -> None:
    """Build the pipeline folder from a checkpoint (the transformer's EMA weights when kept)."""
    parts, preset, state, payload = parts_from_checkpoint(Path(args.checkpoint))
    if "ema" in payload:
        parts.transformer.load_state_dict(payload["ema"])
    if args.decoder_from:  # the decoder's own loss weights and rate go in the record
        decoder_preset = take_decoder(parts, state, Path(args.decoder_from))
        preset = preset.scaled(
            object_rim=decoder_preset.get("object_rim", preset.object_rim),
            **{key: {"decoder": decoder_preset[key]["decoder"]} for key in ("lr", "decay")
               if "decoder" in (decoder_preset.get(key) or {})})
    print(save_pipeline(parts, Path(args.out), describe(state), training_record(preset, state)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="a training run's checkpoint folder")
    parser.add_argument("--out", required=True, help="the model folder to write")
    parser.add_argument("--decoder-from", default=None,
                        help="a checkpoint of this run's decoder stage: use its VAE decoder")
    main(parser.parse_args())
