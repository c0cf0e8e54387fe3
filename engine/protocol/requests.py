"""GenerationRequest and Pin, the one primitive the engine runs, with validation and fitting."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from engine.protocol.fields import FieldError, build, check_fields

MAX_PROMPT_CHARS = 10_000
MAX_PATH_CHARS = 4_096
MAX_PINS = 64
MAX_LORAS = 8
#: The attention backends a request may ask for (diffusers' dispatcher runs them): ``native``
#: is torch's scaled_dot_product_attention choosing its own kernel, ``math`` its plain one;
#: ``cudnn``, ``flash`` and ``sage`` need a CUDA GPU (and, for the last two, their packages).
ATTENTION_BACKENDS = ("native", "math", "cudnn", "flash", "sage")
#: Memory profiles, fastest first (``engine.models.profiles`` says what each does); a request
#: may ask for one, or ``auto`` for the engine's choice.
MEMORY_PROFILES = ("full", "tiled", "offload", "sequential")
MAX_SEED = 2**63 - 1


class RequestError(FieldError):
    """A generation request that is malformed or cannot run; the message is one sentence."""


@contextlib.contextmanager
def _as_request_error() -> Iterator[None]:
    """Report a field error as a RequestError, the one error callers of this module catch."""
    try:
        yield
    except RequestError:
        raise
    except FieldError as exc:
        raise RequestError(str(exc)) from None


def _in_range(name: str, value: float, low: float, high: float, kind: str = "an integer") -> None:
    if not low <= value <= high:
        raise RequestError(f"{name} must be {kind} from {low} to {high}, got {value}.")


def _text(name: str, value: str, limit: int, *, empty: bool = True) -> None:
    if not empty and not value.strip():
        raise RequestError(f"{name} must not be empty or only spaces.")
    if len(value) > limit:
        raise RequestError(f"{name} must be at most {limit} characters, got {len(value)}.")


class _Wire:
    """What every type here shares: a JSON-ready dict and back, bad fields as RequestError."""

    def to_dict(self) -> dict[str, Any]:
        """The object as a JSON-ready dict: nested objects as dicts, tuples as lists."""
        data = dataclasses.asdict(self)  # type: ignore[call-overload]
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in data.items()}

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "") -> Self:
        """Build one from a JSON object; raises RequestError naming the bad field."""
        with _as_request_error():
            return typing.cast(Self, build(cls, data, where))


@dataclass(frozen=True)
class Pin(_Wire):
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
        with _as_request_error():
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


@dataclass(frozen=True)
class LoraChoice(_Wire):
    """A LoRA added to the request's model (by its name there) and how strongly it applies.

    Strength 0 leaves the model as it is; 1 is the LoRA as trained.
    """

    name: str
    strength: float = 1.0

    def __post_init__(self) -> None:
        with _as_request_error():
            check_fields(self)
        _text("name", self.name, 100, empty=False)
        _in_range("strength", self.strength, -4.0, 4.0, "a number")


@dataclass(frozen=True)
class GenerationRequest(_Wire):
    """Generate ``frames`` frames at ``width`` x ``height`` from a prompt, with pins held in place.

    Construction validates every field, so an instance is always structurally sound; whether a
    particular model can run it is :func:`fit_request`'s question.

    ``draft`` asks for a quick look: the engine runs it at half the size, with half the steps
    and its denoising steps cached (:func:`engine.protocol.drafts.draft_of`), and records
    these full settings, so the same request without ``draft`` is its final. ``loras`` are
    LoRAs added to the model, each with its strength, applied for this request only.
    ``attention`` is the attention backend the transformer runs (:data:`ATTENTION_BACKENDS`),
    and ``compile`` compiles its repeated blocks (regional compilation) before it runs.
    ``profile`` is the memory profile to start with (:data:`MEMORY_PROFILES`; ``auto``: the
    engine chooses from free memory); ``sequential`` is group offloading with CUDA streams.
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
    draft: bool = False
    loras: tuple[LoraChoice, ...] = field(default=())
    attention: str = "native"
    compile: bool = False
    profile: str = "auto"

    LIMITS: ClassVar[dict[str, tuple[int, int]]] = {
        "width": (32, 4096), "height": (32, 4096), "frames": (1, 2000), "fps": (1, 120),
        "seed": (0, MAX_SEED), "steps": (1, 500)}

    def __post_init__(self) -> None:
        with _as_request_error():
            check_fields(self)
        _text("model_id", self.model_id, 200, empty=False)
        _text("prompt", self.prompt, MAX_PROMPT_CHARS, empty=False)
        _text("negative_prompt", self.negative_prompt, MAX_PROMPT_CHARS)
        for name, (low, high) in self.LIMITS.items():
            _in_range(name, getattr(self, name), low, high)
        _in_range("guidance", self.guidance, 0.0, 50.0, "a number")
        if self.attention not in ATTENTION_BACKENDS:
            raise RequestError(f"attention must be one of {', '.join(ATTENTION_BACKENDS)}, got "
                               f"{self.attention!r}.")
        if self.profile not in ("auto", *MEMORY_PROFILES):
            raise RequestError(f"profile must be auto or one of {', '.join(MEMORY_PROFILES)}, "
                               f"got {self.profile!r}.")
        names = [lora.name for lora in self.loras]
        if len(names) > MAX_LORAS or len(set(names)) != len(names):
            raise RequestError(f"loras must name at most {MAX_LORAS} different LoRAs, got "
                               f"{', '.join(names)}.")
        if len(self.pins) > MAX_PINS:
            raise RequestError(f"pins must hold at most {MAX_PINS} pins, got {len(self.pins)}.")
        for i, pin in enumerate(self.pins):
            if pin.target_frame + pin.frame_count > self.frames:
                raise RequestError(
                    f"pins[{i}] covers frames {pin.target_frame} to "
                    f"{pin.target_frame + pin.frame_count - 1}, outside the shot's "
                    f"frames 0 to {self.frames - 1}.")


# A job's stored request carries its operation under this key; the worker takes it out.
OPERATION_KEY = "operation"
OPERATION_KINDS = ("shot", "extend_forward", "extend_backward", "bridge", "loop", "retake")
_CLIPS_FOR = {"shot": 0, "extend_forward": 1, "extend_backward": 1, "bridge": 2, "loop": 1,
              "retake": 1}


@dataclass(frozen=True)
class TimedPrompt(_Wire):
    """From take frame ``frame`` on, ``prompt`` is in force (a long shot's per-window prompts)."""

    frame: int
    prompt: str

    def __post_init__(self) -> None:
        with _as_request_error():
            check_fields(self)
        _in_range("frame", self.frame, 0, 10**6)
        _text("prompt", self.prompt, MAX_PROMPT_CHARS, empty=False)


@dataclass(frozen=True)
class FrameRange(_Wire):
    """``frames`` frames from frame ``start`` (OTIO's TimeRange in integer frames).

    The engine's one range type: the part of a source clip an operation uses (numbered as in
    the file, such as the part of a trimmed clip a timeline shows), and the planner's trims and
    joins. It is also importable as ``ClipRange``, the name the studio uses.
    """

    start: int
    frames: int

    def __post_init__(self) -> None:
        with _as_request_error():
            check_fields(self)
        _in_range("start", self.start, 0, 10**7)
        _in_range("frames", self.frames, 1, 10**7)

    @property
    def end(self) -> int:
        """The frame after the last one."""
        return self.start + self.frames


ClipRange = FrameRange  # the studio's name for a source clip's range; the same class


MAX_RETRIES = 8
"""The most times an operation may make a drifting window of a long shot again."""


@dataclass(frozen=True)
class OperationSpec(_Wire):
    """An operation on source clips that the engine plans into one or more requests.

    The submitted request is the base: its prompt, size, seed, steps and guidance; its
    ``frames`` is ignored in favour of ``frames`` here, the take's exact length.

    Parameters
    ----------
    kind
        ``shot`` (long when past one window), ``extend_forward``, ``extend_backward``,
        ``bridge``, ``loop`` or ``retake`` (frames ``span`` of its clip made again, pinned to
        the frames on both sides).
    frames
        The take's length: the new frames only.
    clips
        Source clip paths: one for extends and loops, two (A then B) for a bridge.
    context
        Frames pinned from a clip or a previous window; None lets the engine choose.
    window
        The longest single request of a long shot; None for the model's own limit.
    cues
        Timed prompts.
    ranges
        The frames of each clip to use, one :class:`FrameRange` per clip; empty for all of
        every clip.
    span
        A retake's frames of its clip to make again, ``frames`` long; None for other kinds.
    retries
        The most times a long shot's window that drifts in colour is made again with another
        seed, 0 to :data:`MAX_RETRIES`; None for the engine's default.
    """

    kind: str
    frames: int
    clips: tuple[str, ...] = ()
    context: int | None = None
    window: int | None = None
    cues: tuple[TimedPrompt, ...] = ()
    ranges: tuple[FrameRange, ...] = ()
    span: FrameRange | None = None
    retries: int | None = None

    def __post_init__(self) -> None:
        with _as_request_error():
            check_fields(self)
        if self.kind not in OPERATION_KINDS:
            raise RequestError(f"kind must be one of {', '.join(OPERATION_KINDS)}, got "
                               f"{self.kind!r}.")
        _in_range("frames", self.frames, 1, 100_000)
        if self.retries is not None:
            _in_range("retries", self.retries, 0, MAX_RETRIES)
        if len(self.clips) != _CLIPS_FOR[self.kind]:
            raise RequestError(f"A {self.kind} operation takes {_CLIPS_FOR[self.kind]} source "
                               f"clip(s), got {len(self.clips)}.")
        for path in self.clips:
            _text("clips", path, MAX_PATH_CHARS, empty=False)
        if self.ranges and len(self.ranges) != len(self.clips):
            raise RequestError(f"ranges must give one range per clip ({len(self.clips)}), "
                               f"got {len(self.ranges)}.")
        if (self.kind == "retake") != (self.span is not None):
            raise RequestError(f"span must be given for a retake and only for one, got "
                               f"{self.span} for {self.kind}.")
        if self.span is not None and self.span.frames != self.frames:
            raise RequestError(f"span must be as long as the take ({self.frames} frames), got "
                               f"{self.span.frames}.")
        for cue in self.cues:
            if cue.frame >= self.frames:
                raise RequestError(f"cues hold a prompt from frame {cue.frame}, past the end "
                                   f"of the {self.frames}-frame take.")


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
        ``(modulus, remainder)``: frame counts ``modulus * k + remainder``; ``"8k+1"`` is
        ``(8, 1)``.
    max_frames
        The longest shot the model makes in one window.
    fps
        The frame rate the model was trained at, or None when any rate will do.
    pin_frames
        The most frames one clip pin may hold, or None for any: a model that conditions on a
        first (and last) frame only holds one, so the planner pins one frame of context.
    window
        The longest window the planner chains a long shot or an operation in when the request
        names none, or None for ``max_frames``: a model trained on short clips (frameloom-mini,
        25 frames) holds its objects still over windows much longer than that.
    """

    size_multiple: int
    frame_rule: tuple[int, int]
    max_frames: int
    fps: int | None = None
    pin_frames: int | None = None
    window: int | None = None

    def __post_init__(self) -> None:
        modulus, remainder = self.frame_rule
        if self.size_multiple < 1 or modulus < 1 or not 0 <= remainder < modulus \
                or self.max_frames < 1 or (self.pin_frames is not None and self.pin_frames < 1) \
                or (self.window is not None and not 1 <= self.window <= self.max_frames):
            raise ValueError(f"impossible model constraints: {self!r}")

    @property
    def rule_text(self) -> str:
        """The frame rule as people write it, e.g. ``"8k+1"``."""
        modulus, remainder = self.frame_rule
        return f"{modulus}k+{remainder}" if remainder else f"{modulus}k"


def fit_down(frames: int, rule: tuple[int, int]) -> int:
    """The largest count the frame rule allows that is at most ``frames`` (0 when none is)."""
    modulus, remainder = rule
    fitted = frames - (frames - remainder) % modulus
    return fitted if fitted >= max(remainder, 1) else 0


def round_size(value: int, multiple: int) -> int:
    """``value`` to the nearest multiple of ``multiple``, from one multiple up to 4096."""
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
        fitted = round_size(value, multiple)
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
