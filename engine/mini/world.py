"""frameloom-mini's procedural world: random scenes of moving shapes, rendered and captioned."""

from __future__ import annotations

import math
from typing import TypeVar

import cv2
import numpy as np

from engine.mini.captions import (
    COLOURS,
    DIRECTIONS,
    MOTIONS,
    OBJECT_SIZES,
    SHADINGS,
    SHAPES,
    SPEEDS,
    VOCABULARY,
    Scene,
    Thing,
    caption,
    held_out,
    parse_caption,
)

__all__ = [
    "COLOURS", "DIRECTIONS", "FPS", "MOTIONS", "OBJECT_SIZES", "SHADINGS", "SHAPES", "SIZES",
    "SPEEDS", "VOCABULARY", "Scene", "Thing", "World", "caption", "held_out", "parse_caption",
]

_T = TypeVar("_T")

SIZES = ((512, 288), (288, 512), (384, 384))
FPS = 24

# Lengths are fractions of the frame's short side and speeds are per frame at a 288-pixel short
# side, so one scene looks the same at every native size. Objects are large (a default one spans
# about a third of the short side) so that each covers several cells of a 16x video VAE's latent
# grid at frameloom-mini's small default size; at the first radii (0.075 / 0.11 / 0.155) an object
# was less than one latent cell of the CPU model and its VAE learned to drop it (issue 17).
_RADIUS = {"small": 0.12, None: 0.17, "large": 0.22}
_SPEED_PX = {"slowly": 1.5, None: 3.0, "quickly": 5.0}
_GROWTH = {"slowly": 0.015, None: 0.03, "quickly": 0.05}  # log-radius per frame
_SPIN = {"slowly": 3.0, None: 6.0, "quickly": 10.0}  # degrees per frame, below any symmetry angle
_HOP = {"slowly": 20.0, None: 14.0, "quickly": 9.0}  # frames per bounce
# How far each shape reaches from its centre, in radii, so placement keeps it in frame when turned.
_REACH = {"circle": 1.0, "ring": 1.0, "square": 1.2, "triangle": 1.15, "star": 1.1, "bar": 1.3}
_PAN_PX = 2.0  # like _SPEED_PX, per frame at a 288-pixel short side
_SIGN = {"left": -1.0, "right": 1.0, "up": -1.0, "down": 1.0}  # screen axes: y grows downward
_AGAINST = {"left": "right", "right": "left", "up": "down", "down": "up"}
_SYMMETRIC = ("circle", "ring")  # a spin would not show
_GROW_FROM, _SHRINK_FROM, _MAX_RATIO = 0.6, 1.5, 2.5
_MARGIN = 2.0  # pixels between a shape's tip and the frame edge, for its anti-aliased rim
_SUB = 16  # cv2's shift=4: vertices at 1/16 pixel, so slow motion is smooth rather than stepped


def _pan(camera: str | None, size: tuple[int, int], frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame shift (x, y) in pixels of everything in view as the camera pans; zeros for none."""
    t = np.arange(frames, dtype=np.float64) / max(frames - 1, 1)
    still = np.zeros(frames)
    if camera is None:
        return still, still
    along = size[0] if camera in ("left", "right") else size[1]
    # A quarter of the frame at most, so objects placed for the pan always have room.
    travel = min(_PAN_PX * min(size) / 288 * max(frames - 1, 1), 0.25 * along)
    shift = -_SIGN[camera] * travel * t  # the view moves one way, its content the other
    return (shift, still) if camera in ("left", "right") else (still, shift)


def _track(thing: Thing, size: tuple[int, int], frames: int, camera: str | None = None
           ) -> np.ndarray:
    """Per-frame centre x, centre y, radius and angle in pixels and degrees: (frames, 4)."""
    width, height = size
    short = min(width, height)
    t = np.arange(frames, dtype=np.float64)
    last = max(frames - 1, 1)
    radius = np.full(frames, _RADIUS[thing.size] * short)
    if thing.motion in ("grows", "shrinks"):
        ratio = min(math.exp(_GROWTH[thing.speed] * last), _MAX_RATIO)
        grow = ratio ** (t / last)
        radius = radius * (_GROW_FROM * grow if thing.motion == "grows" else _SHRINK_FROM / grow)
    reach = float(radius.max()) * _REACH[thing.shape] + _MARGIN
    spans = (max(width - 2 * reach, 0.0), max(height - 2 * reach, 0.0))
    shifts = _pan(camera, size, frames)
    if thing.motion == "moves" and thing.direction is not None:
        horizontal = thing.direction in ("left", "right")
        # A long clip slows down rather than leaving the frame: the caption's direction stays true.
        travel = min(_SPEED_PX[thing.speed] * short / 288 * last, spans[0 if horizontal else 1])
        shift = _SIGN[thing.direction] * travel * t / last
        shifts = (shift, np.zeros(frames)) if horizontal else (np.zeros(frames), shift)
    # The start slides just far enough that the whole path stays inside the frame.
    x, y = (float(np.clip(reach + fraction * span, reach - move.min(), reach + span - move.max()))
            + move for fraction, span, move in zip(thing.start, spans, shifts))
    angle = np.zeros(frames)
    if thing.motion == "bounces":
        y = y - min(0.3 * short, float(y.min()) - reach) * np.abs(
            np.sin(math.pi * t / _HOP[thing.speed]))
    elif thing.motion == "spins":
        angle = _SPIN[thing.speed] * t
    return np.stack([x, y, radius, angle], axis=1)


def _polygon(shape: str, x: float, y: float, r: float, angle: float) -> np.ndarray:
    """Fixed-point vertices of a filled shape, turned ``angle`` degrees clockwise on screen."""
    if shape == "square":
        radii, turns = np.full(4, 1.2 * r), np.arange(4) * 90.0 + 45.0
    elif shape == "triangle":
        radii, turns = np.full(3, 1.15 * r), np.arange(3) * 120.0 - 90.0
    elif shape == "star":
        radii, turns = np.where(np.arange(10) % 2, 0.45 * r, 1.1 * r), np.arange(10) * 36.0 - 90.0
    else:  # bar: a long horizontal rectangle
        half = math.degrees(math.atan2(0.35, 1.25))
        radii = np.full(4, r * math.hypot(1.25, 0.35))
        turns = np.array([half, 180 - half, 180 + half, -half])
    theta = np.radians(turns + angle)
    points = np.stack([x + radii * np.cos(theta), y + radii * np.sin(theta)], axis=1)
    return np.round(points * _SUB).astype(np.int32)


def _draw(image: np.ndarray, shape: str, colour: tuple[int, int, int], pose: np.ndarray) -> None:
    x, y, r, angle = (float(v) for v in pose)
    centre = (round(x * _SUB), round(y * _SUB))
    if shape == "circle":
        cv2.circle(image, centre, round(r * _SUB), colour, -1, cv2.LINE_AA, shift=4)
    elif shape == "ring":
        thickness = max(2, round(0.35 * r))
        cv2.circle(image, centre, round((r - thickness / 2) * _SUB), colour, thickness, cv2.LINE_AA,
                   shift=4)
    else:
        cv2.fillPoly(image, [_polygon(shape, x, y, r, angle)], colour, cv2.LINE_AA, shift=4)


def _backdrop(scene: Scene, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A uint8 (height, width, 3) background, larger by the pan's travel when the camera pans;
    shading moves it by at most about 16 grey levels."""
    width, height = size
    if scene.camera is not None:
        width += math.ceil(0.25 * width) if scene.camera in ("left", "right") else 0
        height += math.ceil(0.25 * height) if scene.camera in ("up", "down") else 0
    colour = np.array(COLOURS[scene.background], dtype=np.float32)
    if scene.shading == "solid":
        return np.broadcast_to(colour.astype(np.uint8), (height, width, 3)).copy()
    if scene.shading == "gradient":
        theta = rng.uniform(0, 2 * math.pi)
        xs = np.linspace(-1, 1, width, dtype=np.float32)[None, :] * math.cos(theta)
        ys = np.linspace(-1, 1, height, dtype=np.float32)[:, None] * math.sin(theta)
        field = (xs + ys) / math.sqrt(2)
    else:  # texture: a few soft blobs, upsampled from a coarse random grid
        coarse = rng.standard_normal((5, 5)).astype(np.float32)
        field = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC) / 2
    shaded = colour + 16.0 * np.clip(field, -1, 1)[..., None]
    return np.clip(shaded + 0.5, 0, 255).astype(np.uint8)


class World:
    """Draws random scenes, renders them as RGB clips and captions them.

    Parameters
    ----------
    seed
        Seeds the generator used whenever a method is given no ``rng``, so ``World(seed)`` alone
        gives a reproducible stream of samples.
    shadings
        The background shadings ``scene`` may draw; ``("solid",)`` for flat backgrounds only.
    spread
        How far objects' starts scatter: 1 over the whole room their motion leaves, less
        towards its middle (0 starts every object at the same place for its motion). Training
        on a narrower spread asks the model to commit to one place rather than average many.
    single
        The share of scenes with one object when ``scene`` is given no count.
    shapes, motions
        The shapes and motions ``scene`` draws objects with (all by default); a narrower world
        is a training curriculum's first phase (``world_shapes`` and ``world_motions`` of
        :class:`engine.mini.parts.Preset`).
    """

    def __init__(self, seed: int, shadings: tuple[str, ...] = SHADINGS, *, spread: float = 1.0,
                 single: float = 0.6, shapes: tuple[str, ...] = SHAPES,
                 motions: tuple[str, ...] = MOTIONS) -> None:
        for name, chosen, every in (("shadings", shadings, SHADINGS), ("shapes", shapes, SHAPES),
                                    ("motions", motions, MOTIONS)):
            if not chosen or set(chosen) - set(every):
                raise ValueError(f"{name} must be a non-empty subset of {every}, got {chosen}")
        if set(shapes) <= set(_SYMMETRIC) and set(motions) == {"spins"}:
            raise ValueError(f"{' and '.join(shapes)} cannot spin: give another motion")
        if not (0.0 <= spread <= 1.0 and 0.0 <= single <= 1.0):
            raise ValueError(f"spread and single are shares from 0 to 1, got {spread} and {single}")
        self.shapes = tuple(shapes)
        self.motions = tuple(motions)
        self.shadings = shadings
        self.spread = spread
        self.single = single
        self._rng = np.random.default_rng(seed)

    def scene(self, rng: np.random.Generator | None = None, *, held_out: bool = False,
              count: int | None = None) -> Scene:
        """Draw a random scene.

        Parameters
        ----------
        rng
            The generator to draw from; the world's own when None.
        held_out
            False draws only scenes ``held_out`` rejects (for training); True only scenes it
            accepts (for evaluation).
        count
            One or two objects; None draws one with probability 0.6, else two.

        Returns
        -------
        Scene
            Objects never take the background's colour and two objects never share a colour; their
            starts are chosen so they do not overlap during a 25-frame clip at any native size.
        """
        rng = self._rng if rng is None else rng
        if count not in (None, 1, 2):
            raise ValueError(f"a scene holds one or two objects, not {count}")
        count = count or (1 if rng.random() < self.single else 2)
        background = _choice(rng, tuple(COLOURS))
        shading = _choice(rng, self.shadings)
        while True:
            things = [self._thing(rng, background) for _ in range(count)]
            if held_out:
                things[int(rng.integers(count))] = self._held_thing(rng, background)
            colours = {thing.colour for thing in things}
            scene = Scene(background, tuple(things), shading)
            if len(colours) == count and background not in colours and _held(scene) == held_out:
                break
        camera = None
        # Pans show only against a texture, and with objects that do not travel themselves.
        if shading == "texture" and all(t.motion != "moves" for t in things) and rng.random() < 0.5:
            camera = _choice(rng, DIRECTIONS)
        for _ in range(30):  # re-place until the objects keep apart; a crowded draw keeps its last
            placed = tuple(_replace_start(thing, rng, camera, self.spread)
                           for thing in scene.objects)
            scene = Scene(background, placed, shading, camera)
            if count == 1 or not _overlaps(scene):
                break
        return scene

    def _thing(self, rng: np.random.Generator, background: str) -> Thing:
        shape = _choice(rng, self.shapes)
        if shape in _SYMMETRIC and self.motions == ("spins",):
            shape = _choice(rng, tuple(s for s in self.shapes if s not in _SYMMETRIC))
        colour = _choice(rng, tuple(c for c in COLOURS if c != background))
        motions = (self.motions if shape not in _SYMMETRIC
                   else tuple(m for m in self.motions if m != "spins"))
        motion = _choice(rng, motions)
        direction = _choice(rng, DIRECTIONS) if motion == "moves" else None
        size = _choice(rng, (None, None, *OBJECT_SIZES))
        speed = _choice(rng, (None, None, *SPEEDS))
        return Thing(shape, colour, motion, direction, size, speed)

    def _held_thing(self, rng: np.random.Generator, background: str) -> Thing:
        thing = self._thing(rng, background)
        if rng.random() < 0.5:
            return Thing("triangle", "purple", thing.motion, thing.direction, thing.size,
                         thing.speed)
        return Thing(thing.shape, "green", "moves", "up", thing.size, thing.speed)

    def render(self, scene: Scene, size: tuple[int, int], frames: int = 25,
               rng: np.random.Generator | None = None) -> np.ndarray:
        """Render a scene as an RGB clip.

        Parameters
        ----------
        scene
            What to draw.
        size
            (width, height) in pixels; any size works, SIZES are the native ones.
        frames
            How many frames; motion is per frame (at FPS), so a longer clip travels further, up to
            the frame's edge, and then moves more slowly instead of leaving it.
        rng
            Draws the shading's gradient direction or texture; the world's own when None.

        Returns
        -------
        numpy.ndarray
            uint8 (frames, height, width, 3), RGB, shapes anti-aliased at sub-pixel positions.
        """
        rng = self._rng if rng is None else rng
        width, height = size
        video = np.empty((frames, height, width, 3), dtype=np.uint8)
        backdrop = _backdrop(scene, size, rng)
        if scene.camera is None:
            video[:] = backdrop
        else:
            shift_x, shift_y = _pan(scene.camera, size, frames)
            # Whole-pixel steps suffice here: the textures that make a pan visible are soft blobs.
            left = np.round(shift_x.max() - shift_x).astype(int)
            top = np.round(shift_y.max() - shift_y).astype(int)
            for frame, x, y in zip(video, left, top):
                frame[:] = backdrop[y:y + height, x:x + width]
        for thing in scene.objects:
            colour = COLOURS[thing.colour]
            for frame, pose in zip(video, _track(thing, size, frames, scene.camera)):
                _draw(frame, thing.shape, colour, pose)
        return video

    def sample(self, rng: np.random.Generator | None = None, size: tuple[int, int] | None = None,
               frames: int = 25) -> tuple[np.ndarray, str, Scene]:
        """Draw a training scene, render it and caption it.

        Parameters
        ----------
        rng
            The generator to draw from; the world's own when None.
        size
            (width, height); None picks one of SIZES at random.
        frames
            Clip length in frames.

        Returns
        -------
        tuple
            The clip (as ``render`` returns it), its caption (base or variant form, evenly), and the
            scene, never a held-out one.
        """
        rng = self._rng if rng is None else rng
        size = size or SIZES[int(rng.integers(len(SIZES)))]
        scene = self.scene(rng)
        video = self.render(scene, size, frames, rng)
        return video, caption(scene, rng, variant=bool(rng.random() < 0.5)), scene


_held = held_out  # World.scene's keyword shadows the rule's name


def _choice(rng: np.random.Generator, options: tuple[_T, ...]) -> _T:
    return options[int(rng.integers(len(options)))]


def _replace_start(thing: Thing, rng: np.random.Generator, camera: str | None = None,
                   spread: float = 1.0) -> Thing:
    # Movers (and everything in a pan) start on their trailing side and bouncers low, so the
    # motion has room in frame. A spread under 1 draws from the middle of each range.
    x, y = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
    if spread < 1.0:
        x, y = 0.5 + spread * (x - 0.5), 0.5 + spread * (y - 0.5)
    drift = thing.direction or _AGAINST.get(camera or "")
    if drift in ("right", "down"):
        x, y = (0.3 * x, y) if drift == "right" else (x, 0.3 * y)
    elif drift in ("left", "up"):
        x, y = (1 - 0.3 * x, y) if drift == "left" else (x, 1 - 0.3 * y)
    elif thing.motion == "bounces":
        y = 0.6 + 0.4 * y
    return Thing(thing.shape, thing.colour, thing.motion, thing.direction, thing.size, thing.speed,
                 (x, y))


def _overlaps(scene: Scene, frames: int = 25) -> bool:
    for size in SIZES:
        (a, b) = (_track(thing, size, frames, scene.camera) for thing in scene.objects)
        reach_a, reach_b = (_REACH[thing.shape] for thing in scene.objects)
        gap = np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])
        if np.any(gap < a[:, 2] * reach_a + b[:, 2] * reach_b + 2):
            return True
    return False
