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
_denormalize = LTXConditionPipeline._denormalize_latents
_unpack = LTXConditionPipeline._unpack_latents
# LTXConditionPipeline's image_cond_noise_scale default: at generation, pinned tokens carry this
# much noise times sigma squared while their timestep says 0, so training shows them the same.
COND_NOISE = 0.15
# Latent frames of a later pin that LTXConditionPipeline appends as extra tokens (its
# num_prefix_latent_frames); the rest of the pin is given in place.
_PREFIX = 2


def object_mask(video: torch.Tensor, threshold: float = 0.3) -> torch.Tensor:
    """Pixels of ``(B, 3, F, H, W)`` video in [-1, 1] far from their clip's background.

    The background is the median of the first frame's one-pixel border, per clip and channel
    (as the evaluation reads it); ``threshold`` is an RGB distance (0.3 is about 40 grey levels).
    Returns a ``(B, 1, F, H, W)`` float mask of 0 and 1.
    """
    first = video[:, :, 0]  # (B, 3, H, W)
    border = torch.cat([first[..., 0, :], first[..., -1, :], first[..., :, 0], first[..., :, -1]],
                       dim=-1)  # (B, 3, N)
    background = border.median(dim=-1).values[:, :, None, None, None]  # (B, 3, 1, 1, 1)
    distance = (video - background).norm(dim=1, keepdim=True)  # (B, 1, F, H, W)
    return (distance > threshold).float()


def vae_loss(vae: Any, video: torch.Tensor, object_weight: float = 0.0,
             rim: int = 0) -> tuple[torch.Tensor, dict[str, float]]:
    """Squared reconstruction error of the posterior mode, object pixels weighted up.

    On 2 cores (issue 7 notes), adding an L1 term, an edge term or a pull on the variance kept
    the VAE on the mean-colour plateau (about 10 dB) for the whole of a 300-step probe, where MSE
    alone climbed past 16 dB. The variance is not trained at all: :func:`point_posterior` fixes
    it near zero, so the pipeline's sampled pin latents equal the mode that training decoded.
    Plain MSE then learns the backgrounds (24 dB) and leaves the objects, about 2% of the pixels
    at the CPU preset's sizes, at 9 dB: ``object_weight`` multiplies their error by
    ``1 + object_weight`` (the mean is taken over the weights, so the scale stays that of MSE).

    Parameters
    ----------
    vae
        The AutoencoderKLLTXVideo being trained.
    video
        ``(B, 3, F, H, W)`` in [-1, 1].
    object_weight
        Extra weight of the pixels :func:`object_mask` finds; 0 for plain MSE.
    rim
        Also weigh up the background pixels within this many pixels of an object. With the
        object alone weighed up, a blurred decoder was cheapest smearing the object's colour
        over the background around it: a halo that the evaluation's reader counts as object
        and that greys the object's colour (purple on green read as gray).
    """
    recon = vae.decode(vae.encode(video).latent_dist.mode()).sample  # (B, 3, F, H, W)
    error = (recon - video) ** 2  # (B, 3, F, H, W)
    mask = object_mask(video)  # (B, 1, F, H, W)
    loss = _weighed_error(error, mask, object_weight, rim)
    l2 = error.detach().mean()
    on_object = (error.detach() * mask).sum() / (mask.sum() * video.shape[1]).clamp_min(1.0)
    # PSNR with peak-to-peak 2 in [-1, 1]
    psnr, object_psnr = (10 * torch.log10(4.0 / x.clamp_min(1e-10)) for x in (l2, on_object))
    return loss, {"psnr": psnr.item(), "object_psnr": object_psnr.item()}


def _weighed_error(error: torch.Tensor, mask: torch.Tensor, object_weight: float,
                   rim: int) -> torch.Tensor:
    """Mean of ``error`` (B, 3, F, H, W) with the ``mask``'s object pixels, and those within
    ``rim`` pixels of them, weighed ``1 + object_weight`` (the mean over the weights)."""
    weighed = mask
    if rim > 0:  # a (2 rim + 1)-pixel square around each object pixel, frame by frame
        weighed = torch.nn.functional.max_pool3d(mask, (1, 2 * rim + 1, 2 * rim + 1), stride=1,
                                                 padding=(0, rim, rim))
    weight = 1.0 + object_weight * weighed
    return (error * weight).sum() / (weight.sum() * error.shape[1])


def pixel_term(vae: Any, estimate: torch.Tensor, video: torch.Tensor, object_weight: float,
               rim: int) -> torch.Tensor:
    """Object-weighed squared error of the first latent frame of ``estimate`` decoded.

    ``estimate`` is a normalized clean-latent estimate ``(B, C, f, h, w)``; its first latent
    frame decodes alone to pixel frame 0 (the VAE is causal in time), compared with
    ``video[:, :, :1]`` as :func:`vae_loss` weighs it. The gradient flows through the (frozen)
    decoder into the estimate.
    """
    first = _denormalize(estimate[:, :, :1], vae.latents_mean, vae.latents_std,
                         vae.config.scaling_factor)
    decoded = vae.decode(first).sample  # (B, 3, 1, H, W)
    target = video[:, :, :1]
    return _weighed_error((decoded - target) ** 2, object_mask(target), object_weight, rim)


@torch.no_grad()
def point_posterior(vae: Any) -> None:
    """Make the encoder's log-variance channel a constant -30 (the clamp's floor).

    AutoencoderKLLTXVideo's encoder gives one log-variance channel, the last of ``conv_out``,
    shared by every latent channel. With its weights zero and its bias -30 a sampled latent is
    the mode to within exp(-15), and since training decodes the mode, no gradient moves it.
    """
    conv = vae.encoder.conv_out.conv
    conv.weight[-1].zero_()
    conv.bias[-1].fill_(-30.0)


@torch.no_grad()
def encode_latents(vae: Any, video: torch.Tensor) -> torch.Tensor:
    """Latents ``(B, C, f, h, w)`` of video ``(B, 3, F, H, W)``, normalized as the pipeline does."""
    latents = vae.encode(video).latent_dist.mode()  # (B, C, f, h, w)
    return _normalize(latents, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)


def encode_prompts(tokenizer: Any, text_encoder: Any,
                   captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Caption embeddings ``(B, L, D)`` and mask ``(B, L)``, padded as the pipeline pads them.

    Differentiable: a text encoder whose weights require grad (a preset's ``text_lr``) trains
    through it; a frozen one builds no graph.
    """
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


def object_cells(video: torch.Tensor, frames: int, height: int, width: int) -> torch.Tensor:
    """Which latent cells of ``(B, 3, F, H, W)`` video hold any object pixel: ``(B, f*h*w)``.

    A cell is the ``H/h`` by ``W/w`` pixels of its latent frame's pixel frames (the first latent
    frame holds pixel frame 0 alone, each later one the next ``(F-1)/(f-1)`` frames, as the
    causal video VAE folds them); it counts when :func:`object_mask` finds any pixel in it.
    Returned as 0/1 floats in the transformer's token order.
    """
    b, _, pixel_frames, pixel_h, pixel_w = video.shape
    found = object_mask(video)  # (B, 1, F, H, W)
    cells = [found[:, :, :1]]  # (B, 1, 1, H, W)
    if frames > 1:
        step = (pixel_frames - 1) // (frames - 1)
        rest = found[:, :, 1:1 + step * (frames - 1)]
        cells.append(rest.reshape(b, 1, frames - 1, step, pixel_h, pixel_w).amax(dim=3))
    per_frame = torch.cat(cells, dim=2)  # (B, 1, f, H, W)
    pooled = per_frame.reshape(b, 1, frames, height, pixel_h // height, width,
                               pixel_w // width).amax(dim=(4, 6))  # (B, 1, f, h, w)
    return _pack(pooled)[..., 0]  # (B, f*h*w)


def flow_loss(transformer: Any, vae: Any, latents: torch.Tensor, embeds: torch.Tensor,
              mask: torch.Tensor, layout: Layout, video: torch.Tensor, fps: int,
              generator: torch.Generator | None = None,
              cond_noise: float = COND_NOISE, shift: float = 1.0,
              object_weight: float = 0.0, contrast: float = 0.0,
              twins: tuple[torch.Tensor, torch.Tensor] | None = None,
              twin_weight: float = 0.0, pixels: float = 0.0,
              pixel_object: tuple[float, int] = (10.0, 4)) -> torch.Tensor:
    """Flow-matching loss with the layout's frames given clean at timestep 0 and left out.

    As in LTXConditionPipeline, the noisy sample is ``(1 - s) x + s n``, the transformer predicts
    the velocity ``n - x``, every token carries its own timestep (``1000 s``, or 0 where clean),
    and a pin at pixel frame k > 0 is encoded alone: its first two latent frames are prepended as
    extra tokens whose time coordinates start at k, and its later ones replace the clip's latent
    frames in place (the layout's windows name them).

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
    shift
        Moves the logit-normal noise levels towards pure noise, as SD3's timestep shift does:
        ``s' = shift s / (1 + (shift - 1) s)``; 1 leaves them. The world's latents are nearly
        constant across a frame, so below a sigma of about 0.8 the transformer can read the
        background off the noisy tokens themselves and never needs the caption; at 1 the CPU
        preset's transformer learned to ignore its captions (the same loss with shuffled ones).
    object_weight
        Extra weight of the tokens whose cells hold an object (:func:`object_cells`); 0 weighs
        every noisy token alike. An object covers a tenth of the cells, and with even weights
        the CPU preset's transformer drew backgrounds right and, often, no object at all.
    contrast
        Weight of the contrastive term of Contrastive Flow Matching (Stoica et al., 2025):
        the squared distance of each clip's prediction from the target of the clip before it
        in the batch (another caption, another scene) is subtracted at this weight, so that
        flows of different captions are pushed apart instead of meeting in their average (a
        blob of no shape is that average over shapes). Both terms take the same token
        weights. 0 is plain flow matching; a batch of one clip has no other and stays plain.
        Below 1 the loss keeps a minimum, at ``(target - contrast * other) / (1 - contrast)``.
    twins, twin_weight
        The same term against a chosen other: the normalized latents ``(B, C, f, h, w)`` of
        each clip's twin (its scene with one caption word changed,
        :func:`engine.mini.batches.twin_batch`) and ``(B, f*h*w)`` 0/1 cells where the twin's
        word shows (where either clip has an object; all 0 for a clip with no twin). On those
        cells the squared distance of the prediction from the twin's target, made with the
        same noise, is subtracted at ``twin_weight``: the flow for "triangle" is pushed from
        the flow of the same scene with a circle or a star, where a random other clip
        (``contrast``) differs in everything. Elsewhere the twin's target is the clip's own, so
        the term is left out there (on a second object's cells, the same in both, it only
        lowers their weight). With both terms, ``contrast + twin_weight`` below 1 keeps a
        minimum.
    pixels, pixel_object
        Weight of a term in pixels (:func:`pixel_term`): the clean latents the prediction
        implies (``noisy - sigma * pred``, the given frames' own latents where clean) decoded
        at their first latent frame and compared with the clip's frame 0, object pixels and
        their rim weighed as ``pixel_object`` = (object weight, rim) says: an error that
        counts where the outline shows rather than where the latents differ most. In the
        latents a circle and a square of one colour lie 0.39 times as far apart as two colours
        of one circle, where their pixels lie 0.59 times as far (``python -m
        engine.mini.gaps``); a triangle 0.87 and 0.95. As an error of the clean estimate, the
        term weighs a token's error by sigma squared: most at high noise, where the outline is
        decided. 0 leaves it out.
    """
    b, _, f, h, w = latents.shape
    device = latents.device
    pinned = None
    if layout.appended is not None:  # (B, C, n, h, w): the pin encoded alone
        pinned = encode_latents(vae, video[:, :, layout.appended:layout.appended
                                           + layout.appended_frames])
        if pinned.shape[2] > _PREFIX:
            at = layout.appended // vae.temporal_compression_ratio + _PREFIX
            latents = latents.clone()
            latents[:, :, at:at + pinned.shape[2] - _PREFIX] = pinned[:, :, _PREFIX:]
            pinned = pinned[:, :, :_PREFIX]
    sigma = torch.sigmoid(torch.randn(b, generator=generator, device=device))  # (B,) logit-normal
    sigma = shift * sigma / (1 + (shift - 1) * sigma)
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
    if pinned is not None and layout.appended is not None:
        extra = _pack(pinned + cond_noise * s**2 * torch.randn(
            pinned.shape, generator=generator, device=device))  # (B, n*h*w, C)
        tokens = torch.cat([extra, tokens], dim=1)  # (B, (n+f)*h*w, C)
        timestep = torch.cat([torch.zeros(b, extra.shape[1], device=device), timestep], dim=1)
        coords = torch.cat([_coords(b, pinned.shape[2], h, w, layout.appended, vae), coords],
                           dim=2)
    coords[:, 0] = coords[:, 0] / fps  # the pipeline's time axis is in seconds
    pred = transformer(hidden_states=tokens, encoder_hidden_states=embeds, timestep=timestep,
                       encoder_attention_mask=mask, video_coords=coords,
                       return_dict=False)[0]  # (B, S, C)
    pred = pred[:, pred.shape[1] - target.shape[1]:]  # (B, f*h*w, C): the clip's own tokens
    weight = (~clean_tokens).float()  # (B, f*h*w)
    if object_weight > 0:
        weight = weight * (1.0 + object_weight * object_cells(video, f, h, w))
    per_token = ((pred - target) ** 2).mean(-1)  # (B, f*h*w)
    if contrast > 0 and b > 1:  # clip i against clip i-1's target (the batch rolled by one)
        per_token = per_token - contrast * ((pred - target.roll(1, dims=0)) ** 2).mean(-1)
    if twins is not None and twin_weight > 0:
        twin_latents, twin_cells = twins
        other = _pack(noise - twin_latents)  # (B, f*h*w, C): the twin's target, the same noise
        per_token = per_token - twin_weight * twin_cells * ((pred - other) ** 2).mean(-1)
    loss = (per_token * weight).sum() / weight.sum().clamp_min(1.0)
    if pixels > 0:
        own = _pack(noisy)  # (B, f*h*w, C)
        estimate = own - sigma[:, None, None] * pred  # (B, f*h*w, C)
        estimate = torch.where(clean_tokens[..., None], _pack(latents), estimate)
        estimate = _unpack(estimate, f, h, w, 1, 1)  # (B, C, f, h, w)
        loss = loss + pixels * pixel_term(vae, estimate, video, *pixel_object)
    return loss
