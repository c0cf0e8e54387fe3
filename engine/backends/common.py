"""What the backends share: placing a pipeline for a memory profile, reading pins, previews."""

from __future__ import annotations

import gc
import importlib.util
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy

from engine.backends import BackendError, StepCallback
from engine.backends.attention import attention_for
from engine.backends.compiled import compiled_blocks
from engine.backends.drafts import cache_name, step_cache
from engine.backends.loras import applied_loras
from engine.output.audio import Soundtrack, with_sound
from engine.protocol.requests import GenerationRequest, Pin

if TYPE_CHECKING:
    import torch
    from PIL.Image import Image

PREVIEW_SIDE = 256
_UNSAFE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def pipeline_class(model_dir: Path, prefix: str, family: str) -> str:
    """The pipeline class model_index.json names, refusing folders of another family.

    Checked before diffusers loads anything, so the user reads a sentence, not a traceback.
    """
    index = model_dir / "model_index.json"
    if not index.is_file():
        raise BackendError("missing_files", f"The folder {model_dir} has no model_index.json, so "
                           "it is not a diffusers model.",
                           "Point at the folder that holds model_index.json, or download the "
                           "model again.")
    try:
        class_name = str(json.loads(index.read_text(encoding="utf-8")).get("_class_name", ""))
    except (OSError, ValueError, AttributeError):
        class_name = ""
    if not class_name.startswith(prefix):
        kind = class_name or "unknown"
        raise BackendError("wrong_family", f"The model in {model_dir} is a {kind}"
                           f" pipeline, not {family}.", "Load it as its own family, or pick one of "
                           f"the {family} models.")
    return class_name


def check_weights(model_dir: Path, name: str) -> None:
    """Refuse a component folder without safetensors weights (pickles are never loaded)."""
    folder = model_dir / name
    files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    if any(p.suffix == ".safetensors" for p in files):
        return
    if any(p.suffix in _UNSAFE_SUFFIXES for p in files):
        raise BackendError("not_safetensors", f"The {name} weights in {model_dir} are not "
                           "safetensors, and Frameloom loads only safetensors.",
                           "Download the safetensors version of the model, or convert it.")
    raise BackendError("missing_files", f"The {name} weights are missing from {model_dir}.",
                       "Download the model again; the download may have been cut short.")


def check_folder(model_dir: Path, prefix: str, family: str, kinds: Iterable[str],
                 required: Iterable[str], optional: Iterable[str] = ()) -> str:
    """Refuse a folder before diffusers does; return the pipeline class model_index.json names.

    Parameters
    ----------
    model_dir
        The model folder.
    prefix, family
        As :func:`pipeline_class`.
    kinds
        The pipeline classes of the family that Frameloom runs.
    required, optional
        Component folders that must hold safetensors, and those checked only when present.
    """
    class_name = pipeline_class(model_dir, prefix, family)
    if class_name not in kinds:
        raise BackendError("unsupported_pipeline", f"The {family} pipeline {class_name} is not "
                           "one Frameloom runs.", f"Use a {family} model of one of these "
                           f"pipelines: {', '.join(kinds)}.")
    for name in required:
        check_weights(model_dir, name)
    for name in optional:
        if (model_dir / name).is_dir():
            check_weights(model_dir, name)
    return class_name


def from_pretrained(cls: Any, model_dir: Path, dtype: Any) -> Any:
    """Load a diffusers pipeline from safetensors, any loading failure as one sentence."""
    try:
        pipe = cls.from_pretrained(model_dir, dtype=dtype, use_safetensors=True)
    except Exception as exc:  # diffusers raises many kinds for damaged files; all mean the same
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise BackendError("corrupt_weights", f"The model in {model_dir} could not be loaded "
                           f"({type(exc).__name__}: {first}).",
                           "The files may be damaged or incomplete; download the model again.") \
            from exc
    pipe.set_progress_bar_config(disable=True)
    return pipe


def place(pipe: Any, device: str, profile: str) -> None:
    """Put the pipeline on ``device`` the way the memory profile asks."""
    import torch

    if profile != "full":
        pipe.vae.enable_tiling()
        pipe.vae.enable_slicing()
    # Offloading moves weights between host and GPU; on a CPU there is nowhere to move them to.
    if profile in ("full", "tiled") or not device.startswith("cuda"):
        pipe.to(device)
        return
    # Both of diffusers' offload mechanisms (model hooks and group offloading) need accelerate.
    if importlib.util.find_spec("accelerate") is None:
        raise BackendError("offload_unavailable", f"The {profile!r} memory profile needs the "
                           "accelerate package, which is not installed.",
                           "Install accelerate, or lower the width, height or frame count.")
    if profile == "offload":
        pipe.enable_model_cpu_offload(device=device)
    else:
        # Leaf-level group offloading with a transfer stream holds as little as sequential
        # offload does and runs several times faster.
        pipe.enable_group_offload(onload_device=torch.device(device), offload_type="leaf_level",
                                  use_stream=True)


def load_image(path: str, width: int, height: int) -> Image:
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(path) as image:
            return image.convert("RGB").resize((width, height), PILImage.Resampling.LANCZOS)
    except (OSError, UnidentifiedImageError) as exc:
        raise BackendError("bad_pin", f"The pinned image {path} cannot be read ({exc}).",
                           "Check that the file exists and is an image.") from None


def clip_frames(pin: Pin, first: int, count: int, width: int, height: int) -> list[Image]:
    """Frames ``first .. first+count-1`` of the pin's clip, resized to the shot's size."""
    import av
    from PIL import Image as PILImage

    frames: list[Image] = []
    try:
        with av.open(pin.path) as container:
            # Decoding from the start is exact for any codec; pins are short and near the
            # clip's ends, so seeking would save little and risk keyframe off-by-ones.
            for index, frame in enumerate(container.decode(video=0)):
                if index >= first + count:
                    break
                if index >= first:
                    picture = frame.to_image()  # type: ignore[no-untyped-call]
                    frames.append(picture.convert("RGB").resize(
                        (width, height), PILImage.Resampling.LANCZOS))
    except (OSError, av.FFmpegError, IndexError) as exc:
        raise BackendError("bad_pin", f"The pinned clip {pin.path} cannot be decoded ({exc}).",
                           "Check that the file exists and is a video.") from None
    if len(frames) < count:
        raise BackendError("bad_pin", f"The pinned clip {pin.path} has fewer than "
                           f"{first + count} frames.", "Pin frames that exist in the clip.")
    return frames


def pin_picture(pin: Pin, width: int, height: int) -> Image:
    """A pin as one picture of the shot's size: its still, or the one frame of its clip."""
    if pin.frame_start is None:
        return load_image(pin.path, width, height)
    return clip_frames(pin, pin.frame_start, 1, width, height)[0]


def shrink_latents(latents: torch.Tensor, spatial_factor: int) -> torch.Tensor:
    """Scale (1, C, 1, h, w) latents so they decode to at most :data:`PREVIEW_SIDE` pixels.

    Shrinking in latent space first makes decoding a preview far cheaper than a full frame.
    """
    import torch

    height, width = latents.shape[-2:]
    cells = max(1, PREVIEW_SIDE // spatial_factor)
    if max(height, width) <= cells:
        return latents
    scale = cells / max(height, width)
    size = (1, max(1, round(height * scale)), max(1, round(width * scale)))
    return torch.nn.functional.interpolate(latents, size=size, mode="trilinear")


def middle_frame(latents: torch.Tensor, spatial_factor: int) -> torch.Tensor:
    """The middle frame of (B, C, F, h, w) latents as float (1, C, 1, h', w'), shrunk for a
    preview (see :func:`shrink_latents`)."""
    middle = latents.shape[2] // 2
    return shrink_latents(latents[:1, :, middle: middle + 1].float(), spatial_factor)


def to_picture(image: torch.Tensor) -> numpy.ndarray:
    """A decoded (3, H, W) frame in [-1, 1] as a uint8 RGB array no larger than the preview."""
    from PIL import Image as PILImage

    pixels = ((image.float().clamp(-1, 1) + 1) * 127.5).round().byte()
    picture = PILImage.fromarray(pixels.permute(1, 2, 0).cpu().numpy())
    picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return numpy.asarray(picture)


def packed_preview(pipe: Any, packed: torch.Tensor, shape: tuple[int, int, int], *,
                   shot_first: bool, decode_timestep: float) -> numpy.ndarray:
    """Decode the middle latent frame of an LTX-family shot from its packed latents.

    ``packed`` is ``(batch, tokens, channels)`` as the LTX and LTX-2 pipelines hand it to the
    step callback; pinned clips or keyframes add tokens before the shot's own (LTX-Video,
    ``shot_first=False``) or after them (LTX-2, ``shot_first=True``). ``shape`` is the shot's
    latent ``(frames, height, width)``.
    """
    import torch

    frames, height, width = shape
    patch, patch_t = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
    with torch.inference_mode():
        tokens = (frames // patch_t) * (height // patch) * (width // patch)
        shot = packed[:1, :tokens] if shot_first else packed[:1, -tokens:]
        latents = pipe._unpack_latents(shot, frames, height, width, patch, patch_t)
        latents = latents[:, :, frames // 2: frames // 2 + 1]  # (1, C, 1, h, w)
        latents = shrink_latents(latents, pipe.vae_spatial_compression_ratio)
        vae = pipe.vae
        latents = pipe._denormalize_latents(latents, vae.latents_mean, vae.latents_std,
                                            vae.config.scaling_factor).to(vae.dtype)
        timestep = (torch.tensor([decode_timestep], device=latents.device, dtype=vae.dtype)
                    if vae.config.timestep_conditioning else None)
        image = vae.decode(latents, timestep, return_dict=False)[0][0, :, 0]  # (3, H, W)
        return to_picture(image)


def module_bytes(pipe: Any, names: Iterable[str]) -> int:
    """Bytes held by the parameters and buffers of the pipeline's named models."""
    total = 0
    for name in names:
        module = getattr(pipe, name, None)
        if module is not None:
            tensors = [*module.parameters(), *module.buffers()]
            total += sum(t.numel() * t.element_size() for t in tensors)
    return total


def release_memory() -> None:
    """Collect dropped pipelines and return cached GPU memory to the driver."""
    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def seeded_generator(pipe: Any, seed: int) -> Any:
    """A torch generator on the pipeline's execution device, seeded for one request."""
    import torch

    return torch.Generator(device=pipe._execution_device).manual_seed(seed)


class LoadedPipeline:
    """What every backend does with the diffusers pipeline it holds: use it, count it, drop it.

    Subclasses set ``MODULES``, the pipeline attributes that hold weights.
    """

    MODULES: tuple[str, ...] = ()

    def __init__(self, pipe: Any, profile: str) -> None:
        self._pipe: Any = pipe
        self.profile = profile

    def _live_pipe(self) -> Any:
        if self._pipe is None:
            raise BackendError("closed", "This model has been unloaded.", "Load the model again.")
        return self._pipe

    def _run(self, request: GenerationRequest, on_step: StepCallback,
             preview: Callable[[Any], numpy.ndarray], pipe: Any = None,
             **family_arguments: Any) -> numpy.ndarray:
        """Run the pipeline on a fitted request and return its frames as uint8.

        The arguments every family takes come from ``request``; ``family_arguments`` add the
        family's own (pins, decode settings, prompt length). The request's LoRAs, a draft's
        step cache, the attention backend and compiling act for this call only. After each step
        ``on_step`` gets a preview that calls ``preview`` with that step's latents. ``pipe``
        is another pipeline over the same loaded modules (a family whose model runs behind
        two), else the one held.
        """
        pipe = self._live_pipe() if pipe is None else pipe
        generator = seeded_generator(pipe, request.seed)

        def step_end(pipe: Any, i: int, t: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            latents = tensors["latents"]
            on_step(i + 1, pipe.num_timesteps, lambda: preview(latents))
            return {}

        with applied_loras(pipe, request), step_cache(pipe, request.draft), \
                attention_for(pipe, request.attention), compiled_blocks(pipe, request.compile):
            output = pipe(
                prompt=request.prompt, negative_prompt=request.negative_prompt,
                width=request.width, height=request.height, num_frames=request.frames,
                num_inference_steps=request.steps, guidance_scale=request.guidance,
                generator=generator, output_type="np", callback_on_step_end=step_end,
                callback_on_step_end_tensor_inputs=["latents"], **family_arguments)
        return self._frames(request, pipe, output)

    def _frames(self, request: GenerationRequest, pipe: Any, output: Any) -> numpy.ndarray:
        """A pipeline's output as uint8 frames of the request's shape, with its sound if any."""
        frames = numpy.asarray(output.frames[0])  # (frames, height, width, 3) floats in [0, 1]
        expected = (request.frames, request.height, request.width, 3)
        if frames.shape != expected:
            raise BackendError("bad_shape", f"The model made frames shaped {frames.shape}, not "
                               f"{expected}.", "Fit the request to the model before running it.")
        pictures = numpy.clip(frames * 255.0 + 0.5, 0, 255).astype(numpy.uint8)
        sound = self._sound(pipe, output)
        return pictures if sound is None else with_sound(pictures, sound)

    def _sound(self, pipe: Any, output: Any) -> Soundtrack | None:
        """The sound the pipeline made with the frames; None for families that make none."""
        return None

    def memory_bytes(self) -> int:
        """Bytes held by the parameters and buffers of the pipeline's models."""
        return module_bytes(self._live_pipe(), self.MODULES)

    def draft_cache(self) -> str | None:
        """What a draft job caches (see :mod:`engine.backends.drafts`); None for fewer steps
        and smaller frames only."""
        return cache_name(self._live_pipe())

    def close(self) -> None:
        """Drop the pipeline and return cached GPU memory to the driver."""
        if self._pipe is None:
            return
        self._pipe = None
        release_memory()
