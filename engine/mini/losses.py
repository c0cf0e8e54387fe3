"""The two training losses of frameloom-mini: VAE reconstruction and conditioned flow matching."""

from __future__ import annotations

from typing import Any

import torch
from diffusers import LTXConditionPipeline

from engine.mini.batches import Layout

# The pipeline's own packing and RoPE coordinates, so training sees tokens exactly as it will.
_pack = LTXConditionPipeline._pack_latents
_video_ids = LTXConditionPipeline._prepare_video_ids
_scale_ids = LTXConditionPipeline._scale_video_ids
_normalize = LTXConditionPipeline._normalize_latents
# LTXConditionPipeline's image_cond_noise_scale default: at generation, pinned tokens carry this
# much noise times sigma squared while their timestep says 0, so training shows them the same.
COND_NOISE = 0.15


def vae_loss(vae: Any, video: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """L1 + L2 reconstruction, an edge term, and a pull of the encoder's variance towards zero.

    Latents are decoded deterministically (the posterior mode). The pipeline *samples* when it
    encodes a pin, so the variance term makes a sample equal the mode in practice; there is no
    KL term, which collapsed the latents to noise in issue 7's calibration.

    Parameters
    ----------
    vae
        The AutoencoderKLLTXVideo being trained.
    video
        ``(B, 3, F, H, W)`` in [-1, 1].
    """
    posterior = vae.encode(video).latent_dist
    recon = vae.decode(posterior.mode()).sample  # (B, 3, F, H, W)
    l1 = (recon - video).abs().mean()
    l2 = ((recon - video) ** 2).mean()
    # Object outlines carry the shape; plain colour fields dominate the pixel count otherwise.
    edge = sum(((recon.diff(dim=d) - video.diff(dim=d)).abs().mean() for d in (3, 4)),
               torch.zeros(()))
    var = posterior.var.mean()
    loss = l1 + l2 + 0.5 * edge + 0.01 * var
    psnr = 10 * torch.log10(4.0 / l2.detach().clamp_min(1e-10))  # peak-to-peak 2 in [-1, 1]
    return loss, {"l1": l1.item(), "psnr": psnr.item(), "var": var.item()}


@torch.no_grad()
def encode_latents(vae: Any, video: torch.Tensor) -> torch.Tensor:
    """Latents ``(B, C, f, h, w)`` of video ``(B, 3, F, H, W)``, normalized as the pipeline does."""
    latents = vae.encode(video).latent_dist.mode()  # (B, C, f, h, w)
    return _normalize(latents, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)


@torch.no_grad()
def encode_prompts(tokenizer: Any, text_encoder: Any,
                   captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Caption embeddings ``(B, L, D)`` and mask ``(B, L)``, padded as the pipeline pads them."""
    tokens = tokenizer(captions, padding="max_length", max_length=tokenizer.model_max_length,
                       truncation=True, add_special_tokens=True, return_tensors="pt")
    mask = tokens.attention_mask.bool().to(text_encoder.device)  # (B, L)
    return text_encoder(tokens.input_ids.to(mask.device), attention_mask=mask)[0], mask


def _coords(batch: int, frames: int, height: int, width: int, frame_index: int,
            vae: Any) -> torch.Tensor:
    """Pixel-space RoPE coordinates ``(B, 3, f*h*w)`` of latent cells, as in the pipeline."""
    ids = _video_ids(batch, frames, height, width, device=vae.latents_mean.device)  # (B, 3, f*h*w)
    return _scale_ids(ids, vae.spatial_compression_ratio, vae.temporal_compression_ratio,
                      frame_index).float()


def flow_loss(transformer: Any, vae: Any, latents: torch.Tensor, embeds: torch.Tensor,
              mask: torch.Tensor, layout: Layout, video: torch.Tensor, fps: int,
              generator: torch.Generator | None = None,
              cond_noise: float = COND_NOISE) -> torch.Tensor:
    """Flow-matching loss with the layout's frames given clean at timestep 0 and left out.

    As in LTXConditionPipeline, the noisy sample is ``(1 - s) x + s n``, the transformer predicts
    the velocity ``n - x``, every token carries its own timestep (``1000 s``, or 0 where clean),
    and an image pinned at pixel frame k > 0 is encoded alone and prepended as extra tokens whose
    time coordinate is k.

    Parameters
    ----------
    latents
        Normalized clean latents ``(B, C, f, h, w)``.
    embeds, mask
        Caption embeddings ``(B, L, D)`` and their mask ``(B, L)``.
    layout
        Which frames are given clean.
    video
        The pixels ``(B, 3, F, H, W)`` the latents came from (for an appended pin).
    fps
        Frames per second; the time coordinate is in seconds, as at generation.
    generator
        Draws timesteps and noise; torch's global generator (saved in checkpoints) when None.
    cond_noise
        Scale of the noise on clean tokens, times sigma squared (:data:`COND_NOISE`).
    """
    b, _, f, h, w = latents.shape
    device = latents.device
    sigma = torch.sigmoid(torch.randn(b, generator=generator, device=device))  # (B,) logit-normal
    noise = torch.randn(latents.shape, generator=generator, device=device)  # (B, C, f, h, w)
    frame_clean = torch.from_numpy(layout.mask(f)).to(device)  # (f,)
    clean = frame_clean[None, None, :, None, None]  # (1, 1, f, 1, 1)
    s = sigma[:, None, None, None, None]  # (B, 1, 1, 1, 1)
    jitter = cond_noise * s**2 * torch.randn(latents.shape, generator=generator, device=device)
    noisy = torch.where(clean, latents + jitter, (1 - s) * latents + s * noise)  # (B, C, f, h, w)
    tokens = _pack(noisy)  # (B, f*h*w, C)
    target = _pack(noise - latents)  # (B, f*h*w, C)
    frame_of = _video_ids(b, f, h, w, device=device)[:, 0]  # (B, f*h*w) latent frame of each token
    clean_tokens = frame_clean[frame_of]  # (B, f*h*w)
    timestep = torch.where(clean_tokens, 0.0, sigma[:, None] * 1000.0)  # (B, f*h*w)
    coords = _coords(b, f, h, w, 0, vae)  # (B, 3, f*h*w)
    if layout.appended is not None:
        still = encode_latents(vae, video[:, :, layout.appended:layout.appended + 1])
        extra = _pack(still + cond_noise * s**2 * torch.randn(
            still.shape, generator=generator, device=device))  # (B, h*w, C)
        tokens = torch.cat([extra, tokens], dim=1)  # (B, (f+1)*h*w, C)
        timestep = torch.cat([torch.zeros(b, extra.shape[1], device=device), timestep], dim=1)
        coords = torch.cat([_coords(b, 1, h, w, layout.appended, vae), coords], dim=2)
    coords[:, 0] = coords[:, 0] / fps  # the pipeline's time axis is in seconds
    pred = transformer(hidden_states=tokens, encoder_hidden_states=embeds, timestep=timestep,
                       encoder_attention_mask=mask, video_coords=coords,
                       return_dict=False)[0]  # (B, S, C)
    pred = pred[:, pred.shape[1] - target.shape[1]:]  # (B, f*h*w, C): the clip's own tokens
    weight = (~clean_tokens).float()  # (B, f*h*w)
    per_token = ((pred - target) ** 2).mean(-1)  # (B, f*h*w)
    return (per_token * weight).sum() / weight.sum().clamp_min(1.0)
