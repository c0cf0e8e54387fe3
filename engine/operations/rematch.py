"""Match a take's colour again where it meets a source clip, when its seam says it is off.

Windows of one take are matched to each other as they are made (``engine.operations.runner``),
but a take's ends meet frames nobody generated: clip A before an extend, clip B after a bridge,
the clip's start after a loop's wrap, the frames around a retake. When the mean colours across
such a join differ by more than :data:`COLOUR_LIMIT` Delta E, the take is graded towards the
clip in Lab (mean and std of its frames nearest the join against the clip's), fully at that end
and fading to nothing at its other end when both ends meet a clip; with a clip at one end only,
the whole take is graded alike so that no drift is added inside it. The graded take is kept only
if its seams are better (:func:`better`); either way the seam record says which ends were
matched, and each join whether it still shows (its jump above :data:`JUMP_LIMIT`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.operations.colour import from_lab, lab_stats, to_lab
from engine.operations.plans import Plan
from engine.operations.seams import delta_e

COLOUR_LIMIT = 3.0
"""Delta E across a join above which the take is matched again (2.3 is a just-noticeable
difference; a little more leaves the model's own changes of light alone)."""
JUMP_LIMIT = 2.0
"""A join whose jump is above this many median frame changes shows (the studio's meter turns
red there too)."""
_EDGE = 8  # frames each side of a join whose colour statistics are matched
_MIN_GAIN, _MAX_GAIN = 0.5, 2.0


def _take_part(plan: Plan) -> tuple[int, int, int]:
    """Index of the take among ``plan.joined``, its first frame in the joined result, its length."""
    at = 0
    for index, part in enumerate(plan.joined):
        if part.clip is None:
            return index, at, part.span.frames
        at += part.span.frames
    raise ValueError("the plan's joined result holds no take")


def _ends(plan: Plan, joined: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per end of the take that meets a clip: (the take's frames there, the clip's frames)."""
    index, at, frames = _take_part(plan)
    edge = min(_EDGE, frames)
    ends = {}
    if index > 0:
        ends["start"] = (joined[at:at + edge], joined[max(0, at - _EDGE):at])
    after = joined[at + frames:at + frames + _EDGE]
    if plan.operation == "loop" and index == len(plan.joined) - 1:
        after = joined[:_EDGE]  # the loop plays on into the clip's start
    if len(after):
        ends["end"] = (joined[at + frames - edge:at + frames], after)
    return ends


def _graded(lab: np.ndarray, own: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``lab`` shifted so that ``own`` would have ``reference``'s Lab mean and std."""
    own_mean, own_std = lab_stats(own)
    ref_mean, ref_std = lab_stats(reference)
    gain = np.clip(ref_std / np.maximum(own_std, 1e-3), _MIN_GAIN, _MAX_GAIN)
    return np.asarray((lab - own_mean) * gain + ref_mean)


def rematch(plan: Plan, take: np.ndarray, joined: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The take graded towards the clips it meets where their colours differ too much.

    Parameters
    ----------
    plan
        The operation's plan (which clips come before and after the take).
    take
        uint8 frames ``(N, H, W, 3)``.
    joined
        The joined result made from ``take`` (:func:`engine.operations.runner.join`); its
        frames around the take are what the take is matched to.

    Returns
    -------
    take, matched
        The graded take (``take`` itself when nothing was matched) and the ends matched:
        ``"start"`` and/or ``"end"``.
    """
    ends = _ends(plan, joined)
    matched = [side for side, (own, clip) in ends.items() if delta_e(own, clip) > COLOUR_LIMIT]
    if not matched:
        return take, []
    lab = to_lab(take).astype(np.float64)
    # Both ends meet clips: each grade fades out across the take. One end: the whole take.
    fade = np.linspace(1.0, 0.0, len(take)) if len(ends) == 2 else np.ones(len(take))
    graded = lab.copy()
    for side in matched:
        own, clip = ends[side]
        weight = (fade if side == "start" else fade[::-1]).reshape(-1, 1, 1, 1)
        graded += weight * (_graded(lab, own, clip) - lab)
    return from_lab(graded.astype(np.float32)), matched


def _touching(seams: dict[str, Any]) -> list[dict[str, Any]]:
    return [join for join in seams["joins"]
            if any(not name.startswith("window ") for name in join["between"])]


def better(after: dict[str, Any], before: dict[str, Any]) -> bool:
    """Whether the seams of a graded take beat the original's: the largest colour difference
    at a join with a clip falls, and the largest jump there does not grow by more than 5%."""
    new, old = _touching(after), _touching(before)
    if not old:
        return False
    colour: bool = max(j["delta_e"] for j in new) < max(j["delta_e"] for j in old)
    jump: bool = max(j["jump"] for j in new) <= 1.05 * max(j["jump"] for j in old)
    return colour and jump


def mark_visible(seams: dict[str, Any], matched: list[str]) -> dict[str, Any]:
    """The seam record with ``matched`` (the take's ends graded again) and, per join,
    ``visible``: its jump above :data:`JUMP_LIMIT`. The colour difference is of up to 8 frames
    each side, so a take that changes colour on purpose (a bridge from a blue clip to a black
    one) shows a large one at a join it crosses smoothly; the jump is the change at the join."""
    joins = [{**join, "visible": join["jump"] > JUMP_LIMIT} for join in seams["joins"]]
    return {**seams, "joins": joins, "matched": matched}
