"""frameloom-mini's training presets and the diffusers parts each one builds from configs alone."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

_SPECIAL = ("<pad>", "</s>", "<unk>")


@dataclass(frozen=True)
class Preset:
    """Model sizes and training schedule for one kind of machine.

    Parameters
    ----------
    sizes
        The (width, height) buckets; one batch holds clips of one size. Multiples of 32, since
        LTXConditionPipeline refuses any other size.
    frames
        Frames per training clip, k times the VAE's temporal compression plus 1, so it folds them
        whole; ``vae_frames``, when set, is the VAE stage's own (shorter) length.
    batch
        Clips per batch for each stage; the decoder stage takes the VAE's when it has none.
    steps, minutes
        Per stage, the step target and the wall-time budget; a stage ends at whichever comes first.
    lr
        AdamW learning rate per stage. The ``"decoder"`` stage, after the transformer, trains the
        VAE's decoder alone (the latents stay as the transformer learned them); a preset saved
        without it has no decoder stage.
    object_weight
        Extra weight of object pixels in the VAE's reconstruction loss (see
        :func:`engine.mini.losses.vae_loss`).
    object_rim
        Pixels around each object weighed up with it in the VAE's loss (its rim, where a blurred
        decoder spreads the object's colour); 0 weighs the object alone.
    vae_crop
        (width, height) windows around the objects that the VAE trains on instead of whole
        frames (:func:`engine.mini.batches.object_crop`); None for whole frames.
    ema
        Decay of the exponential moving average of the transformer's weights that the saved
        pipeline uses (as DiT samples from its EMA); 0 saves the raw weights.
    text_lr
        Learning rate of the text encoder, trained with the transformer; 0 keeps it frozen at
        its random weights, which give a colour word nearly the same vector whether it names the
        object or the background (``python -m engine.mini.text_roles``).
    start_spread, single_share
        The training world's :class:`engine.mini.world.World` ``spread`` (how far objects'
        starts scatter) and ``single`` (the share of one-object scenes).
    world_shapes, world_motions
        The shapes and motions of the training world (:class:`engine.mini.world.World`); None
        for all of them. A narrower world is a curriculum's first phase: on stills of one moving
        circle, square or triangle, the shipped transformer learnt to draw each outline from
        its word within about 1,000 steps, which the whole world's variety (six shapes, five
        motions) had not taught it in several thousand (``runs/mini37`` in the model card).
    image_share, image_batch
        Share of the transformer's steps trained on stills (one frame of each of
        ``image_batch`` clips, :func:`engine.mini.batches.stills`) instead of whole clips, as
        video models train on images beside their clips: a still is one latent frame, so a step
        sees several times more objects for the same time, and the shape an object is drawn in
        is decided within a frame. 0 trains on clips only; an ``image_batch`` of 0 takes four
        times the clip batch.
    image_crop
        (width, height) windows that the stills are cut to, centred on the still's object
        (:func:`engine.mini.batches.still_crops`); None for whole frames. Where an object's
        place is known, a noisy still's target shows its outline, which the average over an
        unknown place blurs into a blob (tried on the shipped folder as ``runs/mini34``: the
        shape word still hardly changed the blob; the model card has its figures).
    bridge_share
        Share of the batches pinned at both ends (bridges and loops) whose clips dissolve into
        another scene between the pins (:func:`engine.mini.batches.dissolve`); 0 keeps every
        clip one scene, as the world makes them.
    text_attention
        Strength of the neighbour bias :func:`attend_to_neighbours` gives the text encoder's
        attention (0 keeps T5's random relative bias). With it each word's vector carries the
        words next to it, so "red" before "circle" and "red" before "background" differ.
    sigma_shift
        Shift of the transformer's training noise levels towards pure noise (see
        :func:`engine.mini.losses.flow_loss`).
    flow_object_weight
        Extra weight of the transformer's loss on latent cells that hold an object (see
        :func:`engine.mini.losses.flow_loss`); 0 weighs every cell alike.
    flow_contrast
        Weight of Contrastive Flow Matching's term in the transformer's loss (see
        :func:`engine.mini.losses.flow_loss`): predictions pushed away from other clips'
        targets, so a caption's flow does not settle on the average of every caption's (the
        shapeless blob). 0 is plain flow matching.
    flow_twins
        Weight of the same term against each clip's twin, its scene with the shape or the
        direction word changed (:func:`engine.mini.batches.twin_batch`; the words the model
        read least, ``python -m engine.mini.words``), on the cells where the two differ. 0
        makes no twins.
    flow_pixels
        Weight of the transformer's loss in pixels: the clean latents its prediction implies,
        decoded at their first latent frame by the (frozen) decoder and compared with the clip's
        first frame, object pixels weighed by ``object_weight`` and ``object_rim`` as in the
        VAE's loss (:func:`engine.mini.losses.pixel_term`). 0 leaves it out.
    decay
        Per stage, the share of its time budget after which the learning rate drops to a
        quarter; a stage not named keeps its rate.
    text, vae, transformer
        Keyword arguments for T5Config, AutoencoderKLLTXVideo and LTXVideoTransformer3DModel.
    max_tokens
        Caption length the tokenizer pads to, and the pipeline's ``max_sequence_length``.
    """

    sizes: tuple[tuple[int, int], ...]
    frames: int
    batch: dict[str, int]
    steps: dict[str, int]
    minutes: dict[str, float]
    lr: dict[str, float]
    text: dict[str, Any]
    vae: dict[str, Any]
    transformer: dict[str, Any]
    max_tokens: int = 48
    fps: int = 24
    log_every: int = 20
    checkpoint_minutes: float = 5.0
    cfg_dropout: float = 0.1
    condition_rate: float = 0.5
    shadings: tuple[str, ...] = ("solid", "gradient", "texture")
    decay: dict[str, float] = field(default_factory=dict)
    object_weight: float = 0.0
    object_rim: int = 0
    sigma_shift: float = 1.0
    flow_object_weight: float = 0.0
    flow_contrast: float = 0.0
    flow_twins: float = 0.0
    flow_pixels: float = 0.0
    vae_crop: tuple[int, int] | None = None
    vae_frames: int | None = None
    ema: float = 0.0
    text_lr: float = 0.0
    text_attention: float = 0.0
    start_spread: float = 1.0
    single_share: float = 0.6
    world_shapes: tuple[str, ...] | None = None
    world_motions: tuple[str, ...] | None = None
    bridge_share: float = 0.0
    image_share: float = 0.0
    image_batch: int = 0
    image_crop: tuple[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preset:
        """The preset :func:`dataclasses.asdict` wrote to JSON (lists back to tuples)."""
        sizes = tuple(tuple(size) for size in data["sizes"])
        shadings = tuple(data.get("shadings", cls.shadings))
        worlds = {key: tuple(data[key]) if data.get(key) else None
                  for key in ("world_shapes", "world_motions")}
        crops = {key: tuple(data[key]) if data.get(key) else None
                 for key in ("vae_crop", "image_crop")}
        return cls(**{**data, "sizes": sizes, "shadings": shadings, **crops, **worlds})

    def scaled(self, **changes: Any) -> Preset:
        """A copy with some fields replaced; dict fields are merged key by key."""
        merged: dict[str, Any] = {
            k: {**getattr(self, k), **v} if isinstance(getattr(self, k), dict) else v
            for k, v in changes.items()}
        if "sizes" in merged:
            merged["sizes"] = tuple(tuple(size) for size in merged["sizes"])
        for key in ("shadings", "world_shapes", "world_motions"):
            if merged.get(key):
                merged[key] = tuple(merged[key])
        for key in ("vae_crop", "image_crop"):
            if merged.get(key):
                merged[key] = tuple(merged[key])
        return dataclasses.replace(self, **merged)


def _vae_16x4x(latent: int) -> dict[str, Any]:
    # 16x spatial, 4x temporal: a 4x4 patch, then two space-and-time halvings, each with the
    # residual space-to-depth path of LTX-Video 0.9.5. At the CPU preset's 192x128 an object a
    # third of the short side tall spans about three latent cells; through a 32x VAE it spanned
    # less than one and was lost (issue 17). 1.35 M encoder and 3.53 M decoder parameters.
    return dict(in_channels=3, out_channels=3, latent_channels=latent,
                block_out_channels=(32, 64, 128),
                down_block_types=("LTXVideo095DownBlock3D",) * 2,
                downsample_type=("spatiotemporal", "spatiotemporal"),
                spatio_temporal_scaling=(True, True), layers_per_block=(1,) * 3,
                decoder_block_out_channels=(64, 128),
                decoder_spatio_temporal_scaling=(True, True),
                decoder_layers_per_block=(1,) * 3, decoder_inject_noise=(False,) * 3,
                upsample_residual=(True, True), upsample_factor=(2, 2),
                timestep_conditioning=False, patch_size=4, patch_size_t=1, encoder_causal=True,
                decoder_causal=False, spatial_compression_ratio=16, temporal_compression_ratio=4)


def _transformer(latent: int, layers: int, heads: int, text_width: int) -> dict[str, Any]:
    return dict(in_channels=latent, out_channels=latent, patch_size=1, patch_size_t=1,
                num_attention_heads=heads, attention_head_dim=32, cross_attention_dim=heads * 32,
                num_layers=layers, caption_channels=text_width)


PRESETS = {
    # Two CPU cores (issue 17): a 16x/4x VAE trained on 96x96 windows around the objects with
    # object pixels weighted 10x, then a 6-layer 192-wide transformer on whole 25-frame clips of
    # the default size 192x128 (12x8x7 = 672 latent tokens) and its portrait and square
    # neighbours, sampled from an EMA of its weights, its loss on the latent cells that hold an
    # object weighed 5x (at even weights it drew backgrounds and, often, no object), then the
    # VAE's decoder alone again. Hours in all: the stages stop at their minutes, and
    # `--resume --override` with more minutes trains on.
    "cpu": Preset(
        sizes=((192, 128), (128, 192), (160, 160)), frames=25,
        batch={"vae": 4, "transformer": 8},
        steps={"vae": 100000, "transformer": 1000000, "decoder": 100000},
        minutes={"vae": 75.0, "transformer": 600.0, "decoder": 60.0},
        lr={"vae": 1e-3, "transformer": 3e-4, "decoder": 3e-4},
        decay={"vae": 0.7},
        object_weight=10.0, vae_crop=(96, 96), vae_frames=17, ema=0.999,
        sigma_shift=3.0,  # objects now show in the latents; 4 had been needed for backgrounds
        flow_object_weight=4.0,
        text=dict(d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4,
                  relative_attention_num_buckets=8),
        vae=_vae_16x4x(latent=32),
        transformer=_transformer(32, layers=6, heads=6, text_width=64),
        text_attention=8.0,
        shadings=("solid",), log_every=25, checkpoint_minutes=10.0),
    # One H100 in about 30 minutes (issue 24): the CPU preset's design at native sizes (the same
    # 16x/4x VAE on larger windows around the objects, then a 6-layer 256-wide transformer), so
    # the shipped folder stays under 60 MB in float32 (about 13 M parameters). Not yet run.
    "gpu": Preset(
        sizes=((512, 288), (288, 512), (384, 384)), frames=25,
        batch={"vae": 16, "transformer": 32},
        steps={"vae": 100000, "transformer": 100000, "decoder": 100000},
        minutes={"vae": 10.0, "transformer": 20.0, "decoder": 5.0},
        lr={"vae": 1e-3, "transformer": 3e-4, "decoder": 3e-4},
        decay={"vae": 0.7}, object_weight=10.0, vae_crop=(192, 192), vae_frames=17, ema=0.999,
        text=dict(d_model=128, d_kv=32, d_ff=256, num_layers=2, num_heads=4,
                  relative_attention_num_buckets=16),
        vae=_vae_16x4x(latent=32),
        transformer=_transformer(32, layers=6, heads=8, text_width=128),
        sigma_shift=3.0, text_attention=8.0,
        log_every=50, checkpoint_minutes=2.0),
}


@dataclass
class Parts:
    """The five parts of an LTXConditionPipeline, as training holds them."""

    tokenizer: Any
    text_encoder: Any
    vae: Any
    transformer: Any
    scheduler: Any


def build_tokenizer(vocabulary: tuple[str, ...], max_tokens: int) -> Any:
    """A T5-style WordLevel tokenizer over the world's words; anything else becomes ``<unk>``.

    Parameters
    ----------
    vocabulary
        The world's words (lower case).
    max_tokens
        ``model_max_length``: the pipeline pads and truncates prompts to it.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = dict.fromkeys(w.lower() for w in vocabulary if w.lower() not in _SPECIAL)
    vocab = {word: i for i, word in enumerate((*_SPECIAL, *words))}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    # T5 ends every sequence with </s>; the pipeline's attention mask counts on that token.
    backend.post_processor = processors.TemplateProcessing(
        single="$A </s>", special_tokens=[("</s>", vocab["</s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=max_tokens)


def build_parts(preset: Preset, tokenizer: Any, seed: int) -> Parts:
    """Random-weight parts for a preset around a tokenizer; one seed builds the same weights.

    The text encoder stays frozen at these random weights (unless the preset's ``text_lr``
    trains it), its attention biased towards neighbouring words by ``text_attention``: a random
    T5 attends almost evenly, so two captions with the same words in other roles come out alike.
    """
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    from engine.mini.losses import point_posterior

    # Each part is drawn from the seed itself, so changing one part's size leaves the others'
    # starting weights as they were. (The CPU preset's VAE left its 11 dB plateau by step 200
    # from this draw and had not by step 500 from another: the recipe is seed-sensitive.)
    torch.manual_seed(seed)
    vae = AutoencoderKLLTXVideo(**preset.vae)
    point_posterior(vae)
    torch.manual_seed(seed)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), pad_token_id=0,
                                           eos_token_id=1, **preset.text))
    text_encoder.requires_grad_(False).eval()
    if preset.text_attention > 0:
        attend_to_neighbours(text_encoder, preset.text_attention)
    torch.manual_seed(seed)
    transformer = LTXVideoTransformer3DModel(**preset.transformer)
    return Parts(tokenizer, text_encoder, vae, transformer, FlowMatchEulerDiscreteScheduler())


# Relative positions (key minus query) each head of the first layer favours: the next word, the
# previous one, the words further on, the words further back. T5 shares the first layer's bias
# with every layer, so the second layer mixes in the neighbours' neighbours.
_NEIGHBOURS = ((1,), (-1,), (2,), (-2,))


def attend_to_neighbours(text_encoder: Any, strength: float) -> None:
    """Set a T5 encoder's relative attention bias so each head looks at nearby words.

    A randomly initialised T5 attends almost evenly over the caption, so a word's output is its
    own embedding plus nearly the same average whatever its place: "a red circle on a blue
    background" and "a blue circle on a red background" hold the same set of vectors
    (``python -m engine.mini.text_roles``: cosine 0.9996 between a colour's two roles). Here head
    ``h`` adds ``strength`` to the logits of the relative positions ``_NEIGHBOURS[h]`` (T5's
    buckets: beyond one word, a bucket covers every further position on that side), and 0
    elsewhere, so a colour word carries the shape or backdrop it precedes. Heads beyond the
    fourth keep no bias. Deterministic: the same strength always gives the same bias.

    Parameters
    ----------
    text_encoder
        A ``T5EncoderModel``; changed in place.
    strength
        The logit added to the favoured positions (8 gives each head about 0.97 of its weight on
        them in a 16-word caption).
    """
    import torch
    from transformers.models.t5.modeling_t5 import T5Attention

    attention = text_encoder.encoder.block[0].layer[0].SelfAttention
    buckets = attention.relative_attention_num_buckets
    bias = torch.zeros_like(attention.relative_attention_bias.weight)  # (buckets, heads)
    for head, positions in enumerate(_NEIGHBOURS[:bias.shape[1]]):
        for position in positions:
            index = T5Attention._relative_position_bucket(
                torch.tensor(position), bidirectional=True, num_buckets=buckets,
                max_distance=attention.relative_attention_max_distance)
            bias[int(index), head] = strength
    with torch.no_grad():
        attention.relative_attention_bias.weight.copy_(bias)


def build_pipeline(parts: Parts) -> Any:
    """The trained parts as one ``LTXConditionPipeline`` (nothing is copied)."""
    from diffusers import LTXConditionPipeline

    return LTXConditionPipeline(scheduler=parts.scheduler, vae=parts.vae,
                                text_encoder=parts.text_encoder, tokenizer=parts.tokenizer,
                                transformer=parts.transformer)
