"""What the backends share: placing a pipeline for a memory profile, reading pins, previews."""

from __future__ import annotations

import gc
import importlib.util
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy

from engine.backends import BackendError
from engine.requests import Pin

if TYPE_CHECKING:
    import torch
    from PIL.Image import Image

PREVIEW_SIDE = 256


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


def to_picture(image: torch.Tensor) -> numpy.ndarray:
    """A decoded (3, H, W) frame in [-1, 1] as a uint8 RGB array no larger than the preview."""
    from PIL import Image as PILImage

    pixels = ((image.float().clamp(-1, 1) + 1) * 127.5).round().byte()
    picture = PILImage.fromarray(pixels.permute(1, 2, 0).cpu().numpy())
    picture.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    return numpy.asarray(picture)


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
