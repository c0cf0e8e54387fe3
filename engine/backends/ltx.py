"""LTX-Video through diffusers' LTXConditionPipeline: pins become conditions at their frames."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from engine.backends import StepCallback
from engine.backends.common import (
    LoadedPipeline,
    check_weights,
    clip_frames,
    from_pretrained,
    load_image,
    packed_preview,
    pipeline_class,
    place,
)
from engine.models.installed import family_constraints
from engine.protocol.requests import GenerationRequest

if TYPE_CHECKING:
    import torch

_WEIGHT_FOLDERS = ("transformer", "vae", "text_encoder")
# diffusers' recommended decode settings for LTX 0.9.1+ VAEs with timestep conditioning; a VAE
# without it ignores them.
_DECODE_TIMESTEP = 0.05
_DECODE_NOISE = 0.025


def _check_folder(model_dir: Path) -> None:
    """Refuse before diffusers does, so the user reads a sentence instead of a traceback."""
    pipeline_class(model_dir, "LTX", "LTX-Video")
    for name in _WEIGHT_FOLDERS:
        check_weights(model_dir, name)


def load(model_dir: Path, device: str, profile: str) -> LTXBackend:
    """Load an LTX-Video model folder; see :func:`engine.backends.load_backend`."""
    _check_folder(model_dir)
    import torch
    from diffusers import LTXConditionPipeline

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    pipe = from_pretrained(LTXConditionPipeline, model_dir, dtype)
    place(pipe, device, profile)
    return LTXBackend(pipe, profile)


def _conditions(request: GenerationRequest, temporal: int) -> list[Any]:
    """One LTXVideoCondition per pin, with clip pins trimmed to the counts the VAE encodes."""
    from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

    conditions = []
    for pin in request.pins:
        w, h = request.width, request.height
        if pin.frame_start is None:
            image = load_image(pin.path, w, h)
            conditions.append(LTXVideoCondition(image=image, frame_index=pin.target_frame,
                                                strength=pin.strength))
            continue
        # The VAE encodes temporal*k+1 frames, so a pin of another length loses frames. Keep the
        # ones beside the generated part: a pin that opens the shot keeps its tail (dropping its
        # first frames and starting later); any other pin keeps its head, as diffusers would.
        keep = (pin.frame_count - 1) // temporal * temporal + 1
        drop = pin.frame_count - keep
        opens = pin.target_frame == 0 and drop > 0
        first = pin.frame_start + (drop if opens else 0)
        target = pin.target_frame + (drop if opens else 0)
        conditions.append(LTXVideoCondition(video=clip_frames(pin, first, keep, w, h),
                                            frame_index=target, strength=pin.strength))
    return conditions


class LTXBackend(LoadedPipeline):
    """A loaded LTX-Video pipeline; see :class:`engine.backends.Backend`."""

    MODULES = _WEIGHT_FOLDERS
    family = "ltx"

    def __init__(self, pipe: Any, profile: str) -> None:
        super().__init__(pipe, profile)
        self.constraints = family_constraints(
            "ltx", pipe.vae_spatial_compression_ratio, pipe.vae_temporal_compression_ratio,
            pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size)

    def generate(self, request: GenerationRequest, on_step: StepCallback) -> numpy.ndarray:
        """Run one fitted request; see :meth:`engine.backends.Backend.generate`."""
        pipe = self._live_pipe()
        conditions = _conditions(request, pipe.vae_temporal_compression_ratio)
        shape = self._latent_shape(request)
        return self._run(
            request, on_step, lambda latents: self._preview(latents, shape),
            conditions=conditions or None, frame_rate=request.fps,
            decode_timestep=_DECODE_TIMESTEP, decode_noise_scale=_DECODE_NOISE,
            max_sequence_length=min(256, pipe.tokenizer.model_max_length))

    def _latent_shape(self, request: GenerationRequest) -> tuple[int, int, int]:
        pipe = self._pipe
        return ((request.frames - 1) // pipe.vae_temporal_compression_ratio + 1,
                request.height // pipe.vae_spatial_compression_ratio,
                request.width // pipe.vae_spatial_compression_ratio)

    def _preview(self, packed: torch.Tensor, shape: tuple[int, int, int]) -> numpy.ndarray:
        """Decode the middle latent frame of the current latents into a small RGB image."""
        # Pinned clips add tokens in front of the shot's own; the shot's are the last ones.
        return packed_preview(self._live_pipe(), packed, shape, shot_first=False,
                              decode_timestep=_DECODE_TIMESTEP)
