"""Tiny random-weight LTX-Video and Wan pipelines built offline, for tests and soak benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# A closed word list is all a random-weight model needs; a WordLevel tokenizer over it keeps the
# build offline (no SentencePiece model to download) and maps every other word to <unk>.
_WORDS = ["a", "red", "blue", "green", "circle", "square", "moves", "left", "right", "up", "down",
          "on", "the", "background", "slowly", "fast", "camera", "pans", "zooms", "bright", "dark"]
_SPECIAL = ("<pad>", "</s>", "<unk>")
_MAX_TOKENS = 32
# One T5 block of width 32: the text width both tiny transformers expect. LTX reads it with T5,
# Wan with UMT5, which takes the same config fields.
_TEXT_ENCODER = dict(d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
                     relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1)


def word_tokenizer(max_tokens: int = _MAX_TOKENS) -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate((*_SPECIAL, *_WORDS))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    # T5 ends every sequence with </s>; the pipeline's attention mask counts on that token.
    backend.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", vocab["</s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=max_tokens)


def _seeded_text_encoder(encoder: Any, config: Any, seed: int) -> tuple[Any, Any]:
    """The word tokenizer and a one-block text encoder, after seeding torch for the whole build."""
    import torch

    tokenizer = word_tokenizer()
    torch.manual_seed(seed)
    return tokenizer, encoder(config(vocab_size=len(tokenizer), **_TEXT_ENCODER))


def build_tiny_ltx(path: Path, *, seed: int = 0) -> Path:
    """Build a tiny random-weight ``LTXConditionPipeline`` and save it as safetensors.

    The components follow the shapes diffusers' own fast tests use (8 latent channels, one
    transformer layer, a VAE compressing 4x in space and time), so a 32x32, 9-frame, 2-step job
    runs in a fraction of a second on a laptop CPU.

    Parameters
    ----------
    path
        The folder to write (created; existing files are overwritten).
    seed
        Seeds the random weights, so two builds with one seed are identical.

    Returns
    -------
    Path
        ``path``, now a diffusers model folder with ``model_index.json``.
    """
    return _save(tiny_ltx_pipeline(seed=seed), path)


def _save(pipe: object, path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(path, safe_serialization=True)  # type: ignore[attr-defined]
    return path


def tiny_ltx_pipeline(*, seed: int = 0) -> Any:
    """The pipeline :func:`build_tiny_ltx` saves, in memory (float32, on the CPU)."""
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer, text_encoder = _seeded_text_encoder(T5EncoderModel, T5Config, seed)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=1, caption_channels=32)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False), upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True,
        decoder_causal=False)
    return LTXConditionPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                                text_encoder=text_encoder, tokenizer=tokenizer,
                                transformer=transformer)


WAN_KINDS = ("t2v", "i2v", "vace", "ti2v", "t2v-a14b", "i2v-a14b")
"""Wan 2.1-style kinds, then Wan 2.2's: TI2V-5B (``expand_timesteps``, a 48-channel VAE
compressing 16x) and the A14B pair of experts (``transformer_2``, ``boundary_ratio``)."""
# diffusers' Wan 2.2 A14B repos switch experts at these timestep fractions (model_index.json).
_BOUNDARY = {"t2v-a14b": 0.875, "i2v-a14b": 0.9}


def build_tiny_wan(path: Path, *, kind: str = "t2v", seed: int = 0) -> Path:
    """Build a tiny random-weight Wan 2.x pipeline of one kind and save it as safetensors.

    The shapes follow diffusers' own Wan fast tests (a 3-channel-wide VAE compressing 8x in
    space and 4x in time, 16 latent channels, 2x2 patches), so a 32x32, 9-frame, 2-step job
    runs in a fraction of a second on a laptop CPU. The image-to-video kind is Wan 2.2-style: it
    conditions on the pinned frames through the VAE alone, with no CLIP image encoder.

    Parameters
    ----------
    path
        The folder to write (created; existing files are overwritten).
    kind
        ``"t2v"`` (``WanPipeline``), ``"i2v"`` (``WanImageToVideoPipeline``), ``"vace"``
        (``WanVACEPipeline``), or Wan 2.2's ``"ti2v"`` (``WanPipeline`` with
        ``expand_timesteps``), ``"t2v-a14b"`` and ``"i2v-a14b"`` (two experts each).
    seed
        Seeds the random weights, so two builds with one seed are identical.

    Returns
    -------
    Path
        ``path``, now a diffusers model folder with ``model_index.json``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`WAN_KINDS`.
    """
    return _save(tiny_wan_pipeline(kind=kind, seed=seed), path)


def tiny_wan_pipeline(*, kind: str = "t2v", seed: int = 0) -> Any:
    """The pipeline :func:`build_tiny_wan` saves, in memory (float32, on the CPU).

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`WAN_KINDS`.
    """
    if kind not in WAN_KINDS:
        raise ValueError(f"unknown tiny Wan kind {kind!r}; expected one of {WAN_KINDS}.")
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanPipeline,
        WanTransformer3DModel,
        WanVACEPipeline,
        WanVACETransformer3DModel,
    )
    from transformers import UMT5Config, UMT5EncoderModel

    tokenizer, text_encoder = _seeded_text_encoder(UMT5EncoderModel, UMT5Config, seed)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    shape: dict[str, object] = dict(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32)
    parts = dict(scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), vae=vae,
                 text_encoder=text_encoder, tokenizer=tokenizer)
    if kind == "ti2v":
        # As diffusers' Wan 2.2 5B fast test: 2x2 pixel patches into a 48-channel latent, 16x.
        parts["vae"] = AutoencoderKLWan(
            base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True,
            patch_size=2, latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1],
            num_res_blocks=1, scale_factor_spatial=16, scale_factor_temporal=4,
            temperal_downsample=[False, True, True])
        shape["out_channels"] = 48
        transformer = WanTransformer3DModel(in_channels=48, num_layers=1, **shape)
        pipe = WanPipeline(transformer=transformer, expand_timesteps=True, **parts)
    elif kind in _BOUNDARY:
        # 36 input channels for image-to-video, as "i2v" below; each expert is one block.
        channels = 36 if kind == "i2v-a14b" else 16
        experts = [WanTransformer3DModel(in_channels=channels, num_layers=1, **shape)
                   for _ in range(2)]
        cls = WanImageToVideoPipeline if kind == "i2v-a14b" else WanPipeline
        extra = {"image_encoder": None, "image_processor": None} if kind == "i2v-a14b" else {}
        pipe = cls(transformer=experts[0], transformer_2=experts[1],
                   boundary_ratio=_BOUNDARY[kind], **extra, **parts)
    elif kind == "t2v":
        pipe = WanPipeline(transformer=WanTransformer3DModel(in_channels=16, num_layers=1, **shape),
                           **parts)
    elif kind == "i2v":
        # 16 noise channels + 4 mask channels (one per frame the VAE folds) + 16 condition channels.
        transformer = WanTransformer3DModel(in_channels=36, num_layers=1, **shape)
        pipe = WanImageToVideoPipeline(transformer=transformer, image_encoder=None,
                                       image_processor=None, **parts)
    else:
        # VACE context: 16 latents of the kept frames + 16 of the rest + 8x8 folded mask pixels.
        transformer = WanVACETransformer3DModel(in_channels=16, num_layers=2, vace_layers=[0],
                                                vace_in_channels=96, **shape)
        pipe = WanVACEPipeline(transformer=transformer, **parts)
    return pipe
