"""LTX-Video through diffusers' LTXConditionPipeline: pins become conditions at their frames."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from engine.backends import BackendError, StepCallback
from engine.backends.common import (
    LoadedPipeline,
    check_weights,
    clip_frames,
    from_pretrained,
    load_image,
    pipeline_class,
    place,
    shrink_latents,
    to_picture,
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
        import torch

        pipe = self._live_pipe()
        device = pipe._execution_device
        generator = torch.Generator(device=device).manual_seed(request.seed)
        conditions = _conditions(request, pipe.vae_temporal_compression_ratio)
        shape = self._latent_shape(request)

        def step_end(pipe: Any, i: int, t: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            latents = tensors["latents"]
            on_step(i + 1, pipe.num_timesteps, lambda: self._preview(latents, shape))
            return {}

        output = pipe(
            conditions=conditions or None, prompt=request.prompt,
            negative_prompt=request.negative_prompt, width=request.width, height=request.height,
            num_frames=request.frames, frame_rate=request.fps,
            num_inference_steps=request.steps, guidance_scale=request.guidance,
            generator=generator, decode_timestep=_DECODE_TIMESTEP, decode_noise_scale=_DECODE_NOISE,
            max_sequence_length=min(256, pipe.tokenizer.model_max_length),
            output_type="np", callback_on_step_end=step_end,
            callback_on_step_end_tensor_inputs=["latents"])
        frames = numpy.asarray(output.frames[0])  # (frames, height, width, 3) floats in [0, 1]
        expected = (request.frames, request.height, request.width, 3)
        if frames.shape != expected:
            raise BackendError("bad_shape", f"The model made frames shaped {frames.shape}, not "
                               f"{expected}.", "Fit the request to the model before running it.")
        return numpy.clip(frames * 255.0 + 0.5, 0, 255).astype(numpy.uint8)

    def _latent_shape(self, request: GenerationRequest) -> tuple[int, int, int]:
        pipe = self._pipe
        return ((request.frames - 1) // pipe.vae_temporal_compression_ratio + 1,
                request.height // pipe.vae_spatial_compression_ratio,
                request.width // pipe.vae_spatial_compression_ratio)

    def _preview(self, packed: torch.Tensor, shape: tuple[int, int, int]) -> numpy.ndarray:
        """Decode the middle latent frame of the current latents into a small RGB image."""
        import torch

        pipe = self._live_pipe()
        frames, height, width = shape
        patch, patch_t = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
        with torch.inference_mode():
            # Pinned clips add tokens in front of the shot's own; the shot's are the last ones.
            tokens = (frames // patch_t) * (height // patch) * (width // patch)
            latents = pipe._unpack_latents(packed[:1, -tokens:], frames, height, width, patch,
                                           patch_t)
            latents = latents[:, :, frames // 2: frames // 2 + 1]  # (1, C, 1, h, w)
            latents = shrink_latents(latents, pipe.vae_spatial_compression_ratio)
            vae = pipe.vae
            latents = pipe._denormalize_latents(latents, vae.latents_mean, vae.latents_std,
                                                vae.config.scaling_factor).to(vae.dtype)
            timestep = (torch.tensor([_DECODE_TIMESTEP], device=latents.device, dtype=vae.dtype)
                        if vae.config.timestep_conditioning else None)
            image = vae.decode(latents, timestep, return_dict=False)[0][0, :, 0]  # (3, H, W)
            return to_picture(image)
