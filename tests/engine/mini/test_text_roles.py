"""The text-role diagnostic runs on the shipped model and measures what it says it measures."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from engine.mini.text_roles import DEFAULT_MODEL, measure, measure_encoder  # noqa: E402


def test_it_compares_colour_swaps_with_shape_changes_on_the_shipped_encoder() -> None:
    figures = measure(DEFAULT_MODEL)
    assert figures["pairs"] == 30  # 6 single-word colours, ordered pairs
    assert -1.0 <= figures["role_cosine"] <= 1.0
    assert all(math.isfinite(v) and v >= 0 for k, v in figures.items() if k != "role_cosine")
    # A shape change moves the caption's tokens: the measure is not blind to every change.
    assert figures["shape_distance"] > 1.0
    shape_words = {k: v for k, v in figures.items() if k.endswith("_cosine") and k != "role_cosine"}
    assert sorted(shape_words) == ["circle_square_cosine", "circle_triangle_cosine",
                                   "square_triangle_cosine"]
    assert all(-1.0 <= v < 0.999 for v in shape_words.values())


def _random_encoder(strength: float) -> tuple[object, object]:
    from transformers import T5Config, T5EncoderModel

    from engine.mini.parts import PRESETS, attend_to_neighbours, build_tokenizer
    from engine.mini.world import VOCABULARY

    torch.manual_seed(0)
    tokenizer = build_tokenizer(VOCABULARY, 48)
    encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), pad_token_id=0, eos_token_id=1,
                                      **PRESETS["cpu"].text)).eval()
    if strength:
        attend_to_neighbours(encoder, strength)
    return tokenizer, encoder


def test_the_neighbour_bias_tells_a_colour_s_roles_apart() -> None:
    # A random T5 attends almost evenly, so swapping the object's and the background's colours
    # hardly changes its output; biased towards neighbouring words, a colour carries the shape or
    # backdrop after it and the swap moves the caption about as far as a change of shape.
    plain = measure_encoder(*_random_encoder(0.0))
    biased = measure_encoder(*_random_encoder(8.0))
    assert plain["role_cosine"] > 0.99
    assert plain["swap_distance"] < 0.2 * plain["shape_distance"]
    assert biased["role_cosine"] < 0.9
    assert biased["swap_distance"] > 0.5 * biased["shape_distance"]
    same = measure_encoder(*_random_encoder(8.0))
    assert same["circle_square_cosine"] == biased["circle_square_cosine"]


def test_the_neighbour_bias_is_the_same_every_time_and_favours_the_next_word() -> None:
    _, one = _random_encoder(8.0)
    _, two = _random_encoder(8.0)
    bias = one.encoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
    other = two.encoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
    assert torch.equal(bias, other)
    # Head 0 favours exactly one bucket: the word after (relative position +1).
    assert sorted(bias[:, 0].tolist()).count(8.0) == 1
