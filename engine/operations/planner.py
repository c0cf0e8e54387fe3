"""The planner: an operation (shot, extend, bridge, loop, long shot) as requests plus exact trims.

Every operation is one or more windows of the one primitive (generate N frames with pins). A plan
says, for each window, the fitted request, the frames of its output that go into the *take* (the
new frames only) and how many of those overlap the take so far (long-shot seams, crossfaded); and
how the take and the source clips join in time order. Planning is pure arithmetic: no torch, no
decoding: clip lengths come in as :class:`Clip` (``engine.operations.runner.probe_clip`` reads one).

Timed prompts (:class:`Cue`) split windows rather than blend conditioning: where the prompt in
force changes at take frame ``T``, the window making the frames before ``T`` ends its new frames
there and the next window starts its new frames at ``T``, pinned to the frames before it::

    prompts   [base ......................)[cue ....................)
    windows   [window 0 ......... T)
                          [c|window 1 ......... )      window 1 prompts the cue from T on

Every window is then still the one primitive with one prompt, which every backend runs as it
is (the diffusers LTX and Wan pipelines take one prompt per call); the change lands exactly at
``T``; and every frame of the take is made with exactly the prompt in force at it, which the
tests check frame by frame. Blending the conditioning inside one window (interpolated text
embeddings, or per-frame cross-attention) would need support the pipelines do not expose, and
an interpolated embedding makes an in-between prompt for the whole window, not a change at
``T``. The cost of splitting is one more window and one more seam per change, and seams are
colour-matched, crossfaded over the pinned context, and measured on every take.

Notation in the diagrams: ``c`` is the context (frames pinned from a clip or the previous window,
``T*k+1`` for a temporal compression ``T``), ``n`` the frames asked for, ``N`` the fitted count of
the request and ``e = N - needed`` the frames the frame rule adds (``0 <= e < T``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from engine.operations.plans import (
    Clip,
    Cue,
    Operation,
    Part,
    Plan,
    PlanError,
    Window,
    fit_up,
    prompt_at,
)
from engine.protocol.drafts import draft_of
from engine.protocol.requests import (
    MAX_RETRIES,
    FrameRange,
    GenerationRequest,
    ModelConstraints,
    Pin,
    fit_down,
    fit_request,
)

__all__ = ["OPERATIONS", "Clip", "Cue", "Operation", "Part", "Plan", "PlanError", "Window",
           "fit_down", "fit_up", "make_plan", "prompt_at"]

OPERATIONS = ("shot", "extend_forward", "extend_backward", "bridge", "loop", "retake")
_CLIPS_NEEDED = {"shot": 0, "extend_forward": 1, "extend_backward": 1, "bridge": 2, "loop": 1,
                 "retake": 1}


def make_plan(base: GenerationRequest, constraints: ModelConstraints, op: Operation,
              scratch: Path) -> Plan:
    """Plan ``op`` for a model: fitted requests, exact trims and the joined assembly.

    Parameters
    ----------
    base
        Model, prompt, size, rate, seed, steps and guidance for every window (its ``frames`` and
        ``pins`` are not used, except a shot's pins); window ``k`` gets seed ``base.seed + k``.
        A draft is planned at its draft's size and steps
        (:func:`engine.protocol.drafts.draft_of`), with a note saying so.
    constraints
        The model's constraints.
    op
        The operation.
    scratch
        A folder for the window outputs that later windows pin (long shots); not created here.

    Raises
    ------
    PlanError
        If the operation cannot be planned; the message says why in one sentence.
    """
    if op.kind not in OPERATIONS:
        raise PlanError(f"The operation {op.kind!r} is not one of {', '.join(OPERATIONS)}.")
    if len(op.clips) != _CLIPS_NEEDED[op.kind]:
        raise PlanError(f"The operation {op.kind} needs {_CLIPS_NEEDED[op.kind]} clips, "
                        f"got {len(op.clips)}.")
    if op.frames < 1:
        raise PlanError(f"The take must be at least one frame long, got {op.frames}.")
    if op.retries is not None and not 0 <= op.retries <= MAX_RETRIES:
        raise PlanError(f"A drifting window can be made again 0 to {MAX_RETRIES} times, got "
                        f"{op.retries}.")
    rule = constraints.frame_rule
    context = op.context if op.context is not None else rule[0] + rule[1]
    if op.context is None and constraints.pin_frames is not None:
        context = min(context, fit_down(constraints.pin_frames, rule) or context)
    if context < 1 or fit_down(context, rule) != context:
        raise PlanError(f"The context must be a frame count the model allows "
                        f"({constraints.rule_text}), got {context}.")
    window = fit_down(min(op.window or constraints.window or constraints.max_frames,
                          constraints.max_frames), rule)
    if window <= context:
        raise PlanError(f"A window of {window} frames leaves no room for new frames after "
                        f"{context} frames of context.")
    for cue in op.cues:
        if not 0 <= cue.frame < op.frames:
            raise PlanError(f"The timed prompt at frame {cue.frame} is past the end of the "
                            f"{op.frames}-frame take; give a frame before it.")
        if not cue.prompt.strip():
            raise PlanError(f"The timed prompt at frame {cue.frame} is empty; give its text.")
    if (op.kind == "retake") != (op.span is not None) or (
            op.span is not None and op.span.frames != op.frames):
        raise PlanError("A retake, and only a retake, takes a range of its clip, as long as "
                        "the take.")
    if base.pins and op.kind != "shot":
        raise PlanError(f"Pins cannot be added to {op.kind}: its pins come from its clips.")
    for clip in op.clips:
        if clip.frames < context:
            raise PlanError(f"The clip {clip.path} has {clip.frames} frames, fewer than the "
                            f"{context} the context pins.")
    fitted, notes = fit_request(dataclasses.replace(base, frames=fit_up(1, rule), pins=()),
                                constraints)
    notes = [note for note in notes if not note.startswith("frames ")]
    if fitted.draft:  # every window runs at the draft's size and steps, with its steps cached
        fitted, drafted = draft_of(fitted, constraints)
        notes += drafted
    planner = _Planner(fitted, base.pins, constraints, op, context, window, scratch)
    windows, joined = getattr(planner, op.kind)()
    if op.retries and not (op.kind == "shot" and len(windows) > 1):
        notes.append(f"the drift retries ({op.retries}) apply only to a long shot's later "
                     f"windows; this take has none, so none are made again.")
    return Plan("long_shot" if op.kind == "shot" and len(windows) > 1 else op.kind, op.clips,
                tuple(windows), op.frames, tuple(joined), tuple(notes), op.retries)


def _tail(clip: Clip, count: int, target: int) -> Pin:
    return Pin(clip.path, target, frame_start=clip.start + clip.frames - count,
               frame_count=count)


def _head(clip: Clip, count: int, target: int) -> Pin:
    return Pin(clip.path, target, frame_start=clip.start, frame_count=count)


def _whole(index: int, clip: Clip) -> Part:
    """All of the clip's used frames (numbered as in its file) in the joined result."""
    return Part(index, FrameRange(clip.start, clip.frames))


class _Planner:
    """One method per operation, each returning ``(windows, joined parts)``."""

    def __init__(self, base: GenerationRequest, pins: tuple[Pin, ...],
                 constraints: ModelConstraints, op: Operation, context: int, window: int,
                 scratch: Path) -> None:
        self.base, self.pins, self.constraints, self.op = base, pins, constraints, op
        self.c, self.window, self.scratch = context, window, scratch
        self.rule = constraints.frame_rule
        self.take = Part(None, FrameRange(0, op.frames))
        # Take frames where the prompt in force changes: no window's new frames straddle one.
        self.changes = sorted({cue.frame for cue in op.cues if cue.frame > 0 and
                               prompt_at(cue.frame, base.prompt, op.cues)
                               != prompt_at(cue.frame - 1, base.prompt, op.cues)})

    def _change_after(self, frame: int) -> int | None:
        """The first prompt change after take frame ``frame``, or None."""
        return next((change for change in self.changes if change > frame), None)

    def _change_before(self, frame: int) -> int | None:
        """The last prompt change before take frame ``frame``, or None."""
        return next((change for change in reversed(self.changes) if change < frame), None)

    def _request(self, k: int, frames: int, pins: tuple[Pin, ...], first: int
                 ) -> GenerationRequest:
        """Window ``k``'s request, prompted by the prompt in force at its first new frame
        ``first`` (the same for all its new frames, since windows are split at changes)."""
        prompt = prompt_at(first, self.base.prompt, self.op.cues)
        request = dataclasses.replace(self.base, frames=frames, pins=pins, prompt=prompt,
                                      seed=(self.base.seed + k) % 2**63)
        fitted, _ = fit_request(request, self.constraints)
        if fitted.frames != frames:  # the planner fits first, so trims are exact
            raise AssertionError(f"planned {frames} frames, fit_request made {fitted.frames}")
        return fitted

    def shot(self) -> tuple[list[Window], list[Part]]:
        """A shot; past one window, a long shot: a chain of windows.

        ::

            one window    [0 ............ n) e        pins where the user put them
            long shot     [window 0 ....... W)
                                     [c|window 1 ....... W)      c = overlap, pinned from the
                                                [c|window 2 .. ) e   window before, crossfaded
            take          [0 ..................................... n)
        """
        if self.op.frames <= self.window and not self.changes:
            frames = fit_up(self.op.frames, self.rule)
            request = self._request(0, frames, self.pins, 0)
            return [Window(request, FrameRange(0, self.op.frames))], [self.take]
        if self.pins:
            raise PlanError("Pins in a long shot or a shot with timed prompts are not supported "
                            "yet; pin a shot of one window and one prompt.")
        return self._chain(None), [self.take]

    def extend_forward(self) -> tuple[list[Window], list[Part]]:
        """Pin A's last ``c`` frames at the start and keep what follows; chains past one window.

        ::

            A        [0 ................ a)
            request          [A[a-c:a] | new ........ n) e     e trailing frames are dropped
            keep                       [c ......... c+n)
            joined   [A ................ a)[take ...... n)
        """
        return self._chain(self.op.clips[0]), [_whole(0, self.op.clips[0]), self.take]

    def extend_backward(self) -> tuple[list[Window], list[Part]]:
        """Pin B's first ``c`` frames at the end and keep what precedes them; past one window,
        chain backwards, each earlier window pinned to the first ``c`` frames of the one after.

        ::

            B                                  [0 ............. b)
            request  e [new ............ n | B[0:c]]                e leading frames are dropped
            keep       [e .......... e+n)     N-c = e+n
            joined     [take ........... n)[B ............. b)
        """
        b = self.op.clips[0]
        return self._chain_back(b), [self.take, _whole(0, b)]

    def bridge(self) -> tuple[list[Window], list[Part]]:
        """A's tail at the start, B's head at the end, both in the same (last) window; keep the
        middle. Past one window, chain forward from A; the last window pins B's head.

        A's pin is exactly ``c`` frames at frame 0, a count the VAE encodes whole, so a backend
        that can (LTX) replaces those latents in place; the frame rule's extra frames widen B's
        pin instead (``c + e`` frames of B, fewer when B is shorter, the rest free and dropped),
        so every frame before B's pin is pinned or kept and the take is exactly ``n`` long.

        ::

            A   [0 .......... a)
            request   [A[a-c:a] | new ...... n | B[0:c+e]]
            keep                [c .... c+n)
            joined   [A ......... a)[take ... n)[B .......... b)
        """
        a, b = self.op.clips
        return self._chain(a, b), [_whole(0, a), self.take, _whole(1, b)]

    def loop(self) -> tuple[list[Window], list[Part]]:
        """A bridge from clip C to itself: C + take plays seamlessly on repeat (chained, as a
        bridge, past one window).

        The request's frames ``[0, c)`` are C's last ``c`` frames and ``[c+n, N)`` are C's
        first ``c+e``, so the take's first frame follows C's last and C's first follows the
        take's last.

        ::

            C        [0 ............. m)
            request        [C[m-c:m] | new ..... n | C[0:c+e]]
            joined   [C ............. m)[take ..... n)  (then C again from frame 0)
        """
        clip = self.op.clips[0]
        return self._chain(clip, clip), [_whole(0, clip), self.take]

    def retake(self) -> tuple[list[Window], list[Part]]:
        """Make a clip's frames ``span`` again, pinned to the frames on both sides: a bridge
        from the clip's part before the span to its part after it (an extension when the span
        touches an end). The context shrinks to what a short side before it has.

        ::

            clip     [0 ...... s)[span ..... t)[t ....... m)
            request       [clip[s-c:s] | new ... n | clip[t:t+c+e]]
            joined   [0 ...... s)[take ..... n)[t ....... m)
        """
        clip, span = self.op.clips[0], self.op.span
        end = clip.start + clip.frames
        if span is None or span.start < clip.start or span.end > end:
            raise PlanError(f"A retake needs a range inside the clip's frames {clip.start}-"
                            f"{end - 1}, got {span and f'{span.start}-{span.end - 1}'}.")
        before = Clip(clip.path, span.start - clip.start, clip.start) if span.start > clip.start \
            else None
        after = Clip(clip.path, end - span.end, span.end) if span.end < end else None
        # The context is rule-fitted from the side it leads with; the trailing pin takes what
        # the side after has (up to c + e frames).
        side = before or after
        self.c = fit_down(min(self.c, side.frames), self.rule) if side else self.c
        if not self.c:
            raise PlanError(f"The clip {clip.path} has too few frames beside the range to pin "
                            "any; retake a range further from its ends.")
        joined = [Part(0, FrameRange(clip.start, before.frames))] if before else []
        joined += [self.take] + ([Part(0, FrameRange(span.end, after.frames))] if after else [])
        windows = self._chain_back(after) if before is None and after is not None \
            else self._chain(before, after)
        return windows, joined

    def _chain(self, lead: Clip | None, trail: Clip | None = None) -> list[Window]:
        """Windows of at most ``window`` frames, each pinned to the ``c`` frames before it.

        The first window is pinned to ``lead``'s tail when there is one; every later one pins
        the last ``c`` frames the previous window gave the take (its output is written to
        ``scratch``), keeps them as a blend over the take's end, and adds up to ``window - c``
        new frames. With a ``trail`` (bridges, loops, retakes) the last window also pins its
        head at its end, ``c + e`` frames where the frame rule adds ``e``, so every frame before
        that pin is pinned or kept; the windows before it leave it as many new frames as it
        holds (``window - 2c``), since it alone sees both ends. Otherwise only the last
        window's request is rounded up, and its extra frames fall at its free end.
        """
        c, left, done = self.c, self.op.frames, 0
        if trail is not None and fit_up(c + 1 + c, self.rule) > self.window:
            raise PlanError(f"The operation {self.op.kind} needs at least "
                            f"{fit_up(c + 1 + c, self.rule)} frames in one request ({c} of "
                            f"context on each side), more than one window of {self.window}.")
        cap = self.window - 2 * c  # the most new frames a window with both pins holds
        windows: list[Window] = []
        previous: tuple[str, int] | None = None  # a window output, and the end of its kept part
        while left:
            context = c if lead is not None else 0
            if previous is not None:  # after a short first window (a prompt change), pin less
                context = fit_down(min(c, previous[1]), self.rule)
            change = self._change_after(done)
            last = change is None and (
                fit_up(context + left + c, self.rule) <= self.window if trail is not None
                else context + left <= self.window)
            if last and trail is not None:
                new = left
                frames = fit_up(context + new + c, self.rule)
            else:
                # Before a trail's window, leave it as many new frames as it can hold, where
                # the way from lead to trail is made; stop at a prompt change.
                reserve = 0 if trail is None else cap if left > cap else 1
                new = min(left - reserve, self.window - context,
                          left if change is None else change - done)
                frames = fit_up(context + new, self.rule)
            lead_count = context
            if previous is not None:
                if not 0 < lead_count <= previous[1]:
                    raise PlanError(f"A window of {self.window} frames is too short to chain "
                                    f"with {c} frames of context (or a timed prompt starts too "
                                    "close to another); ask for a longer window.")
                pins: tuple[Pin, ...] = (Pin(previous[0], 0, frame_start=previous[1] - lead_count,
                                             frame_count=lead_count),)
            elif lead is not None:
                if lead.frames < lead_count:
                    raise PlanError(f"The clip {lead.path} has {lead.frames} frames, fewer than "
                                    f"the {lead_count} this request pins from it.")
                pins = (_tail(lead, lead_count, 0),)
            else:
                pins = ()
            if last and trail is not None:  # c + e of its head: the rule's extra frames
                pins += (_head(trail, min(frames - context - new, trail.frames), context + new),)
            k = len(windows)
            output = None if last else str(self.scratch / f"window-{k:03d}.mp4")
            # The seam blends over the take's last c frames, or all of it when it is shorter.
            blend = min(context, done) if previous is not None else 0
            keep = FrameRange(lead_count - blend, blend + new)
            windows.append(Window(self._request(k, frames, pins, done), keep, blend, output))
            previous = (output, keep.end) if output is not None else None
            done, left = done + new, left - new
        return windows

    def _chain_back(self, trail: Clip) -> list[Window]:
        """Windows planned from ``trail`` backwards: the first pins its head ``c`` frames at its
        end; each later one, earlier in time, pins the first ``c`` frames the window after it
        gave the take, at its own end, and keeps them as a blend over the take's start. The
        earliest window's request is rounded up and its extra frames fall at its free start.
        """
        c, left, done = self.c, self.op.frames, 0
        windows: list[Window] = []
        previous: tuple[str, int] | None = None  # a window output, and the start of its kept part
        while left:
            change = self._change_before(left)
            new = min(left, self.window - c, left if change is None else left - change)
            frames = fit_up(new + c, self.rule)
            if previous is None:
                pins = (_head(trail, c, frames - c),)
                blend = 0
            else:
                pins = (Pin(previous[0], frames - c, frame_start=previous[1], frame_count=c),)
                blend = min(c, done)  # over the take's first c frames, or all of a shorter one
            k = len(windows)
            output = str(self.scratch / f"window-{k:03d}.mp4") if new < left else None
            keep = FrameRange(frames - c - new, new + blend)
            # Its new frames end where the take so far begins: frames left - new to left.
            request = self._request(k, frames, pins, left - new)
            windows.append(Window(request, keep, blend, output, before=True))
            previous = (output, keep.start) if output is not None else None
            done, left = done + new, left - new
        return windows
