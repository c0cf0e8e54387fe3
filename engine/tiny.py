"""A tiny random-weight LTX-Video pipeline built offline, for tests, soak benchmarks and smoke runs."""

from __future__ import annotations

from pathlib import Path

# A closed word list is all a random-weight model needs; a WordLevel tokenizer over it keeps the
# build offline (no SentencePiece model to download) and maps every other word to <unk>.
_WORDS = ("a red blue green circle square moves left right up down on the background slowly fast "
          "camera pans zooms bright dark").split()
_SPECIAL = ("<pad>", "</s>", "<unk>")
_MAX_TOKENS = 32


def _tokenizer():  # noqa: ANN202 - transformers is untyped here and imported lazily
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate((*_SPECIAL, *_WORDS))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    # T5 ends every sequence with </s>; the pipeline's attention mask counts on that token.
    backend.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", vocab["</s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=_MAX_TOKENS)


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
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXConditionPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    tokenizer = _tokenizer()
    torch.manual_seed(seed)
    text_encoder = T5EncoderModel(T5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
        relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1))
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
    pipe = LTXConditionPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                                text_encoder=text_encoder, tokenizer=tokenizer,
                                transformer=transformer)
    path.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(path, safe_serialization=True)
    return path
