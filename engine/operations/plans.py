"""The planner's types: an operation as asked, and a plan's windows, trims and joined parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.protocol.requests import FrameRange, GenerationRequest, RequestError


class PlanError(RequestError):
    """An operation that cannot be planned (a clip too short, a take too long); one sentence."""


@dataclass(frozen=True)
class Clip:
    """A source clip: its path, and the ``frames`` of it used, from its frame ``start``.

    An operation continues the part a timeline shows: a clip trimmed to its frames 10-59 is
    ``Clip(path, 50, start=10)``, and extending it forward pins its frames before 60.
    """

    path: str
    frames: int
    start: int = 0


@dataclass(frozen=True)
class Cue:
    """A timed prompt: from take frame ``frame`` on, ``prompt`` is in force."""

    frame: int
    prompt: str


@dataclass(frozen=True)
class Operation:
    """What the user asked for, before fitting.

    Parameters
    ----------
    kind
        One of :data:`OPERATIONS`; a shot longer than one window becomes a long shot.
    frames
        The take's length: the new frames, exactly.
    clips
        The source clips (A for extends and loops, A and B for a bridge).
    context
        Frames pinned from a clip or a previous window; None for one latent chunk plus one.
    window
        The longest request of a long shot; None for the model's own (its constraints'
        ``window``, else ``max_frames``).
    cues
        Timed prompts; each must start inside the take. Windows are split where the prompt in
        force changes, so every window's new frames share one prompt (the module docstring).
    span
        A retake's frames of its clip to make again (numbered as in the file); None otherwise.
    retries
        The most times a long shot's window that drifts in colour is made again with another
        seed (``engine.operations.runner.DRIFT_LIMIT``); None for the engine's default, 0 never.
    """

    kind: str
    frames: int
    clips: tuple[Clip, ...] = ()
    context: int | None = None
    window: int | None = None
    cues: tuple[Cue, ...] = ()
    span: FrameRange | None = None
    retries: int | None = None


@dataclass(frozen=True)
class Window:
    """One request of a plan and what becomes of its output.

    Parameters
    ----------
    request
        The fitted request (its ``frames`` already obey the model's frame rule).
    keep
        The output frames that go into the take.
    blend
        How many of the kept frames lie over the take's last frames (a long-shot seam): the
        window is colour-matched to the take over them, then crossfaded.
    output
        Where the runner writes this window's frames because the next window pins them, or None.
    before
        The window comes before the take so far in time (a long backward extension, planned
        from its clip backwards): its kept frames go in front, and ``blend`` counts its *last*
        kept frames, which lie over the take's first ones.
    """

    request: GenerationRequest
    keep: FrameRange
    blend: int = 0
    output: str | None = None
    before: bool = False


@dataclass(frozen=True)
class Part:
    """A piece of the joined result: the ``span`` of source clip ``clip``, or of the take when
    ``clip`` is None."""

    clip: int | None
    span: FrameRange


@dataclass(frozen=True)
class Plan:
    """Requests, trims and assembly of one operation; see the module docstring."""

    operation: str
    clips: tuple[Clip, ...]
    windows: tuple[Window, ...]
    take_frames: int
    joined: tuple[Part, ...]
    notes: tuple[str, ...] = ()
    retries: int | None = None  # the operation's, for the runner (None: its default)

    @property
    def joined_frames(self) -> int:
        """The joined result's length: the sources' and the take's frames together."""
        return sum(part.span.frames for part in self.joined)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready settings (what a take's metadata records)."""
        return {"operation": self.operation, "sources": [c.path for c in self.clips],
                "source_ranges": [[c.start, c.frames] for c in self.clips],
                "take_frames": self.take_frames, "notes": list(self.notes),
                "retries": self.retries,
                "windows": [{"request": w.request.to_dict(), "keep": [w.keep.start, w.keep.frames],
                             "blend": w.blend, "before": w.before} for w in self.windows],
                "joined": [{"clip": p.clip, "frames": [p.span.start, p.span.frames]}
                           for p in self.joined]}


def fit_up(frames: int, rule: tuple[int, int]) -> int:
    """The smallest count the frame rule allows that is at least ``frames`` (as fit_request)."""
    modulus, remainder = rule
    return max(frames + (remainder - frames) % modulus, remainder or modulus)


def prompt_at(frame: int, base: str, cues: tuple[Cue, ...]) -> str:
    """The prompt in force at take frame ``frame``: the latest cue at or before it, else base."""
    in_force = [cue for cue in cues if cue.frame <= frame]
    return max(in_force, key=lambda cue: cue.frame).prompt if in_force else base
