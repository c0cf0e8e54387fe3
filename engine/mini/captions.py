"""The mini world's language: what a scene holds, which scenes are held out, and its grammar."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 50, 50),
    "orange": (245, 140, 30),
    "yellow": (240, 210, 40),
    "green": (50, 180, 80),
    "blue": (50, 90, 220),
    "purple": (150, 70, 200),
    "white": (240, 240, 240),
    "black": (20, 20, 20),
    "gray": (128, 128, 128),
}
SHAPES = ("circle", "square", "triangle", "star", "ring", "bar")
MOTIONS = ("moves", "bounces", "grows", "shrinks", "spins")
DIRECTIONS = ("left", "right", "up", "down")
SPEEDS = ("slowly", "quickly")
OBJECT_SIZES = ("small", "large")
SHADINGS = ("solid", "gradient", "texture")

# Each table maps a canonical value to its spellings, the base form's first; a default size or
# speed has no entry because captions leave it unsaid.
_SIZE_WORDS: dict[str, tuple[str, ...]] = {
    "small": ("small", "little", "tiny"), "large": ("large", "big")}
_SPEED_WORDS: dict[str, tuple[str, ...]] = {
    "slowly": ("slowly", "gently", "lazily"), "quickly": ("quickly", "fast", "rapidly")}
_DIRECTION_WORDS: dict[str, tuple[str, ...]] = {
    "left": ("left", "to the left", "leftward"),
    "right": ("right", "to the right", "rightward"),
    "up": ("up", "upward"),
    "down": ("down", "downward"),
}
_VERBS: dict[str, tuple[str, ...]] = {
    "moves": ("moves", "drifts", "slides", "glides"),
    "bounces": ("bounces", "hops"),
    "grows": ("grows", "expands"),
    "shrinks": ("shrinks", "contracts"),
    "spins": ("spins", "rotates", "turns"),
}
_PARTICIPLES: dict[str, tuple[str, ...]] = {
    "moves": ("moving", "drifting", "sliding", "gliding"),
    "bounces": ("bouncing", "hopping"),
    "grows": ("growing", "expanding"),
    "shrinks": ("shrinking", "contracting"),
    "spins": ("spinning", "rotating", "turning"),
}
_PREPOSITIONS = ("on", "over", "against", "in front of")
_PANS = ("while the camera pans", "as the camera pans", "with the camera panning")
_BACKDROPS = ("background", "backdrop", "field")


@dataclass(frozen=True)
class Thing:
    """One object of a scene: what it is, how it moves, and where it starts.

    Parameters
    ----------
    shape, colour
        Names from SHAPES and COLOURS.
    motion
        One of MOTIONS; ``direction`` is one of DIRECTIONS for "moves" and None otherwise.
    size, speed
        "small" or "large", "slowly" or "quickly"; None is the default, which captions leave unsaid.
    start
        Where the object starts, as fractions (x, y) of the range its centre may take in the frame
        (0 is the left or top end of that range, 1 the right or bottom end).
    """

    shape: str
    colour: str
    motion: str
    direction: str | None = None
    size: str | None = None
    speed: str | None = None
    start: tuple[float, float] = (0.5, 0.5)


@dataclass(frozen=True)
class Scene:
    """A captionable clip: a background colour and one or two objects drawn in order.

    Parameters
    ----------
    background
        A name from COLOURS.
    objects
        One or two Things, later ones drawn over earlier ones.
    shading
        One of SHADINGS: a solid background, or a soft gradient or texture around its colour
        (captions name only the colour).
    camera
        None for a still camera, or the direction (one of DIRECTIONS) it pans, moving everything
        in view the other way; only in scenes whose objects do not move by themselves, so a
        caption's "moves left" always means the object's own motion.
    """

    background: str
    objects: tuple[Thing, ...]
    shading: str = "solid"
    camera: str | None = None

    def __post_init__(self) -> None:
        if self.camera is not None and (self.camera not in DIRECTIONS or any(
                thing.motion == "moves" for thing in self.objects)):
            raise ValueError(f"a camera pan ({self.camera!r}) needs one of {DIRECTIONS} and "
                             "objects that do not move by themselves")


def held_out(scene: Scene) -> bool:
    """Whether a scene shows a combination kept out of training: a purple triangle, or a green
    object moving up (any size, speed or background).

    Parameters
    ----------
    scene
        The scene to judge.

    Returns
    -------
    bool
        True when any of its objects is such a combination.
    """
    return any(_held_thing(thing) for thing in scene.objects)


def _held_thing(thing: Thing) -> bool:
    return (thing.colour == "purple" and thing.shape == "triangle") or (
        thing.colour == "green" and thing.motion == "moves" and thing.direction == "up")


def _first_object(field: str) -> Callable[[Scene, str], Scene]:
    """Changes one field of the scene's first object (its colour, shape or direction)."""
    def change(scene: Scene, other: str) -> Scene:
        changes: dict[str, Any] = {field: other}
        first = dataclasses.replace(scene.objects[0], **changes)
        return dataclasses.replace(scene, objects=(first, *scene.objects[1:]))
    return change


def _motion(scene: Scene, other: str) -> Scene:
    direction = DIRECTIONS[0] if other == "moves" else None  # only a mover has a direction
    first = dataclasses.replace(scene.objects[0], motion=other, direction=direction)
    return dataclasses.replace(scene, objects=(first, *scene.objects[1:]))


def _background(scene: Scene, other: str) -> Scene:
    return dataclasses.replace(scene, background=other)


PARTS: dict[str, tuple[tuple[str, ...], Callable[[Scene], str | None],
                       Callable[[Scene, str], Scene]]] = {
    "object colour": (tuple(COLOURS), lambda s: s.objects[0].colour, _first_object("colour")),
    "shape": (SHAPES, lambda s: s.objects[0].shape, _first_object("shape")),
    "motion": (MOTIONS, lambda s: s.objects[0].motion, _motion),
    "direction": (DIRECTIONS, lambda s: s.objects[0].direction, _first_object("direction")),
    "background colour": (tuple(COLOURS), lambda s: s.background, _background),
}
"""Per part of a scene's caption: the words it takes, what the scene says now, and the scene
with another word there (the first object's, for an object's part). A direction is changed only
where the object moves."""


def changed(scene: Scene, part: str, rng: np.random.Generator) -> Scene | None:
    """``scene`` with one ``part`` (a key of :data:`PARTS`) changed to another word of its kind,
    or None where the scene has no such word (a direction for an object that bounces). A colour
    avoids the colours already in the scene; every other object, and the object's start, stay."""
    words, current, change = PARTS[part]
    now = current(scene)
    if now is None:
        return None
    taken = {now, scene.background, *(t.colour for t in scene.objects)} if "colour" in part \
        else {now}
    others = [w for w in words if w not in taken]
    return change(scene, others[int(rng.integers(len(others)))])


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _describe(thing: Thing, rng: np.random.Generator, variant: bool, participle: bool) -> str:
    if not variant:
        words = [thing.size or "", thing.colour, thing.shape, thing.motion, thing.direction or "",
                 thing.speed or ""]
    else:
        verbs = _PARTICIPLES if participle else _VERBS
        words = [_pick(rng, _SIZE_WORDS[thing.size]) if thing.size else "", thing.colour,
                 thing.shape, _pick(rng, verbs[thing.motion]),
                 _pick(rng, _DIRECTION_WORDS[thing.direction]) if thing.direction else "",
                 _pick(rng, _SPEED_WORDS[thing.speed]) if thing.speed else ""]
    phrase = " ".join(word for word in words if word)
    return f"{_article(phrase)} {phrase}"


def caption(scene: Scene, rng: np.random.Generator, variant: bool = False) -> str:
    """Describe a scene in the grammar's base form or in one of its natural variants.

    Parameters
    ----------
    scene
        The scene to describe.
    rng
        Chooses the variant's synonyms and word order; the base form draws nothing from it.
    variant
        False for the base form, "a red circle moves left quickly on a blue background" (objects
        joined by "and"); True for a variant such as "a small red circle drifting left over a blue
        backdrop" or "a blue field with a red circle gliding to the left". A camera pan adds
        "while the camera pans left" (or a variant of it) at the end.

    Returns
    -------
    str
        Lower-case words separated by single spaces; ``parse_caption`` reads it back.
    """
    if not variant:
        things = " and ".join(_describe(thing, rng, False, False) for thing in scene.objects)
        pan = f" {_PANS[0]} {scene.camera}" if scene.camera else ""
        return f"{things} on {_article(scene.background)} {scene.background} background{pan}"
    backdrop = f"{_article(scene.background)} {scene.background} {_pick(rng, _BACKDROPS)}"
    pan = (f" {_pick(rng, _PANS)} {_pick(rng, _DIRECTION_WORDS[scene.camera])}" if scene.camera
           else "")
    if rng.random() < 0.3:  # backdrop first reads naturally only with participles
        things = " and ".join(_describe(thing, rng, True, True) for thing in scene.objects)
        return f"{backdrop} with {things}{pan}"
    participle = bool(rng.random() < 0.7)
    things = " and ".join(_describe(thing, rng, True, participle) for thing in scene.objects)
    return f"{things} {_pick(rng, _PREPOSITIONS)} {backdrop}{pan}"


def _phrases(table: Mapping[str, tuple[str, ...]]) -> list[tuple[tuple[str, ...], str]]:
    # Longest spellings first, so "to the left" wins over any shorter prefix.
    pairs = [(tuple(spelling.split()), value) for value, spellings in table.items()
             for spelling in spellings]
    return sorted(pairs, key=lambda pair: -len(pair[0]))


_SIZE_P = _phrases(_SIZE_WORDS)
_SPEED_P = _phrases(_SPEED_WORDS)
_DIRECTION_P = _phrases(_DIRECTION_WORDS)
_VERB_P = _phrases({m: _VERBS[m] + _PARTICIPLES[m] for m in MOTIONS})
_COLOUR_P = _phrases({c: (c, "grey") if c == "gray" else (c,) for c in COLOURS})
_SHAPE_P = _phrases({s: (s,) for s in SHAPES})
_PREPOSITION_P = _phrases({p: (p,) for p in _PREPOSITIONS})
_BACKDROP_P = _phrases({b: (b,) for b in _BACKDROPS})
_PAN_P = _phrases({"pan": _PANS})


class _Reader:
    """Walks a caption's words left to right, naming the word it expected when one does not fit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = re.sub(r"[^a-z ]", " ", text.lower()).split()
        self.at = 0

    def take(self, phrases: list[tuple[tuple[str, ...], str]], what: str | None) -> str | None:
        """The value of the phrase at the cursor; with ``what`` None it is optional."""
        for spelling, value in phrases:
            if tuple(self.words[self.at:self.at + len(spelling)]) == spelling:
                self.at += len(spelling)
                return value
        if what is not None:
            found = repr(self.words[self.at]) if self.at < len(self.words) else "the end"
            raise ValueError(f"caption {self.text!r} is outside the mini world's grammar: expected "
                             f"{what} at word {self.at + 1}, found {found}")
        return None

    def article(self) -> None:
        self.take([(("a",), "a"), (("an",), "an")], "'a' or 'an'")

    def backdrop(self) -> str:
        self.article()
        colour = self.take(_COLOUR_P, "a background colour")
        self.take(_BACKDROP_P, "'background', 'backdrop' or 'field'")
        assert colour is not None
        return colour

    def thing(self) -> dict[str, str | None]:
        self.article()
        size = self.take(_SIZE_P, None)
        colour = self.take(_COLOUR_P, "a colour")
        shape = self.take(_SHAPE_P, "a shape")
        motion = self.take(_VERB_P, "a motion such as 'moves' or 'grows'")
        direction = self.take(_DIRECTION_P, "a direction" if motion == "moves" else None)
        return {"colour": colour, "shape": shape, "size": size, "motion": motion,
                "direction": direction, "speed": self.take(_SPEED_P, None)}

    def things(self) -> list[dict[str, str | None]]:
        things = [self.thing()]
        while self.take([(("and",), "and")], None):
            things.append(self.thing())
        return things

    def end(self) -> None:
        if self.at < len(self.words):
            raise ValueError(f"caption {self.text!r} is outside the mini world's grammar: "
                             f"unexpected {self.words[self.at]!r} at word {self.at + 1}")


def parse_caption(text: str) -> dict[str, object]:
    """Read a base-form or variant caption back into what it asks for.

    Parameters
    ----------
    text
        A caption; case and punctuation are ignored, and "grey" is read as "gray".

    Returns
    -------
    dict
        ``{"objects": [{"colour", "shape", "size", "motion", "direction", "speed"}, ...],
        "background": colour, "camera": direction}`` with canonical names (size, direction, speed
        and camera None when unsaid).

    Raises
    ------
    ValueError
        When the text is outside the grammar; the message names the word that does not fit.
    """
    reader = _Reader(text)
    if reader.words[2:3] and reader.words[2] in _BACKDROPS:  # "a blue backdrop with ..."
        background = reader.backdrop()
        reader.take([(("with",), "with")], "'with'")
        things = reader.things()
    else:
        things = reader.things()
        reader.take(_PREPOSITION_P, "'on', 'over', 'against' or 'in front of'")
        background = reader.backdrop()
    camera = None
    if reader.take(_PAN_P, None):
        camera = reader.take(_DIRECTION_P, "the direction the camera pans")
    reader.end()
    return {"objects": things, "background": background, "camera": camera}


def _vocabulary() -> tuple[str, ...]:
    tables: list[Mapping[str, tuple[str, ...]]] = [
        _SIZE_WORDS, _SPEED_WORDS, _DIRECTION_WORDS, _VERBS, _PARTICIPLES]
    words = {"a", "an", "and", "with", "grey", *COLOURS, *SHAPES, *_BACKDROPS}
    words.update(w for table in tables for spellings in table.values() for s in spellings
                 for w in s.split())
    words.update(w for p in _PREPOSITIONS + _PANS for w in p.split())
    return tuple(sorted(words))


VOCABULARY: tuple[str, ...] = _vocabulary()
