"""Wan 2.x through diffusers: text-to-video, first-last-frame image-to-video, VACE for any pins.

Wan 2.2 runs through the same pipelines: the A14B pair of experts is ``transformer`` (high
noise) and ``transformer_2`` (low noise) switched at the folder's ``boundary_ratio`` inside the
pipeline, and TI2V-5B (``expand_timesteps``) makes text-to-video and, given a still at frame 0,
image-to-video with that frame held clean by its timestep mask.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from engine.backends import BackendError, StepCallback
from engine.backends.common import (
    LoadedPipeline,
    check_folder,
    clip_frames,
    from_pretrained,
    load_image,
    middle_frame,
    pin_picture,
    place,
    to_picture,
)
from engine.models.installed import family_constraints, wan_pin_frames
from engine.protocol.requests import GenerationRequest

if TYPE_CHECKING:
    import torch
    from PIL.Image import Image

# model_index.json's pipeline class -> what the folder can do with pins.
KINDS = {"WanPipeline": "t2v", "WanImageToVideoPipeline": "i2v", "WanVACEPipeline": "vace"}
_WEIGHT_FOLDERS = ("transformer", "vae", "text_encoder")
# Wan 2.2 A14B adds a second transformer and Wan 2.1 i2v a CLIP image encoder; both are checked
# when the folder has them.
_OPTIONAL_WEIGHT_FOLDERS = ("transformer_2", "image_encoder")
_MODULES = (*_WEIGHT_FOLDERS, *_OPTIONAL_WEIGHT_FOLDERS)
# VACE's "generate here" frames are mid grey: 0 after the pipeline maps pixels to [-1, 1].
_GREY = (128, 128, 128)


def load(model_dir: Path, device: str, profile: str) -> WanBackend:
    """Load a Wan model folder; see :func:`engine.backends.load_backend`."""
    class_name = check_folder(model_dir, "Wan", "Wan", KINDS, _WEIGHT_FOLDERS,
                              _OPTIONAL_WEIGHT_FOLDERS)
    import diffusers
    import torch

    # Wan's VAE and CLIP encoder lose visible quality in bfloat16, so diffusers' examples keep
    # them in float32 and only the large models in bfloat16.
    dtype: Any = ({"default": torch.bfloat16, "vae": torch.float32,
                   "image_encoder": torch.float32}
                  if device.startswith("cuda") else torch.float32)
    pipe = from_pretrained(getattr(diffusers, class_name), model_dir, dtype)
    place(pipe, device, profile)
    kind = "ti2v" if pipe.config.get("expand_timesteps") else KINDS[class_name]
    return WanBackend(pipe, kind, profile)


def vace_inputs(request: GenerationRequest) -> tuple[list[Image], list[Image]]:
    """The VACE ``video`` and ``mask`` frames that hold a request's pins in place.

    Pinned frames carry their pictures; every other frame is mid grey. The mask is black where
    the shot keeps a pin and white where it generates. A pin of strength ``s`` below 1 gets the
    grey ``1 - s``: the pipeline splits the video at mask 0.5, so a pin of strength 0.5 or more
    is still kept (with a softer mask telling the model it may drift) and a weaker one is offered
    as content to repaint. Later pins overwrite earlier ones where they overlap.

    Parameters
    ----------
    request
        A fitted request.

    Returns
    -------
    tuple[list[Image], list[Image]]
        ``request.frames`` RGB frames and as many ``"L"`` masks, all of the request's size.
    """
    from PIL import Image as PILImage

    size = (request.width, request.height)
    video = [PILImage.new("RGB", size, _GREY) for _ in range(request.frames)]
    mask = [PILImage.new("L", size, 255) for _ in range(request.frames)]
    for pin in request.pins:
        if pin.frame_start is None:
            pictures = [load_image(pin.path, *size)]
        else:
            pictures = clip_frames(pin, pin.frame_start, pin.frame_count, *size)
        grey = round(255 * (1.0 - pin.strength))
        for offset, picture in enumerate(pictures):
            video[pin.target_frame + offset] = picture
            mask[pin.target_frame + offset] = PILImage.new("L", size, grey)
    return video, mask


def _refuse(message: str) -> BackendError:
    return BackendError("unsupported_pins", message, "Pick a Wan VACE model for pins at any "
                        "frame, or a Wan image-to-video model for first and last frames.")


class WanBackend(LoadedPipeline):
    """A loaded Wan pipeline; see :class:`engine.backends.Backend`.

    Attributes
    ----------
    kind
        ``"t2v"``, ``"i2v"``, ``"ti2v"`` (Wan 2.2 5B) or ``"vace"``: which pins the model can
        hold (see :meth:`generate`).
    """

    MODULES = _MODULES
    family = "wan"

    def __init__(self, pipe: Any, kind: str, profile: str) -> None:
        super().__init__(pipe, profile)
        self.kind = kind
        transformer = pipe.transformer if pipe.transformer is not None else pipe.transformer_2
        patch_t, patch, _ = transformer.config.patch_size
        self.constraints = family_constraints(
            "wan", pipe.vae_scale_factor_spatial, pipe.vae_scale_factor_temporal, patch, patch_t,
            wan_pin_frames(type(pipe).__name__, kind == "ti2v"))
        # TI2V-5B is one model behind two pipelines: WanPipeline makes text-to-video and
        # WanImageToVideoPipeline the same with a first frame; both share the loaded modules.
        self._pipes: dict[str, Any] = {}
        if kind == "ti2v":
            import diffusers

            for name in ("WanPipeline", "WanImageToVideoPipeline"):
                cls = getattr(diffusers, name)
                if isinstance(pipe, cls):
                    self._pipes[name] = pipe
                    continue
                self._pipes[name] = cls(**pipe.components, expand_timesteps=True,
                                        boundary_ratio=pipe.config.get("boundary_ratio"))
                self._pipes[name].set_progress_bar_config(disable=True)

    def _pin_inputs(self, request: GenerationRequest) -> dict[str, Any]:
        """The pipeline arguments that carry the pins, or a BackendError if this kind cannot."""
        pins = request.pins
        if self.kind == "vace":
            if not pins:
                return {}
            video, mask = vace_inputs(request)
            return {"video": video, "mask": mask}
        if self.kind == "t2v":
            if pins:
                raise _refuse("This Wan model makes text-to-video only; pinned frames need a "
                              "VACE or image-to-video Wan model.")
            return {}
        if self.kind == "ti2v" and not pins:
            return {}
        last = request.frames - 1
        by_frame = {pin.target_frame: pin for pin in pins}
        # A one-frame clip pin (an extension's or a long shot's context) is a still too.
        if any(pin.frame_start is not None and pin.frame_count != 1 for pin in pins) \
                or not set(by_frame) <= {0, last}:
            raise _refuse("This image-to-video Wan model pins still images at the first and "
                          "last frames only; clips and other frames need a VACE Wan model.")
        if 0 not in by_frame:
            raise _refuse("This image-to-video Wan model needs a still image pinned at the "
                          "first frame.")
        if last in by_frame and not self._holds_last_frame():
            raise _refuse("This image-to-video Wan model pins the first frame only; a last "
                          "frame needs a first-last-frame or VACE Wan model.")
        # The image-to-video pipeline has no strength: its pins are always held firmly.
        size = (request.width, request.height)
        inputs: dict[str, Any] = {"image": pin_picture(by_frame[0], *size)}
        if last in by_frame:
            inputs["last_image"] = pin_picture(by_frame[last], *size)
        return inputs

    def _holds_last_frame(self) -> bool:
        pipe = self._live_pipe()
        # Wan 2.2's 5B model conditions by timestep on the first frame and ignores a last one.
        if pipe.config.expand_timesteps:
            return False
        # Wan 2.1 models with a CLIP image encoder embed one image, except first-last-frame
        # models, whose image embedder has positions for two.
        config = (pipe.transformer or pipe.transformer_2).config
        return config.image_dim is None or config.pos_embed_seq_len is not None

    def generate(self, request: GenerationRequest, on_step: StepCallback) -> numpy.ndarray:
        """Run one fitted request; see :meth:`engine.backends.Backend.generate`.

        A text-to-video model takes no pins. An image-to-video model needs a still at the first
        frame and takes another at the last (strength is ignored: pins are held firmly). A VACE
        model takes stills and clips at any frames (see :func:`vace_inputs` for strength).

        Raises
        ------
        BackendError
            If this kind of Wan model cannot hold the request's pins, or a pin cannot be read.
        """
        pipe = self._live_pipe()
        inputs = self._pin_inputs(request)
        if self.kind == "ti2v":
            pipe = self._pipes["WanImageToVideoPipeline" if inputs else "WanPipeline"]
        return self._run(request, on_step, self._preview, **inputs, pipe=pipe,
                         max_sequence_length=min(512, pipe.tokenizer.model_max_length))

    def close(self) -> None:
        """Drop the pipelines so their memory can be freed."""
        self._pipes.clear()
        super().close()

    def _preview(self, latents: torch.Tensor) -> numpy.ndarray:
        """Decode the middle latent frame of the current latents into a small RGB image."""
        import torch

        pipe = self._live_pipe()
        vae = pipe.vae
        with torch.inference_mode():
            latents = middle_frame(latents, pipe.vae_scale_factor_spatial)  # (1, C, 1, h, w)
            shape = (1, vae.config.z_dim, 1, 1, 1)
            mean = torch.tensor(vae.config.latents_mean, device=latents.device).view(shape)
            std = torch.tensor(vae.config.latents_std, device=latents.device).view(shape)
            latents = (latents * std + mean).to(vae.dtype)
            image = vae.decode(latents, return_dict=False)[0][0, :, 0]  # (3, H, W)
            return to_picture(image)
