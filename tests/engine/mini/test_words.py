"""The word-use diagnostic changes one word at a time and reads the shipped model's loss."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.mini.captions import PARTS, Scene, Thing, caption, changed
from engine.mini.words import shares


def _differing_words(one: str, other: str) -> list[tuple[str, str]]:
    a, b = one.split(), other.split()
    assert len(a) == len(b), (one, other)
    articles = {"a", "an"}  # "a red" and "an orange": the article follows the word
    return [(x, y) for x, y in zip(a, b) if x != y and not {x, y} <= articles]


def test_each_part_changes_one_word_of_the_caption_and_nothing_else() -> None:
    scene = Scene("blue", (Thing("circle", "red", "moves", "left"),))
    text = caption(scene, np.random.default_rng(0))
    rng = np.random.default_rng(3)
    for part in PARTS:
        for _ in range(10):
            other = changed(scene, part, rng)
            assert other is not None
            new = caption(other, np.random.default_rng(0))
            if part == "motion" and other.objects[0].motion != "moves":
                continue  # "moves left" becomes "bounces": one word fewer
            assert len(_differing_words(text, new)) == 1, (part, new)
    # A colour never becomes the other colour of the scene, so the caption stays one scene.
    for _ in range(20):
        recoloured = changed(scene, "object colour", rng)
        assert recoloured is not None and recoloured.objects[0].colour not in ("red", "blue")
        backdrop = changed(scene, "background colour", rng)
        assert backdrop is not None and backdrop.background not in ("red", "blue")


def test_a_direction_is_changed_only_where_the_object_moves() -> None:
    bouncing = Scene("blue", (Thing("circle", "red", "bounces"),))
    assert changed(bouncing, "direction", np.random.default_rng(0)) is None
    moved = changed(bouncing, "motion", np.random.default_rng(0))
    assert moved is not None and moved.objects[0].motion != "bounces"
    assert (moved.objects[0].direction is None) == (moved.objects[0].motion != "moves")


def test_shares_put_a_part_between_the_true_and_the_empty_captions() -> None:
    losses = {"true": 1.0, "empty": 2.0, **{part: 1.0 for part in PARTS}}
    losses["shape"], losses["object colour"] = 1.5, 2.5
    got = shares(losses)
    assert got["shape"] == pytest.approx(0.5)
    assert got["object colour"] == pytest.approx(1.5)
    assert got["motion"] == 0.0
    assert all(math.isnan(v) for v in shares({**losses, "empty": 1.0}).values())


def test_the_shipped_model_reads_its_object_colour_word() -> None:
    pytest.importorskip("torch")
    from engine.mini.words import DEFAULT_MODEL, load, measure, one_object_scenes

    pipe, trained = load(DEFAULT_MODEL)
    scenes, clips = one_object_scenes(8, 7, trained.size, trained.frames)
    result = measure(pipe, scenes, clips, trained.fps, (trained.shift,), repeats=1)
    losses = result[trained.shift]
    # The captions help (the model is not drawing blind), and a wrong object colour costs a
    # good part of what no caption costs: the model reads that word.
    assert losses["true"] < losses["empty"]
    assert shares(losses)["object colour"] > 0.3
