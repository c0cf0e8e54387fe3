"""Train frameloom-mini on the procedural world: the VAE first, then the transformer on its latents.

``python -m engine.mini.train --preset cpu --out runs/mini`` trains the VAE, the transformer,
and then the VAE's decoder alone (``--stage`` picks one), and writes
``runs/mini/checkpoint/`` every few minutes and ``runs/mini/pipeline/`` (a diffusers
LTXConditionPipeline folder) at the end; ``--resume`` continues from the checkpoint.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.mini.batches import (
    condition_layout,
    dissolve,
    drop_captions,
    still_crops,
    stills,
    twin_batch,
    world_batch,
)
from engine.mini.build import (
    NotAModel,
    describe,
    parts_from_checkpoint,
    parts_from_model,
    save_pipeline,
    training_record,
)
from engine.mini.checkpoint import (
    STAGE_NAMES,
    fresh_progress,
    fresh_state,
    latest_checkpoint,
    save_checkpoint,
)
from engine.mini.losses import encode_latents, encode_prompts, flow_loss, object_cells, vae_loss
from engine.mini.parts import PRESETS, Parts, Preset, build_parts, build_tokenizer
from engine.mini.world import MOTIONS, SHAPES, VOCABULARY, World

# "decoder" trains the VAE's decoder alone on a trained VAE: the encoder, and so the latents the
# transformer learned, stay exactly as they were, while pictures come back sharper.
STAGES = {**{name: (name,) for name in STAGE_NAMES}, "all": STAGE_NAMES}
_WARMUP_STEPS = 100
# Set by SIGTERM or SIGINT (see main): the step under way finishes, the checkpoint is saved and
# the run exits with the signal's status, so stopping a run loses no trained step.
_STOP: list[int] = []
_CALIBRATION_BATCHES = 4


@torch.no_grad()
def calibrate_latents(vae: Any, world: World, rng: np.random.Generator, preset: Preset) -> None:
    """Set the VAE's ``latents_mean``/``latents_std`` so the transformer sees unit-scale latents.

    The pipeline normalizes pins and denormalizes before decoding with these buffers, and they
    are saved with the VAE's weights, so training and generation scale latents alike.
    """
    vae.latents_mean.zero_()
    vae.latents_std.fill_(1.0)
    latents = [encode_latents(vae, world_batch(world, rng, preset.sizes, preset.frames,
                                               preset.batch["vae"], vae.device)[0])
               for _ in range(_CALIBRATION_BATCHES)]
    flat = torch.cat([x.transpose(0, 1).flatten(1) for x in latents], dim=1)  # (C, N)
    vae.latents_mean.copy_(flat.mean(dim=1))
    vae.latents_std.copy_(flat.std(dim=1).clamp_min(1e-3))


def transformer_loss(parts: Parts, preset: Preset, video: torch.Tensor, captions: list[str],
                     rng: np.random.Generator,
                     twins: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """One conditioning-aware flow-matching loss on a batch of clips ``(B, 3, F, H, W)``;
    ``twins`` are :func:`engine.mini.batches.twin_batch`'s for the preset's ``flow_twins``."""
    ratio = parts.vae.temporal_compression_ratio
    layout = condition_layout(rng, (video.shape[2] - 1) // ratio + 1, video.shape[2],
                              preset.condition_rate)
    if (layout.kind == "first_last" and len(video) > 1 and preset.bridge_share > 0
            and rng.random() < preset.bridge_share):
        # The captions stay the first scene's. The loss's object cells are read against the
        # first frame's background, so the second scene's cells all count as object cells.
        video = dissolve(video, layout, ratio)
        twins = None  # a dissolve is two scenes: a twin of the first is no twin of it
    latents = encode_latents(parts.vae, video)  # (B, C, f, h, w)
    twin_terms = None
    if twins is not None and preset.flow_twins > 0:
        twin_video, found = twins
        _, _, f, h, w = latents.shape
        cells = torch.maximum(object_cells(video, f, h, w), object_cells(twin_video, f, h, w))
        twin_terms = (encode_latents(parts.vae, twin_video), cells * found[:, None].float())
    captions = drop_captions(captions, rng, preset.cfg_dropout)
    # (B, L, D) embeddings and their (B, L) mask
    embeds, mask = encode_prompts(parts.tokenizer, parts.text_encoder, captions)
    return flow_loss(parts.transformer, parts.vae, latents, embeds, mask, layout, video,
                     preset.fps, shift=preset.sigma_shift,
                     object_weight=preset.flow_object_weight, contrast=preset.flow_contrast,
                     twins=twin_terms, twin_weight=preset.flow_twins, pixels=preset.flow_pixels,
                     pixel_object=(preset.object_weight, preset.object_rim))


def finished(progress: dict[str, Any], preset: Preset, stage: str) -> bool:
    """Whether a stage's progress record has reached the preset's step target or time budget."""
    done: bool = (progress["step"] >= preset.steps[stage]
                  or progress["seconds"] >= preset.minutes[stage] * 60.0)
    return done


class Ema:
    """An exponential moving average of a model's weights, as DiT keeps for sampling.

    The decay ramps up as ``min(decay, (1 + step) / (10 + step))`` so the first steps' weights
    do not linger in the average.
    """

    def __init__(self, model: torch.nn.Module, decay: float,
                 saved: dict[str, torch.Tensor] | None = None) -> None:
        self.decay = decay
        self.weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if saved is not None:
            self.weights.update({k: v.to(self.weights[k].device) for k, v in saved.items()})

    @torch.no_grad()
    def update(self, model: torch.nn.Module, step: int) -> None:
        """Move the average towards ``model``'s weights after optimizer step ``step``."""
        keep = min(self.decay, (1 + step) / (10 + step))
        for name, value in model.state_dict().items():
            average = self.weights[name]
            if average.is_floating_point():
                average.lerp_(value, 1.0 - keep)
            else:
                average.copy_(value)


def train_stage(stage: str, parts: Parts, preset: Preset, state: dict[str, Any],
                optimizer: torch.optim.Optimizer, world: World, rng: np.random.Generator,
                max_steps: int | None, checkpoint: Any, ema: Ema | None = None) -> None:
    """Run one stage until its step target, its time budget or ``max_steps`` more steps.

    Parameters
    ----------
    stage
        ``"vae"`` (reconstruction), ``"transformer"`` (flow matching on the frozen VAE's
        latents; the latents are calibrated first whenever the VAE changed since last time) or
        ``"decoder"`` (reconstruction again, training the VAE's decoder alone).
    state
        The run's progress record; this stage's step, seconds and done flag are updated.
    max_steps
        At most this many more steps in this call (``--steps``); None for no such limit.
    checkpoint
        Called with no arguments every ``preset.checkpoint_minutes``.
    ema
        The average of the transformer's weights to update after each of its steps, or None.
    """
    progress = state["stages"][stage]
    vae_stage = stage in ("vae", "decoder")
    model = parts.vae if vae_stage else parts.transformer
    parts.vae.requires_grad_(stage == "vae").train(vae_stage)
    parts.vae.decoder.requires_grad_(vae_stage)
    parts.transformer.requires_grad_(stage == "transformer").train(stage == "transformer")
    # Trained in eval mode (no dropout), when the preset trains it at all.
    parts.text_encoder.requires_grad_(stage == "transformer" and preset.text_lr > 0)
    if stage == "transformer" and state["calibrated"] != state["stages"]["vae"]["step"]:
        calibrate_latents(parts.vae, world, rng, preset)
        state["calibrated"] = state["stages"]["vae"]["step"]
    target = preset.steps.get(stage, 0) if max_steps is None else min(
        preset.steps.get(stage, 0), progress["step"] + max_steps)
    batch = preset.batch.get(stage, preset.batch["vae"])
    budget, lr = preset.minutes.get(stage, 0.0) * 60.0, preset.lr.get(stage, preset.lr["vae"])
    # Warm up from the first step, and again from wherever empty optimizer moments start (a run
    # begun from a built model or a weights-only snapshot): Adam's first steps are the largest.
    warm_from = progress["step"] if not optimizer.state else 0
    start = last_save = last_log = time.monotonic()
    spent, logged_steps = progress["seconds"], 0
    totals: dict[str, float] = {}  # sums over the log window, as DiT averages its loss
    frames = (preset.vae_frames or preset.frames) if vae_stage else preset.frames
    crop = preset.vae_crop if vae_stage else None
    while (progress["step"] < target and spent + time.monotonic() - start < budget
           and not _STOP):
        still = not vae_stage and preset.image_share > 0 and rng.random() < preset.image_share
        video, captions, scenes = world_batch(
            world, rng, preset.sizes, frames, (preset.image_batch or 4 * batch) if still else batch,
            parts.vae.device, crop=crop)  # (B, 3, F, H, W)
        twins = None
        if still:
            video = stills(video, rng)  # (B, 3, 1, H, W)
            if preset.image_crop is not None:
                video, captions = still_crops(video, captions, scenes, preset.image_crop, rng)
        elif not vae_stage and preset.flow_twins > 0:
            twins = twin_batch(world, scenes, video, rng)
        if vae_stage:
            loss, info = vae_loss(parts.vae, video, preset.object_weight, preset.object_rim)
        else:
            loss, info = transformer_loss(parts, preset, video, captions, rng, twins), {}
        late = spent + time.monotonic() - start > preset.decay.get(stage, 1.0) * budget
        scale = (min(1.0, (progress["step"] + 1 - warm_from) / _WARMUP_STEPS)
                 * (0.25 if late else 1.0))
        for group in optimizer.param_groups:  # "base": a group's own rate (the text encoder's)
            group["lr"] = group.get("base", lr) * scale
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(
            [p for group in optimizer.param_groups for p in group["params"]], 1.0)
        optimizer.step()
        if ema is not None:
            ema.update(model, progress["step"])
        progress["step"] += 1
        logged_steps += 1
        for key, value in {"loss": loss.item(), **info}.items():
            totals[key] = totals.get(key, 0.0) + value
        now = time.monotonic()
        if progress["step"] % preset.log_every == 0 or progress["step"] == target:
            per_step = (now - last_log) / logged_steps
            means = "".join(f"  {k} {v / logged_steps:.4g}" for k, v in totals.items())
            print(f"[{stage}] step {progress['step']}{means}  "
                  f"{batch / per_step:.1f} samples/s  {per_step:.3f} s/step",
                  flush=True)
            last_log, logged_steps, totals = now, 0, {}
        if now - last_save > preset.checkpoint_minutes * 60.0:
            progress["seconds"] = spent + now - start
            checkpoint()
            last_save = time.monotonic()
    progress["seconds"] = spent + time.monotonic() - start
    progress["done"] = finished(progress, preset, stage)


def main(args: argparse.Namespace) -> None:
    """Train the stages asked for, checkpoint, and save the pipeline folder."""
    out, changes = Path(args.out), json.loads(args.override)
    folder = out / "checkpoint"
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    saved = latest_checkpoint(folder) if args.resume else None
    if saved is not None:  # the checkpoint's preset and seed win over the command line's
        parts, preset, state, payload = parts_from_checkpoint(saved, **changes)
        rng.bit_generator.state = state.pop("numpy_rng")
    elif args.from_model:  # a built model's weights and steps; its optimizer moments are gone
        parts, preset, state = parts_from_model(Path(args.from_model), **changes)
        payload = {"optimizers": {}}  # the average starts as a copy of the loaded weights
        print(f"[from-model] {describe(state)}; optimizer moments start empty", flush=True)
    else:
        preset = PRESETS[args.preset].scaled(**changes)
        parts = build_parts(preset, build_tokenizer(VOCABULARY, preset.max_tokens), args.seed)
        state, payload = fresh_state(args.seed), {"optimizers": {}}
    world = World(args.seed, shadings=preset.shadings, spread=preset.start_spread,
                  single=preset.single_share, shapes=preset.world_shapes or SHAPES,
                  motions=preset.world_motions or MOTIONS)
    state.update(preset=dataclasses.asdict(preset))
    for name in STAGE_NAMES:  # a checkpoint saved before the decoder stage existed has none
        state["stages"].setdefault(name, fresh_progress())
    state.setdefault("preset_name", args.preset)
    for model in (parts.text_encoder, parts.vae, parts.transformer):
        model.to(args.device)
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    trained = {"vae": parts.vae, "transformer": parts.transformer, "decoder": parts.vae.decoder}
    optimizers = {stage: torch.optim.AdamW(trained[stage].parameters(),
                                           lr=preset.lr.get(stage, preset.lr["vae"]),
                                           weight_decay=0.0) for stage in STAGES["all"]}
    text_group = {"params": list(parts.text_encoder.parameters()), "base": preset.text_lr}
    for stage, saved in payload["optimizers"].items():
        if stage == "transformer" and len(saved["param_groups"]) == 2:
            optimizers[stage].add_param_group(dict(text_group))  # saved with the text encoder
        optimizers[stage].load_state_dict(saved)
    if preset.text_lr > 0 and len(optimizers["transformer"].param_groups) == 1:
        # A fresh run, or one resumed from a frozen-encoder checkpoint: the encoder joins now.
        optimizers["transformer"].add_param_group(dict(text_group))
    for group in optimizers["transformer"].param_groups[1:]:
        group["base"] = preset.text_lr  # the saved state's rate would hide an --override's

    ema = (Ema(parts.transformer, preset.ema, payload.get("ema")) if preset.ema > 0 else None)

    def checkpoint() -> None:
        save_checkpoint(folder, parts, state, optimizers, dict(rng.bit_generator.state),
                        ema=None if ema is None else ema.weights)

    for stage in STAGES[args.stage]:
        # Judged against this run's preset, not the saved flag, so a resumed run whose
        # --override raises a stage's minutes or steps trains that stage on.
        if not finished(state["stages"][stage], preset, stage) and not _STOP:
            train_stage(stage, parts, preset, state, optimizers[stage], world, rng, args.steps,
                        checkpoint, ema if stage == "transformer" else None)
    checkpoint()
    if _STOP:
        print(f"[stopped] by signal {_STOP[0]} at {describe(state)}; the checkpoint is saved, "
              "--resume goes on from it", flush=True)
        raise SystemExit(128 + _STOP[0])
    if ema is not None:  # the pipeline samples from the average, as DiT does
        parts.transformer.load_state_dict(ema.weights)
    for model in (parts.text_encoder, parts.vae, parts.transformer):
        model.to("cpu")
    print(save_pipeline(parts, out / "pipeline", describe(state), training_record(preset, state)),
          flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of ``python -m engine.mini.train``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    parser.add_argument("--out", required=True, help="run folder: checkpoint/ and pipeline/")
    parser.add_argument("--resume", action="store_true",
                        help="continue from OUT/checkpoint (with its preset); starts afresh "
                             "when there is none")
    parser.add_argument("--from-model", default=None, metavar="FOLDER",
                        help="start from a built model folder (e.g. resources/models/"
                             "frameloom-mini) at its steps, when OUT has no checkpoint")
    parser.add_argument("--steps", type=int, default=None,
                        help="at most this many more steps per stage in this run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stage", choices=sorted(STAGES), default="all")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--override", default="{}",
                        help='JSON merged into the preset, e.g. \'{"batch": {"vae": 1}}\'')
    return parser.parse_args(argv)


def stop_on_signals() -> None:
    """Let SIGTERM and SIGINT end a run at the next step boundary, checkpointed (a second
    signal of either kind stops it at once)."""
    import signal

    def ask(number: int, _frame: Any) -> None:
        if _STOP:
            raise KeyboardInterrupt
        _STOP.append(number)
        print(f"[stopping] signal {number}: finishing this step and saving the checkpoint",
              flush=True)

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, ask)


if __name__ == "__main__":
    stop_on_signals()
    try:
        main(parse_args())
    except NotAModel as error:  # a wrong --from-model folder: one sentence, not a traceback
        raise SystemExit(f"error: {error}") from None
    except KeyboardInterrupt:  # a second signal: stopped at once, since the last checkpoint
        print("[stopped] at once by a second signal; --resume goes on from the last checkpoint",
              flush=True)
        raise SystemExit(130) from None
