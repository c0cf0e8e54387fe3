"""Tiny random-weight HunyuanVideo 1.5 pipelines (text- and image-to-video) built offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.tiny import _save, word_tokenizer

HUNYUAN15_KINDS = ("t2v", "i2v")
# The pipeline drops the first 108 tokens of the chat template (Qwen's system prompt). The tiny
# template puts 108 filler words there instead, so the crop keeps the user's own words.
_CHAT_TEMPLATE = "{{ 'the ' * 108 }}{{ messages[-1]['content'] }}"


def build_tiny_hunyuan15(path: Path, *, kind: str = "t2v", seed: int = 0) -> Path:
    """Build a tiny random-weight HunyuanVideo 1.5 pipeline of one kind and save it.

    The shapes follow diffusers' HunyuanVideo 1.5 fast test (4 latent channels, a VAE
    compressing 4x in space and 2x in time, one transformer block), with a target size of 32 so
    a 32x32, 9-frame, 2-step job is what the image-to-video pipeline picks for a square still.
    The text encoders are a two-layer Qwen2.5-VL text model over the word tokenizer (with the
    template above) and a one-block T5 over ByT5's byte tokenizer, which needs no files; the
    image-to-video kind adds a one-layer SigLIP image encoder.

    Parameters
    ----------
    path
        The folder to write (created; existing files are overwritten).
    kind
        ``"t2v"`` (``HunyuanVideo15Pipeline``) or ``"i2v"``
        (``HunyuanVideo15ImageToVideoPipeline``).
    seed
        Seeds the random weights, so two builds with one seed are identical.

    Returns
    -------
    Path
        ``path``, now a diffusers model folder with ``model_index.json``.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`HUNYUAN15_KINDS`.
    """
    return _save(tiny_hunyuan15_pipeline(kind=kind, seed=seed), path)


def tiny_hunyuan15_pipeline(*, kind: str = "t2v", seed: int = 0) -> Any:
    """The pipeline :func:`build_tiny_hunyuan15` saves, in memory (float32, on the CPU)."""
    if kind not in HUNYUAN15_KINDS:
        raise ValueError(f"unknown tiny HunyuanVideo 1.5 kind {kind!r}; expected one of "
                         f"{HUNYUAN15_KINDS}.")
    import torch
    from diffusers import (
        AutoencoderKLHunyuanVideo15,
        FlowMatchEulerDiscreteScheduler,
        HunyuanVideo15ImageToVideoPipeline,
        HunyuanVideo15Pipeline,
        HunyuanVideo15Transformer3DModel,
    )
    from diffusers.guiders import ClassifierFreeGuidance
    from transformers import (
        ByT5Tokenizer,
        Qwen2_5_VLTextConfig,
        Qwen2_5_VLTextModel,
        SiglipImageProcessor,
        SiglipVisionConfig,
        SiglipVisionModel,
        T5Config,
        T5EncoderModel,
    )

    tokenizer = word_tokenizer()
    tokenizer.chat_template = _CHAT_TEMPLATE
    torch.manual_seed(seed)
    # 9 input channels: 4 of noise, 4 of the conditioning frame's latents and 1 of its mask.
    transformer = HunyuanVideo15Transformer3DModel(
        in_channels=9, out_channels=4, num_attention_heads=2, attention_head_dim=8, num_layers=1,
        num_refiner_layers=1, mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16,
        text_embed_2_dim=32, image_embed_dim=12, rope_axes_dim=(2, 2, 4), target_size=32,
        task_type=kind)
    vae = AutoencoderKLHunyuanVideo15(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 16),
        layers_per_block=1, spatial_compression_ratio=4, temporal_compression_ratio=2,
        downsample_match_channel=False, upsample_match_channel=False)
    # Two layers: the pipeline reads the hidden states three from the end.
    text_encoder = Qwen2_5_VLTextModel(Qwen2_5_VLTextConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=16, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
        rope_scaling={"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
        rope_theta=1000000.0, pad_token_id=0, bos_token_id=1, eos_token_id=1))
    byt5 = ByT5Tokenizer()
    text_encoder_2 = T5EncoderModel(T5Config(
        vocab_size=len(byt5), d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
        relative_attention_num_buckets=8))
    parts: dict[str, Any] = dict(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder=text_encoder, text_encoder_2=text_encoder_2, tokenizer=tokenizer,
        tokenizer_2=byt5, guider=ClassifierFreeGuidance(guidance_scale=1.0))
    if kind == "t2v":
        return HunyuanVideo15Pipeline(**parts)
    image_encoder = SiglipVisionModel(SiglipVisionConfig(
        hidden_size=12, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2,
        image_size=16, patch_size=8))
    return HunyuanVideo15ImageToVideoPipeline(
        image_encoder=image_encoder,
        feature_extractor=SiglipImageProcessor(size={"height": 16, "width": 16}), **parts)
