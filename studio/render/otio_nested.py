"""A nested OTIO Stack or Track as the plain items of one track, the way OTIO flattens it."""

from __future__ import annotations

from typing import Any

import opentimelineio as otio

__all__ = ["edge_gaps", "flattened", "gap"]


def gap(duration: Any) -> Any:
    """An OTIO gap lasting ``duration`` (a RationalTime)."""
    return otio.schema.Gap(source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, duration.rate), duration))


def edge_gaps(children: list[Any]) -> list[Any]:
    """``children`` of a track with the time OTIO adds for transitions at its ends as gaps.

    OTIO lengthens a track by a leading transition's ``in_offset`` (a fade from black) and a
    trailing one's ``out_offset`` (a fade to black); with a gap there the transition has an
    item on each side, as the document needs, and the track keeps OTIO's length even where
    the transition itself cannot be kept.
    """
    children = list(children)
    if children and isinstance(children[0], otio.schema.Transition) and \
            children[0].in_offset.value > 0:
        children.insert(0, gap(children[0].in_offset))
    if children and isinstance(children[-1], otio.schema.Transition) and \
            children[-1].out_offset.value > 0:
        children.append(gap(children[-1].out_offset))
    return children


def _copy(track: Any) -> Any:
    """A free copy of a video track, its edge transitions' time held by gaps."""
    copy = otio.schema.Track(name=track.name, kind=track.kind)
    copy.extend(c.clone() for c in edge_gaps(list(track)))
    return copy


def flattened(composition: Any) -> tuple[Any, list[Any]]:
    """What ``composition`` (a Stack or Track inside a track) shows, as one track.

    A stack's video tracks are flattened with OTIO's ``flatten_stack`` (at each time, the item
    of the top-most track that is not a gap there), trimmed to the composition's trimmed range
    with ``track_trimmed_to_range``, and padded with a gap to that range's length where the
    video ends sooner (OTIO sizes a stack by its longest child, audio included). Compositions
    nested deeper stay items of the result; flatten them in turn.

    Returns
    -------
    tuple
        The flattened ``otio.schema.Track``, and the stack's tracks that are not video (left
        out, for the caller to report).

    Raises
    ------
    ValueError
        Saying why, if OTIO cannot flatten or trim it (a stack holding something other than
        tracks, a trim that ends inside a transition).
    """
    shown = composition.trimmed_range()
    left_out: list[Any] = []
    if isinstance(composition, otio.schema.Track) and \
            composition.kind != otio.schema.TrackKind.Video:
        raise ValueError(f"it is an {composition.kind.lower()} track")
    if isinstance(composition, otio.schema.Stack):
        for child in composition:
            if not isinstance(child, otio.schema.Track):
                raise ValueError(f"it holds a {child.schema_name()} outside a track")
        video = [_copy(t) for t in composition if t.kind == otio.schema.TrackKind.Video]
        left_out = [t for t in composition if t.kind != otio.schema.TrackKind.Video]
        flat = otio.algorithms.flatten_stack(video) if len(video) > 1 else \
            video[0] if video else otio.schema.Track()
    else:
        flat = _copy(composition)
    try:
        if composition.source_range is not None:
            flat = otio.algorithms.track_trimmed_to_range(flat, shown)
        missing = shown.duration - flat.duration()
    except otio.exceptions.OTIOError as exc:
        raise ValueError(str(exc).rstrip(".")) from None
    if missing.value > 0:
        flat.append(gap(missing))
    return flat, left_out
