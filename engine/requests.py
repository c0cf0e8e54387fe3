"""GenerationRequest and Pin, the one primitive the engine runs, with validation and model fitting."""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

MAX_PROMPT_CHARS = 10_000
MAX_PATH_CHARS = 4_096
MAX_PINS = 64
MAX_SEED = 2**63 - 1


class RequestError(ValueError):
    """A generation request that is malformed or cannot run; the message is one readable sentence."""


def _describe(hint: Any) -> str:
    """Name a type hint in words, for error messages a user may read."""
    if hint is type(None):
        return "null"
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return " or ".join(_describe(a) for a in args)
    origin = typing.get_origin(hint)
    if origin is tuple:
        return "a list"
    if origin is dict or hint is dict:
        return "an object"
    words = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return words.get(hint, "an object" if dataclasses.is_dataclass(hint) else str(hint))


def coerce(value: Any, hint: Any, name: str) -> Any:
    """Check ``value`` against a type hint, converting JSON shapes to the dataclass ones.

    Lists become tuples, objects become nested dataclasses (through their ``from_dict``) and
    integers become floats where a float is expected. ``engine.protocol`` shares this check.

    Parameters
    ----------
    value
        The value to check, from JSON or from Python.
    hint
        A resolved type hint: ``str``, ``int``, ``float``, ``bool``, ``Any``, ``X | None``,
        ``tuple[X, ...]``, ``dict[str, X]`` or a dataclass with ``from_dict``.
    name
        The field's name, which starts the error message.

    Returns
    -------
    Any
        The value, converted.

    Raises
    ------
    RequestError
        If the value does not fit the hint.
    """
    if hint is Any:
        return value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, types.UnionType) or origin is typing.Union:
        for arm in args:
            try:
                return coerce(value, arm, name)
            except RequestError:
                continue
        raise RequestError(f"{name} must be {_describe(hint)}, got {type(value).__name__}.")
    ok = True
    if hint is type(None):
        ok = value is None
    elif hint is bool or hint is str:
        ok = type(value) is hint
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            try:
                value = float(value)
            except OverflowError:  # a huge JSON integer has no float
                ok = False
            if ok and not math.isfinite(value):
                raise RequestError(f"{name} must be a finite number, got {value}.")
    elif origin is tuple:
        if not isinstance(value, (list, tuple)):
            ok = False
        else:
            return tuple(coerce(item, args[0], f"{name}[{i}]") for i, item in enumerate(value))
    elif origin is dict or hint is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            ok = False
        else:
            inner = args[1] if args else Any
            return {k: coerce(v, inner, f"{name}.{k}") for k, v in value.items()}
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, dict):
            return getattr(hint, "from_dict")(value, where=f"{name}.")
        ok = isinstance(value, hint)
    else:  # a hint this checker was never taught: a programming error, not bad input
        raise TypeError(f"coerce() does not know the type hint {hint!r}")
    if not ok:
        raise RequestError(f"{name} must be {_describe(hint)}, got {type(value).__name__}.")
    return value


def build(cls: type[Any], data: Any, where: str = "") -> Any:
    """Build dataclass ``cls`` from a JSON object, refusing unknown and missing keys.

    Parameters
    ----------
    cls
        A dataclass whose ``__post_init__`` checks its fields.
    data
        The decoded JSON object.
    where
        A prefix for field names in error messages, such as ``"pins[0]."``.

    Raises
    ------
    RequestError
        Naming the first field that is unknown, missing or wrong.
    """
    label = where.rstrip(".") or cls.__name__
    if not isinstance(data, dict):
        raise RequestError(f"{label} must be an object, got {type(data).__name__}.")
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise RequestError(f"{where}{unknown[0]} is not a field of {cls.__name__}.")
    for f in known.values():
        if f.name not in data and f.default is dataclasses.MISSING \
                and f.default_factory is dataclasses.MISSING:
            raise RequestError(f"{where}{f.name} is missing.")
    try:
        return cls(**data)
    except RequestError as exc:
        # __post_init__ names bare fields; the prefix says where in a nested object they are.
        raise RequestError(f"{where}{exc}") from None


def check_fields(obj: Any) -> None:
    """Coerce every field of a frozen dataclass to its hint, in place."""
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        converted = coerce(value, hints[f.name], f.name)
        if converted is not value:
            object.__setattr__(obj, f.name, converted)  # frozen: the only way to normalise


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of ``cls``, cached because resolving them parses annotations."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _in_range(name: str, value: float, low: float, high: float, kind: str = "an integer") -> None:
    if not low <= value <= high:
        raise RequestError(f"{name} must be {kind} from {low} to {high}, got {value}.")


def _text(name: str, value: str, limit: int, *, empty: bool = True) -> None:
    if not empty and not value.strip():
        raise RequestError(f"{name} must not be empty.")
    if len(value) > limit:
        raise RequestError(f"{name} must be at most {limit} characters, got {len(value)}.")


@dataclass(frozen=True)
class Pin:
    """A known picture held at a frame of the generated shot.

    Parameters
    ----------
    path
        An image file, or a clip file when ``frame_start`` is given.
    target_frame
        The first frame of the shot the pin lands on.
    strength
        How firmly the shot keeps the pin, 0 to 1.
    frame_start
        The clip's first frame to use; None for a still image.
    frame_count
        How many frames of the clip to pin (1 for an image).
    """

    path: str
    target_frame: int
    strength: float = 1.0
    frame_start: int | None = None
    frame_count: int = 1

    def __post_init__(self) -> None:
        check_fields(self)
        _text("path", self.path, MAX_PATH_CHARS, empty=False)
        _in_range("target_frame", self.target_frame, 0, 1999)
        _in_range("strength", self.strength, 0.0, 1.0, "a number")
        if self.frame_start is None and self.frame_count != 1:
            raise RequestError(f"frame_count must be 1 for a still image (no frame_start), "
                               f"got {self.frame_count}.")
        if self.frame_start is not None:
            _in_range("frame_start", self.frame_start, 0, 10**9)
        _in_range("frame_count", self.frame_count, 1, 2000)

    def to_dict(self) -> dict[str, Any]:
        """The pin as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "") -> Pin:
        """Build a pin from a JSON object; raises RequestError naming the bad field."""
        return typing.cast(Pin, build(cls, data, where))


@dataclass(frozen=True)
class GenerationRequest:
    """Generate ``frames`` frames at ``width`` x ``height`` from a prompt, with pins held in place.

    Construction validates every field, so an instance is always structurally sound; whether a
    particular model can run it is :func:`fit_request`'s question.
    """

    model_id: str
    prompt: str
    width: int
    height: int
    frames: int
    fps: int
    seed: int
    steps: int
    guidance: float
    negative_prompt: str = ""
    pins: tuple[Pin, ...] = field(default=())

    LIMITS: ClassVar[dict[str, tuple[int, int]]] = {
        "width": (32, 4096), "height": (32, 4096), "frames": (1, 2000), "fps": (1, 120),
        "seed": (0, MAX_SEED), "steps": (1, 500)}

    def __post_init__(self) -> None:
        check_fields(self)
        _text("model_id", self.model_id, 200, empty=False)
        _text("prompt", self.prompt, MAX_PROMPT_CHARS)
        _text("negative_prompt", self.negative_prompt, MAX_PROMPT_CHARS)
        for name, (low, high) in self.LIMITS.items():
            _in_range(name, getattr(self, name), low, high)
        _in_range("guidance", self.guidance, 0.0, 50.0, "a number")
        if len(self.pins) > MAX_PINS:
            raise RequestError(f"pins must hold at most {MAX_PINS} pins, got {len(self.pins)}.")
        for i, pin in enumerate(self.pins):
            if pin.target_frame + pin.frame_count > self.frames:
                raise RequestError(
                    f"pins[{i}] covers frames {pin.target_frame} to "
                    f"{pin.target_frame + pin.frame_count - 1}, outside the shot's "
                    f"frames 0 to {self.frames - 1}.")

    def to_dict(self) -> dict[str, Any]:
        """The request as a JSON-ready dict (pins as a list of dicts)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["pins"] = [pin.to_dict() for pin in self.pins]
        return data

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "") -> GenerationRequest:
        """Build a request from a JSON object; raises RequestError naming the bad field."""
        return typing.cast(GenerationRequest, build(cls, data, where))


def parse_frame_rule(rule: str) -> tuple[int, int]:
    """Read a frame-count rule such as ``"8k+1"`` as ``(modulus, remainder)``."""
    match = re.fullmatch(r"\s*(\d+)\s*k\s*(?:\+\s*(\d+))?\s*", rule)
    if not match:
        raise RequestError(f"frame rule {rule!r} is not of the form 'Nk+R'.")
    return int(match[1]), int(match[2] or 0)


@dataclass(frozen=True)
class ModelConstraints:
    """What one model family accepts: sizes, frame counts and frame rate.

    Parameters
    ----------
    size_multiple
        Width and height must be multiples of this.
    frame_rule
        ``(modulus, remainder)``: frame counts ``modulus * k + remainder``; ``"8k+1"`` is ``(8, 1)``.
    max_frames
        The longest shot the model makes in one window.
    fps
        The frame rate the model was trained at, or None when any rate will do.
    """

    size_multiple: int
    frame_rule: tuple[int, int]
    max_frames: int
    fps: int | None = None

    def __post_init__(self) -> None:
        modulus, remainder = self.frame_rule
        if self.size_multiple < 1 or modulus < 1 or not 0 <= remainder < modulus \
                or self.max_frames < 1:
            raise ValueError(f"impossible model constraints: {self!r}")

    @property
    def rule_text(self) -> str:
        """The frame rule as people write it, e.g. ``"8k+1"``."""
        modulus, remainder = self.frame_rule
        return f"{modulus}k+{remainder}" if remainder else f"{modulus}k"


def _round_size(value: int, multiple: int) -> int:
    nearest = max(multiple, (value + multiple // 2) // multiple * multiple)
    return nearest if nearest <= 4096 else 4096 // multiple * multiple


def fit_request(request: GenerationRequest,
                constraints: ModelConstraints) -> tuple[GenerationRequest, list[str]]:
    """Adjust a request to what a model accepts, saying what changed.

    Width and height go to the nearest multiple of the size multiple; frames go up to the next
    count the frame rule allows (never down, so pins stay inside the shot); the frame rate becomes
    the model's own when it has one.

    Parameters
    ----------
    request
        A structurally valid request.
    constraints
        The model's constraints.

    Returns
    -------
    tuple[GenerationRequest, list[str]]
        The fitted request and one readable note per change (empty when nothing changed).

    Raises
    ------
    RequestError
        If the shot is longer than the model can make in one window.
    """
    notes: list[str] = []
    changes: dict[str, Any] = {}
    multiple = constraints.size_multiple
    for name in ("width", "height"):
        value = getattr(request, name)
        fitted = _round_size(value, multiple)
        if fitted != value:
            changes[name] = fitted
            notes.append(f"{name} {value} became {fitted}, a multiple of {multiple}.")
    modulus, remainder = constraints.frame_rule
    frames = request.frames
    fitted_frames = frames + (remainder - frames) % modulus
    if fitted_frames > constraints.max_frames:
        raise RequestError(
            f"frames {frames} is more than this model makes in one shot "
            f"({constraints.max_frames}); shorten it or split it into a long shot.")
    if fitted_frames != frames:
        changes["frames"] = fitted_frames
        notes.append(f"frames {frames} became {fitted_frames}; this model makes "
                     f"{constraints.rule_text} frames.")
    if constraints.fps is not None and constraints.fps != request.fps:
        changes["fps"] = constraints.fps
        notes.append(f"fps {request.fps} became {constraints.fps}, the model's frame rate.")
    return dataclasses.replace(request, **changes), notes
