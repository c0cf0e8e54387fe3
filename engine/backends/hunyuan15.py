"""HunyuanVideo 1.5 through diffusers: text-to-video, and image-to-video from a first frame.

Its pipelines take no step callback, no guidance scale and (image-to-video) no size: guidance
lives in the pipeline's ``guider``, which is replaced by one with the request's scale for each
call, progress and cancel come from wrapping the scheduler's ``step`` for the call, and the
image-to-video pipeline picks its own size from the still's aspect ratio and its
``target_size``, so a request of another size is refused with the size it would make.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from engine.backends import BackendError, StepCallback
from engine.backends.attention import attention_for
from engine.backends.common import (
    LoadedPipeline,
    check_folder,
    from_pretrained,
    middle_frame,
    pin_picture,
    place,
    seeded_generator,
    to_picture,
)
from engine.backends.compiled import compiled_blocks
from engine.backends.drafts import step_cache
from engine.backends.loras import applied_loras
from engine.models.installed import family_constraints
from engine.protocol.requests import GenerationRequest

if TYPE_CHECKING:
    import torch
    from PIL.Image import Image

KINDS = {"HunyuanVideo15Pipeline": "t2v", "HunyuanVideo15ImageToVideoPipeline": "i2v"}
_WEIGHT_FOLDERS = ("transformer", "vae", "text_encoder", "text_encoder_2")
_OPTIONAL_WEIGHT_FOLDERS = ("image_encoder",)


def load(model_dir: Path, device: str, profile: str) -> Hunyuan15Backend:
    """Load a HunyuanVideo 1.5 model folder; see :func:`engine.backends.load_backend`."""
    class_name = check_folder(model_dir, "HunyuanVideo15", "HunyuanVideo 1.5", KINDS,
                              _WEIGHT_FOLDERS, _OPTIONAL_WEIGHT_FOLDERS)
    import diffusers
    import torch

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    pipe = from_pretrained(getattr(diffusers, class_name), model_dir, dtype)
    place(pipe, device, profile)
    return Hunyuan15Backend(pipe, KINDS[class_name], profile)


@contextmanager
def stepping(pipe: Any, on_step: StepCallback,
             preview: Callable[[Any], numpy.ndarray]) -> Iterator[None]:
    """Call ``on_step`` after every scheduler step of the pipeline while the block runs.

    Whatever ``on_step`` raises (a cancel) propagates out of the pipeline call.
    """
    scheduler = pipe.scheduler
    original = scheduler.step
    done = [0]

    def step(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        latents = result[0] if isinstance(result, tuple) else result.prev_sample
        done[0] += 1
        on_step(done[0], len(scheduler.timesteps), lambda: preview(latents))
        return result

    scheduler.step = step
    try:
        yield
    finally:
        del scheduler.step  # the instance attribute goes; the class's method is back


def _refuse(message: str) -> BackendError:
    return BackendError("unsupported_pins", message, "Pin one still at the first frame of a "
                        "HunyuanVideo 1.5 image-to-video model, or use a Wan VACE or LTX-Video "
                        "model for pins at any frame.")


class Hunyuan15Backend(LoadedPipeline):
    """A loaded HunyuanVideo 1.5 pipeline; see :class:`engine.backends.Backend`.

    Attributes
    ----------
    kind
        ``"t2v"`` (no pins) or ``"i2v"`` (a still, or one frame of a clip, at frame 0).
    """

    MODULES = (*_WEIGHT_FOLDERS, *_OPTIONAL_WEIGHT_FOLDERS)
    family = "hunyuan15"

    def __init__(self, pipe: Any, kind: str, profile: str) -> None:
        super().__init__(pipe, profile)
        self.kind = kind
        config = pipe.transformer.config
        self.constraints = family_constraints(
            "hunyuan15", pipe.vae_scale_factor_spatial, pipe.vae_scale_factor_temporal,
            config.patch_size, config.patch_size_t, 1 if kind == "i2v" else None)

    def _first_frame(self, request: GenerationRequest) -> Image | None:
        pins = request.pins
        if self.kind == "t2v":
            if pins:
                raise _refuse("This HunyuanVideo 1.5 model makes text-to-video only; a pinned "
                              "frame needs its image-to-video model.")
            return None
        if len(pins) != 1 or pins[0].target_frame != 0 or (
                pins[0].frame_start is not None and pins[0].frame_count != 1):
            raise _refuse("This HunyuanVideo 1.5 image-to-video model needs exactly one still "
                          "image pinned at the first frame.")
        return pin_picture(pins[0], request.width, request.height)

    def generate(self, request: GenerationRequest, on_step: StepCallback) -> numpy.ndarray:
        """Run one fitted request; see :meth:`engine.backends.Backend.generate`.

        Raises
        ------
        BackendError
            If the pins are not what this kind holds, or (image-to-video) the request's size is
            not the one the pipeline makes for its shape.
        """
        pipe = self._live_pipe()
        image = self._first_frame(request)
        arguments: dict[str, Any] = {"height": request.height, "width": request.width}
        if image is not None:
            height, width = pipe.video_processor.calculate_default_height_width(
                height=request.height, width=request.width, target_size=pipe.target_size)
            if (width, height) != (request.width, request.height) and request.draft:
                raise BackendError(
                    "unsupported_size", "A HunyuanVideo 1.5 image-to-video model makes its "
                    f"own size ({width}x{height} here), so it cannot make a half-size draft.",
                    "Turn draft off for this shot.")
            if (width, height) != (request.width, request.height):
                raise BackendError(
                    "unsupported_size", f"This HunyuanVideo 1.5 image-to-video model makes "
                    f"{width}x{height} for a {request.width}x{request.height} shot's shape, "
                    "not that size.", f"Ask for {width}x{height}.")
            arguments = {"image": image}
        pipe.guider = pipe.guider.new(guidance_scale=request.guidance)
        with stepping(pipe, on_step, self._preview), applied_loras(pipe, request), \
                step_cache(pipe, request.draft), attention_for(pipe, request.attention), \
                compiled_blocks(pipe, request.compile):
            output = pipe(prompt=request.prompt, negative_prompt=request.negative_prompt,
                          num_frames=request.frames, num_inference_steps=request.steps,
                          generator=seeded_generator(pipe, request.seed), output_type="np",
                          **arguments)
        return self._frames(request, pipe, output)

    def _preview(self, latents: torch.Tensor) -> numpy.ndarray:
        """Decode the middle latent frame of the current latents into a small RGB image."""
        import torch

        pipe = self._live_pipe()
        vae = pipe.vae
        with torch.inference_mode():
            latents = middle_frame(latents, pipe.vae_scale_factor_spatial)  # (1, C, 1, h, w)
            latents = (latents / vae.config.scaling_factor).to(vae.dtype)
            image = vae.decode(latents, return_dict=False)[0][0, :, 0]  # (3, H, W)
            return to_picture(image)

