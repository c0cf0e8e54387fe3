"""LTX-2 through diffusers' LTX2ConditionPipeline: pins become conditions on its latent frames,
and the sound it makes with the video comes back with the frames.

diffusers 0.42 reads ``LTX2VideoCondition.index`` as a *latent* frame: latent 0 is pixel frame 0
and latent ``k >= 1`` starts at pixel frame ``(k - 1) * T + 1`` for the VAE's temporal
compression ``T`` (8 for LTX-2). A pin lands exactly where it was asked only at those frames, so
pins elsewhere are refused in one sentence rather than moved::

    pixel frames   0 | 1 .. 8 | 9 .. 16 | 17 ..        (T = 8)
    latent index   0 |   1    |    2    |  3 ..
    pins held at   0   1        9         17 ...       a clip from there, 8k+1 frames long

A pin at a shot's last frame (``8n``) is never such a frame; extend backward, bridge and loop
(which pin there) are therefore not offered for LTX-2 (see the catalog).
"""

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
    packed_preview,
    pipeline_class,
    place,
)
from engine.models.installed import family_constraints
from engine.output.audio import Soundtrack
from engine.protocol.requests import GenerationRequest, Pin

if TYPE_CHECKING:
    import torch

_WEIGHT_FOLDERS = ("transformer", "vae", "text_encoder", "connectors", "audio_vae", "vocoder")
# diffusers' own default for LTX2ConditionPipeline's prompt length is 1024 tokens.
_MAX_TOKENS = 1024


def _check_folder(model_dir: Path) -> None:
    """Refuse before diffusers does, so the user reads a sentence instead of a traceback."""
    pipeline_class(model_dir, "LTX2", "LTX-2")
    for name in _WEIGHT_FOLDERS:
        check_weights(model_dir, name)


def load(model_dir: Path, device: str, profile: str) -> LTX2Backend:
    """Load an LTX-2 model folder; see :func:`engine.backends.load_backend`.

    Whatever pipeline class the folder names (``LTX2Pipeline``, ``LTX2ImageToVideoPipeline``),
    it is loaded as ``LTX2ConditionPipeline``: the same components, and it also makes text-only
    and first-frame shots (no conditions, or one at latent 0).
    """
    _check_folder(model_dir)
    import torch
    from diffusers import LTX2ConditionPipeline

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    pipe = from_pretrained(LTX2ConditionPipeline, model_dir, dtype)
    place(pipe, device, profile)
    return LTX2Backend(pipe, profile)


def latent_index(frame: int, temporal: int) -> int | None:
    """The latent index a pin starting at pixel ``frame`` conditions; None if none starts there."""
    if frame == 0:
        return 0
    return (frame - 1) // temporal + 1 if (frame - 1) % temporal == 0 else None


def _refuse(pin: Pin, temporal: int, why: str) -> BackendError:
    return BackendError(
        "unsupported_pins", f"LTX-2 holds pins on its latent frames only, and the pin of "
        f"{Path(pin.path).name} at frame {pin.target_frame} {why}.",
        f"Pin at frame 0 or at frames 1, {temporal + 1}, {2 * temporal + 1}..., with clips of "
        f"{temporal}k+1 frames; for pins at any frame use an LTX-Video or Wan VACE model.")


def conditions(request: GenerationRequest, temporal: int) -> list[Any]:
    """One ``LTX2VideoCondition`` per pin, at the latent index it starts on.

    Raises
    ------
    BackendError
        For a pin that does not start on a latent frame, or a clip whose length the VAE cannot
        encode whole (not ``temporal * k + 1`` frames).
    """
    from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

    found = []
    size = (request.width, request.height)
    for pin in request.pins:
        index = latent_index(pin.target_frame, temporal)
        if index is None:
            raise _refuse(pin, temporal, "does not start on one")
        if pin.frame_start is None:
            frames: Any = load_image(pin.path, *size)
        else:
            if (pin.frame_count - 1) % temporal:
                raise _refuse(pin, temporal, f"is {pin.frame_count} frames long")
            frames = clip_frames(pin, pin.frame_start, pin.frame_count, *size)
        found.append(LTX2VideoCondition(frames=frames, index=index, strength=pin.strength))
    return found


class LTX2Backend(LoadedPipeline):
    """A loaded LTX-2 pipeline; see :class:`engine.backends.Backend`.

    Its frames carry the sound made with them (:func:`engine.output.audio.sound_of`).
    """

    MODULES = _WEIGHT_FOLDERS
    family = "ltx2"

    def __init__(self, pipe: Any, profile: str) -> None:
        super().__init__(pipe, profile)
        self.constraints = family_constraints(
            "ltx2", pipe.vae_spatial_compression_ratio, pipe.vae_temporal_compression_ratio,
            pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size)

    def generate(self, request: GenerationRequest, on_step: StepCallback) -> numpy.ndarray:
        """Run one fitted request; see :meth:`engine.backends.Backend.generate`.

        Raises
        ------
        BackendError
            If a pin does not start on a latent frame (see :func:`conditions`).
        """
        pipe = self._live_pipe()
        found = conditions(request, pipe.vae_temporal_compression_ratio)
        shape = ((request.frames - 1) // pipe.vae_temporal_compression_ratio + 1,
                 request.height // pipe.vae_spatial_compression_ratio,
                 request.width // pipe.vae_spatial_compression_ratio)
        return self._run(request, on_step, lambda latents: self._preview(latents, shape),
                         conditions=found or None, frame_rate=float(request.fps),
                         max_sequence_length=min(_MAX_TOKENS, pipe.tokenizer.model_max_length))

    def _sound(self, pipe: Any, output: Any) -> Soundtrack | None:
        audio = getattr(output, "audio", None)
        if audio is None:
            return None
        first = audio[0]
        samples = (first.float().cpu().numpy() if hasattr(first, "cpu")
                   else numpy.asarray(first, dtype=numpy.float32))
        return Soundtrack(samples.reshape(-1, samples.shape[-1]).astype(numpy.float32),
                          int(pipe.vocoder.config.output_sampling_rate))

    def _preview(self, packed: torch.Tensor, shape: tuple[int, int, int]) -> numpy.ndarray:
        """Decode the middle latent frame of the current latents into a small RGB image."""
        # Keyframe pins add tokens after the shot's own; the shot's are the first ones.
        return packed_preview(self._live_pipe(), packed, shape, shot_first=True,
                              decode_timestep=0.0)
