"""A tiny random-weight LTX-2 pipeline (video and audio) built offline, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.tiny import _save, word_tokenizer

_WIDTH = 32  # Gemma's hidden size, the captions' width everywhere in the pipeline


def build_tiny_ltx2(path: Path, *, seed: int = 0) -> Path:
    """Build a tiny random-weight ``LTX2ConditionPipeline`` and save it as safetensors.

    The shapes follow diffusers' LTX-2 fast tests (4 latent channels, one transformer layer with
    its audio branch, one-layer text connectors), with a VAE compressing 4x in space and time
    (frame rule 4k+1, pins on latent frames 0, 1, 5, 9...) and a vocoder whose upsampling
    (8 x 5 x 4 = 160) matches the audio VAE's mel hop, so the sound lasts about as long as the
    video. The text encoder is a one-layer ``Gemma3ForConditionalGeneration`` from a config (with
    a one-layer SigLIP tower, which the pipeline does not use) over the word tokenizer, so
    nothing is downloaded.

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
    return _save(tiny_ltx2_pipeline(seed=seed), path)


def tiny_ltx2_pipeline(*, seed: int = 0) -> Any:
    """The pipeline :func:`build_tiny_ltx2` saves, in memory (float32, on the CPU)."""
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2ConditionPipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3TextConfig,
        SiglipVisionConfig,
    )

    tokenizer = word_tokenizer()
    torch.manual_seed(seed)
    text = Gemma3TextConfig(vocab_size=len(tokenizer), hidden_size=_WIDTH, intermediate_size=32,
                            num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
                            head_dim=8, max_position_embeddings=64, sliding_window=16,
                            pad_token_id=0, eos_token_id=1, bos_token_id=1)
    # 8 px images in 4 px patches: 2x2 patches pooled into the 4 image tokens Gemma 3 expects.
    vision = SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                num_attention_heads=2, image_size=8, patch_size=4)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(
        text_config=text, vision_config=vision, mm_tokens_per_image=4, image_token_index=3,
        boi_token_index=4, eoi_token_index=5))
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2,
        attention_head_dim=8, cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4,
        audio_num_attention_heads=2, audio_attention_head_dim=4, audio_cross_attention_dim=8,
        num_layers=1, qk_norm="rms_norm_across_heads", caption_channels=_WIDTH,
        rope_double_precision=False, rope_type="split")
    # text_proj_in_factor: the encoder's layers + 1 (its embeddings), stacked by the pipeline.
    connectors = LTX2TextConnectors(
        caption_channels=_WIDTH, text_proj_in_factor=2, video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32,
        rope_theta=10000.0, rope_double_precision=False, causal_temporal_positioning=False,
        rope_type="split")
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8),
        decoder_block_out_channels=(8, 8), layers_per_block=(1, 1),
        decoder_layers_per_block=(1, 1, 1), spatio_temporal_scaling=(True, True),
        decoder_spatio_temporal_scaling=(True, True), decoder_inject_noise=(False, False, False),
        downsample_type=("spatiotemporal", "spatiotemporal"), upsample_residual=(False, False),
        upsample_factor=(1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1,
        attn_resolutions=None, in_channels=2, resolution=32, latent_channels=2,
        norm_type="pixel", causality_axis="height", dropout=0.0, mid_block_add_attention=False,
        sample_rate=16000, mel_hop_length=160, is_causal=True, mel_bins=8)
    vocoder = LTX2Vocoder(
        in_channels=2 * 8, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[16, 10, 8],
        upsample_factors=[8, 5, 4], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=16000)
    return LTX2ConditionPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, audio_vae=audio_vae,
        text_encoder=text_encoder, tokenizer=tokenizer, connectors=connectors,
        transformer=transformer, vocoder=vocoder, audio_scheduler=None)
