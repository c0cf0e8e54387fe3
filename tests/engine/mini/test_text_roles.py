"""The text-role diagnostic runs on the shipped model and measures what it says it measures."""

from __future__ import annotations

import math

from engine.mini.text_roles import DEFAULT_MODEL, measure


def test_it_compares_colour_swaps_with_shape_changes_on_the_shipped_encoder() -> None:
    figures = measure(DEFAULT_MODEL)
    assert figures["pairs"] == 30  # 6 single-word colours, ordered pairs
    assert -1.0 <= figures["role_cosine"] <= 1.0
    assert all(math.isfinite(v) and v >= 0 for k, v in figures.items() if k != "role_cosine")
    # A shape change moves the caption's tokens: the measure is not blind to every change.
    assert figures["shape_distance"] > 1.0
