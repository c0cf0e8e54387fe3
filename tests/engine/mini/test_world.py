"""The mini world: sizes, motion and colour measured on rendered frames, captions, held-out rule."""

from __future__ import annotations

import dataclasses
import json
import time

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.mini.parts import PRESETS, Preset
from engine.mini.world import (
    COLOURS,
    FPS,
    MOTIONS,
    SHAPES,
    SIZES,
    VOCABULARY,
    Scene,
    Thing,
    World,
    caption,
    held_out,
    parse_caption,
)

SOLID = World(0, shadings=("solid",))
SEEDS = st.integers(0, 2**32 - 1)


def _mask(video: np.ndarray, background: str) -> np.ndarray:
    """Per-frame uint8 masks of pixels clearly unlike the background colour."""
    diff = np.abs(video.astype(np.int16) - np.array(COLOURS[background], dtype=np.int16)).sum(-1)
    return (diff > 60).astype(np.uint8)


def _measure(mask: np.ndarray) -> tuple[float, float, float]:
    moments = cv2.moments(mask, binaryImage=True)
    area = moments["m00"]
    assert area > 0, "the object vanished"
    return moments["m10"] / area, moments["m01"] / area, area


def _render(thing: Thing, size: tuple[int, int] = (384, 384), frames: int = 25,
            background: str = "blue") -> tuple[np.ndarray, list[tuple[float, float, float]]]:
    video = SOLID.render(Scene(background, (thing,)), size, frames)
    return video, [_measure(mask) for mask in _mask(video, background)]


def test_constants_match_the_brief() -> None:
    assert SIZES == ((512, 288), (288, 512), (384, 384)) and FPS == 24
    assert {"circle", "square", "triangle"} <= set(SHAPES)
    assert {"moves", "bounces", "grows", "shrinks"} <= set(MOTIONS)
    assert COLOURS["purple"] == (150, 70, 200) and len(COLOURS) >= 9


@pytest.mark.parametrize("size", SIZES)
def test_samples_have_the_native_shape(size: tuple[int, int]) -> None:
    video, text, scene = World(1).sample(np.random.default_rng(2), size=size)
    assert video.shape == (25, size[1], size[0], 3) and video.dtype == np.uint8
    assert isinstance(text, str) and isinstance(scene, Scene)


def test_sample_picks_a_native_size() -> None:
    rng = np.random.default_rng(3)
    shapes = {World(0).sample(rng, frames=9)[0].shape for _ in range(30)}
    assert shapes == {(9, h, w, 3) for w, h in SIZES}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("shape", ["circle", "triangle", "bar"])
@pytest.mark.parametrize("direction", ["left", "right", "up", "down"])
def test_movers_travel_the_captioned_way(direction: str, shape: str,
                                         size: tuple[int, int]) -> None:
    thing = Thing(shape, "red", "moves", direction, speed="quickly", start=(0.5, 0.5))
    _, track = _render(thing, size, frames=13)
    dx, dy = track[-1][0] - track[0][0], track[-1][1] - track[0][1]
    along, across = {"left": (-dx, dy), "right": (dx, dy), "up": (-dy, dx), "down": (dy, dx)}[
        direction]
    assert along > 40 and abs(across) < 1


def test_speed_words_change_the_distance() -> None:
    travel = []
    for speed in ("slowly", None, "quickly"):
        _, track = _render(Thing("square", "white", "moves", "right", speed=speed, start=(0, 0.5)))
        travel.append(track[-1][0] - track[0][0])
    assert 0 < travel[0] < travel[1] < travel[2]


@pytest.mark.parametrize("motion", ["grows", "shrinks"])
@pytest.mark.parametrize("shape", SHAPES)
def test_area_follows_grows_and_shrinks(motion: str, shape: str) -> None:
    _, track = _render(Thing(shape, "yellow", motion))
    ratio = track[-1][2] / track[0][2]
    assert (ratio > 1.8) if motion == "grows" else (ratio < 1 / 1.8)
    assert abs(track[-1][0] - track[0][0]) < 1.5 and abs(track[-1][1] - track[0][1]) < 1.5


@pytest.mark.parametrize("shape", ["circle", "star"])
def test_bouncers_rise_and_land_in_place(shape: str) -> None:
    _, track = _render(Thing(shape, "green", "bounces", start=(0.5, 1.0)), frames=15)
    ys = [y for _, y, _ in track]
    assert min(ys) < ys[0] - 50 and abs(ys[-1] - ys[0]) < 1  # one 14-frame hop at default speed
    assert max(abs(x - track[0][0]) for x, _, _ in track) < 0.5


@pytest.mark.parametrize("shape", ["square", "triangle", "star", "bar"])
def test_spinners_turn_in_place(shape: str) -> None:
    video, track = _render(Thing(shape, "black", "spins", start=(0.5, 0.5)), frames=7)
    masks = _mask(video, "blue").astype(bool)
    overlap = (masks[0] & masks[-1]).sum() / (masks[0] | masks[-1]).sum()
    assert overlap < 0.9  # 36 degrees of turn changes the silhouette
    assert abs(track[-1][2] / track[0][2] - 1) < 0.05
    # In place to within a pixel: the anti-aliased rim of a turned shape 65 px across moves its
    # measured centroid by a fraction of one.
    assert abs(track[-1][0] - track[0][0]) < 1.0 and abs(track[-1][1] - track[0][1]) < 1.0


@pytest.mark.parametrize("direction", ["left", "right", "up", "down"])
def test_long_clips_stay_in_frame(direction: str) -> None:
    video, track = _render(Thing("star", "orange", "moves", direction, "large", "quickly"),
                           size=(144, 256), frames=97)
    assert abs(track[-1][2] / track[0][2] - 1) < 0.03  # no part of it left the frame
    masks = _mask(video, "blue")
    assert not (masks[:, 0].any() or masks[:, -1].any() or masks[:, :, 0].any()
                or masks[:, :, -1].any())


@pytest.mark.parametrize("colour", COLOURS)
def test_drawn_colours_match_the_palette(colour: str) -> None:
    background = "black" if colour != "black" else "white"
    video, _ = _render(Thing("circle", colour, "moves", "left", "large"), frames=3,
                       background=background)
    inside = cv2.erode(_mask(video, background)[1], np.ones((5, 5), np.uint8)).astype(bool)
    assert np.abs(video[1][inside].astype(int) - COLOURS[colour]).max() <= 2
    assert np.abs(video[1][0, 0].astype(int) - COLOURS[background]).max() <= 2


def test_edges_are_anti_aliased() -> None:
    video, _ = _render(Thing("triangle", "white", "spins"), frames=1, background="black")
    assert len(np.unique(video[0, :, :, 0])) > 10  # blended edge pixels between the two colours


@pytest.mark.parametrize("camera", ["left", "right", "up", "down"])
def test_camera_pans_shift_backdrop_and_objects_together(camera: str) -> None:
    scene = Scene("gray", (Thing("star", "red", "spins", "small"),), "texture", camera)
    video = World(0).render(scene, (288, 512), 25, np.random.default_rng(9))
    first, last = (cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
                   for frame in (video[0], video[-1]))
    (bx, by), _ = cv2.phaseCorrelate(first, last)
    (x0, y0, _), (x1, y1, _) = (_measure(mask) for mask in _mask(video[[0, -1]], "gray"))
    against = {"left": (1, 0), "right": (-1, 0), "up": (0, 1), "down": (0, -1)}[camera]
    assert np.dot(against, (x1 - x0, y1 - y0)) > 40  # content moves against the camera
    assert abs(bx - (x1 - x0)) < 1.5 and abs(by - (y1 - y0)) < 1.5
    assert caption(scene, np.random.default_rng(0)).endswith(f"while the camera pans {camera}")


def test_pans_need_objects_that_stay_put() -> None:
    with pytest.raises(ValueError, match="camera pan"):
        Scene("gray", (Thing("circle", "red", "moves", "left"),), "texture", "up")


def _expected(scene: Scene) -> dict[str, object]:
    fields = ("colour", "shape", "size", "motion", "direction", "speed")
    return {"objects": [{f: getattr(t, f) for f in fields} for t in scene.objects],
            "background": scene.background, "camera": scene.camera}


@settings(max_examples=150, deadline=None)
@given(seed=SEEDS, variant=st.booleans())
def test_captions_read_back_as_their_scene(seed: int, variant: bool) -> None:
    rng = np.random.default_rng(seed)
    scene = SOLID.scene(rng, held_out=bool(seed % 2))
    text = caption(scene, rng, variant=variant)
    assert parse_caption(text) == _expected(scene), text
    assert set(text.split()) <= set(VOCABULARY), text


def test_base_form_is_exact() -> None:
    rng = np.random.default_rng(0)
    one = Scene("blue", (Thing("circle", "red", "moves", "left"),))
    assert caption(one, rng) == "a red circle moves left on a blue background"
    two = Scene("gray", (Thing("square", "orange", "grows", size="small", speed="quickly"),
                         Thing("star", "white", "spins", speed="slowly")))
    assert caption(two, rng) == ("a small orange square grows quickly and a white star spins "
                                 "slowly on a gray background")


@pytest.mark.parametrize(("text", "size", "background"), [
    ("a small red circle drifting left over a blue backdrop", "small", "blue"),
    ("A tiny red circle drifting to the left, in front of a blue field.", "small", "blue"),
    ("a blue backdrop with a big red circle sliding leftward", "large", "blue"),
    ("a red circle glides left against a grey background", None, "gray"),
])
def test_natural_variants_are_read(text: str, size: str | None, background: str) -> None:
    assert parse_caption(text) == {"background": background, "camera": None, "objects": [
        {"colour": "red", "shape": "circle", "size": size, "motion": "moves", "direction": "left",
         "speed": None}]}


@pytest.mark.parametrize(("text", "words"), [
    ("a red dog moves left on a blue background", "expected a shape at word 3, found 'dog'"),
    ("a red circle moves on a blue background", "expected a direction at word 5, found 'on'"),
    ("a red circle grows on a blue background today", "unexpected 'today'"),
    ("", "expected 'a' or 'an' at word 1, found the end"),
])
def test_text_outside_the_grammar_is_refused_readably(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_caption(text)


def test_vocabulary_is_sorted_and_unique() -> None:
    assert list(VOCABULARY) == sorted(set(VOCABULARY))
    assert {"a", "an", "and", "on", "background", "moves", "left", *COLOURS, *SHAPES} <= set(
        VOCABULARY)


def test_held_out_rule() -> None:
    assert held_out(Scene("blue", (Thing("triangle", "purple", "grows"),)))
    assert held_out(Scene("blue", (Thing("bar", "red", "spins"), Thing("circle", "green", "moves",
                                                                        "up"))))
    assert not held_out(Scene("blue", (Thing("circle", "green", "moves", "down"),)))
    rng = np.random.default_rng(4)
    assert not any(held_out(SOLID.scene(rng)) for _ in range(400))
    assert all(held_out(SOLID.scene(rng, held_out=True)) for _ in range(200))
    assert not any(held_out(World(0).sample(rng, frames=2)[2]) for _ in range(50))


def test_scenes_keep_objects_distinct_from_the_background() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        scene = SOLID.scene(rng, count=2)
        colours = [thing.colour for thing in scene.objects]
        assert len(set(colours)) == 2 and scene.background not in colours
        assert not any(t.motion == "spins" and t.shape in ("circle", "ring") for t in scene.objects)


def test_spread_narrows_the_starts_and_single_sets_the_object_count() -> None:
    def starts(world: World) -> tuple[np.ndarray, float]:
        rng = np.random.default_rng(3)
        scenes = [world.scene(rng) for _ in range(400)]
        still = [t.start[1] for s in scenes for t in s.objects
                 if t.motion in ("grows", "shrinks", "spins")]
        return np.array(still), float(np.mean([len(s.objects) == 1 for s in scenes]))

    wide, wide_single = starts(SOLID)
    narrow, narrow_single = starts(World(0, shadings=("solid",), spread=0.3, single=0.9))
    assert wide.min() < 0.1 and wide.max() > 0.9
    assert narrow.min() >= 0.35 - 1e-9 and narrow.max() <= 0.65 + 1e-9
    assert 0.5 < wide_single < 0.7 and narrow_single > 0.85
    with pytest.raises(ValueError, match="shares from 0 to 1"):
        World(0, spread=1.5)


def test_a_narrow_world_draws_only_its_shapes_and_motions() -> None:
    rng = np.random.default_rng(4)
    moving = World(0, shadings=("solid",), single=1.0, motions=("moves",))
    things = [t for _ in range(200) for t in moving.scene(rng).objects]
    assert {t.motion for t in things} == {"moves"} and {t.shape for t in things} == set(SHAPES)
    spinning = World(0, shapes=("circle", "triangle"), motions=("spins",))
    assert {t.shape for _ in range(50) for t in spinning.scene(rng).objects} == {"triangle"}
    with pytest.raises(ValueError, match="cannot spin"):
        World(0, shapes=("ring",), motions=("spins",))
    with pytest.raises(ValueError, match="shapes must be a non-empty subset"):
        World(0, shapes=("hexagon",))


def test_a_presets_narrow_world_survives_its_record() -> None:
    preset = PRESETS["cpu"].scaled(world_shapes=["circle", "square"], world_motions=["moves"])
    assert preset.world_shapes == ("circle", "square") and preset.world_motions == ("moves",)
    again = Preset.from_dict(json.loads(json.dumps(dataclasses.asdict(preset))))
    assert (again.world_shapes, again.world_motions) == (preset.world_shapes, ("moves",))
    whole = Preset.from_dict(json.loads(json.dumps(dataclasses.asdict(PRESETS["cpu"]))))
    assert whole.world_shapes is None and whole.world_motions is None


def test_the_same_seed_gives_the_same_clip() -> None:
    first, second = World(7).sample(), World(7).sample()
    assert np.array_equal(first[0], second[0]) and first[1:] == second[1:]
    a = World(0).sample(np.random.default_rng(11), size=(512, 288))
    b = World(99).sample(np.random.default_rng(11), size=(512, 288))
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


def test_every_shading_renders_around_the_named_colour() -> None:
    world, rng = World(0), np.random.default_rng(6)
    for shading in ("solid", "gradient", "texture"):
        scene = Scene("gray", (Thing("circle", "red", "grows", size="small"),), shading)
        corner = world.render(scene, (384, 384), 2, rng)[0, :40, :40].astype(int)
        assert np.abs(corner - 128).max() <= 17


def test_sampling_is_fast() -> None:
    world, rng = World(0), np.random.default_rng(8)
    start = time.perf_counter()
    for _ in range(10):
        world.sample(rng, size=(384, 384))
    assert (time.perf_counter() - start) / 10 < 0.1  # loose: about 5 ms on 2 cores
