"""Linked sounds kept with their pictures through ripple edits.

A ripple edit moves what comes after it on its track: an insert, a ripple delete or trim, a
ripple move. On a video track that moves pictures whose linked sounds lie on audio tracks; on an
audio track (the edited clip's own sound closing its hole) it moves sounds whose pictures stay.
:func:`synced` runs such an edit and then puts every linked sound back at the offset from its
picture it had before, so a clip never drifts from its sound because of an edit elsewhere:

- a sound the edit addressed itself (``own``: the item edited, or its own sounds, which the
  edit already placed) is left where the edit put it;
- a sound the edit cut or trimmed (its source range changed) is left too;
- a clip the edit cut in two (an insert or a ripple move into it: the clip keeps its first
  part, a new clip on the same track continues its source) gets its sound cut at the same
  place, the second part linked to the second clip (:func:`_follow_cuts`);
- sounds are lifted and put down in runs (a sound and the next one, with a crossfade between,
  moving by as much go together, their crossfade kept); a run that would land on sound that is
  not moving refuses the edit (:class:`EditError`; the caller's recorder rolls it all back).

Free sound (not linked) on the edited clip's own track closes up with it, as before.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Collection

from .changes import Change, Recorder
from .edit_steps import cut, replace_entry, tidy
from .errors import EditError
from .model import AudioItem, Gap, Item, Project, Track, Transition, new_id
from .timebase import FrameRange

__all__ = ["synced"]


@dataclasses.dataclass(frozen=True)
class _Place:
    """Where a linked sound was: its picture, the sound's start minus the picture's, and its
    source range then (None for a part cut off by the edit, placed whatever it shows)."""

    picture: str
    offset: int
    source: FrameRange | None


def _pictures(project: Project) -> dict[str, tuple[Track, int, Item]]:
    return {entry.id: (track, start, entry) for track in project.timeline.tracks
            for _index, start, entry in track.layout()}


def _places(project: Project) -> dict[str, _Place]:
    pictures = _pictures(project)
    return {entry.id: _Place(entry.link, start - pictures[entry.link][1], entry.source)
            for track in project.timeline.audio_tracks
            for _index, start, entry in track.layout()
            if isinstance(entry, AudioItem) and entry.link in pictures}


def synced(project: Project, label: str, edit: Callable[[], Change],
           own: Collection[str] = ()) -> Change:
    """Run ``edit``, then bring the linked sounds it moved away from their pictures back."""
    before, known = _places(project), frozenset(_pictures(project))
    with Recorder(project, label) as rec:
        rec.ops.extend(edit().ops)
        places = _follow_cuts(rec, project, before, known)
        _put_back(rec, project, places, set(own))
    return rec.change


def _source(item: Item) -> FrameRange | None:
    return getattr(item, "source", None)


def _follow_cuts(rec: Recorder, project: Project, before: dict[str, _Place],
                 known: frozenset[str]) -> dict[str, _Place]:
    """Cut and relink the sounds of the clips the edit cut in two; ``before`` with the parts."""
    places = dict(before)
    pictures = _pictures(project)
    for first_id, (track, _start, first) in pictures.items():
        if first_id not in known or _source(first) is None:
            continue
        second = next((entry for _index, _at, entry in track.layout()
                       if entry.id not in known and type(entry) is type(first)
                       and getattr(entry, "media_id", None) == getattr(first, "media_id", None)
                       and _source(entry) is not None
                       and _source(entry).start == _source(first).end), None)  # type: ignore
        if second is None:
            continue
        first_source, second_source = _source(first), _source(second)
        assert first_source is not None and second_source is not None
        for audio in project.timeline.audio_tracks:
            for _index, at, sound in list(audio.layout()):
                if not isinstance(sound, AudioItem) or sound.link != first_id:
                    continue
                place = places.get(sound.id) or next(
                    (p for p in before.values() if p.picture == first_id), None)
                if place is None:
                    continue
                if sound.source.start < first_source.end < sound.source.end \
                        and sound.source.end <= second_source.end:
                    # the sound runs on past the first part, and no further than the second
                    part_id = new_id("audio")
                    cut(rec, audio, at + first_source.end - sound.source.start,
                        drop_transition=False, new_part_id=part_id)
                    tidy(rec, audio)
                    if sound.id in places:  # its first part follows the first clip
                        places[sound.id] = _Place(first_id, place.offset, None)
                    rec.ops.extend(_relink(project, part_id, second.id).ops)
                    places[part_id] = _Place(second.id, place.offset, None)
                elif sound.id not in before and sound.source.start == second_source.start:
                    # the edit already cut it (a sound inserted on its track): relink the part
                    rec.ops.extend(_relink(project, sound.id, second.id).ops)
                    places[sound.id] = _Place(second.id, place.offset, None)
    return places


def _relink(project: Project, sound_id: str, picture_id: str) -> Change:
    return replace_entry(project, sound_id, "Split",
                         lambda old: dataclasses.replace(old, link=picture_id))


def _put_back(rec: Recorder, project: Project, places: dict[str, _Place],
              own: set[str]) -> None:
    """Move every linked sound that left its offset from its picture back to it."""
    pictures = _pictures(project)
    for audio in project.timeline.audio_tracks:
        targets: dict[str, int] = {}
        for _index, start, sound in audio.layout():
            place = places.get(sound.id)
            if not isinstance(sound, AudioItem) or place is None or sound.id in own \
                    or sound.link != place.picture or place.picture not in pictures \
                    or (place.source is not None and sound.source != place.source):
                continue
            target = pictures[place.picture][1] + place.offset
            if target != start:
                targets[sound.id] = target
        if targets:
            _move_runs(rec, audio, targets)


def _move_runs(rec: Recorder, track: Track, targets: dict[str, int]) -> None:
    """Lift the sounds of ``targets`` off ``track`` in runs and put each run at its target."""
    runs: list[tuple[int, int, list[Item | Transition], int]] = []  # (index, start, entries, to)
    start = 0
    for index, entry in enumerate(track.items):
        if isinstance(entry, Transition):
            continue
        if entry.id in targets:
            shift = targets[entry.id] - start
            last = runs[-1] if runs else None
            joined = (last is not None and index >= 2 and isinstance(track.items[index - 1],
                                                                      Transition)
                      and last[0] + len(last[2]) == index - 1
                      and last[3] - last[1] == shift)
            if joined and last is not None:
                last[2].extend(track.items[index - 1:index + 1])
            else:
                runs.append((index, start, [entry], targets[entry.id]))
        start += entry.duration
    spans = [(to, to + sum(e.duration for e in entries if not isinstance(e, Transition)))
             for _index, _start, entries, to in runs]
    if min(to for to, _end in spans) < 0:
        raise EditError("That edit would put a clip's sound before the timeline's start; "
                        "unlink the sound first.")
    moving = {e.id for *_rest, entries, _to in runs for e in entries}
    for to, end in spans:
        for _index, at, other in track.layout():
            if not isinstance(other, Gap) and other.id not in moving \
                    and at < end and to < at + other.duration:
                raise EditError(f"That edit would move a clip's sound over other sound on "
                                f"{track.name or track.id} to keep it with its picture; make "
                                "room there or unlink the sound first.")
    ordered = sorted(spans)
    if any(a_end > b_start for (_a, a_end), (b_start, _b) in itertools.pairwise(ordered)):
        raise EditError("That edit would put two clips' sounds in the same place on "
                        f"{track.name or track.id}; unlink one of them first.")
    for index, _start, entries, _to in reversed(runs):  # the indexes after it stay right
        length = sum(e.duration for e in entries if not isinstance(e, Transition))
        hi = index + len(entries)
        lo = index - 1 if index > 0 and isinstance(track.items[index - 1], Transition) else index
        if hi < len(track.items) and isinstance(track.items[hi], Transition):
            hi += 1
        rec.splice(track, lo, hi - lo, [Gap(id=new_id("gap"), duration=length)])
    for _index, _start, entries, to in runs:
        length = sum(e.duration for e in entries if not isinstance(e, Transition))
        first = cut(rec, track, to)
        after = cut(rec, track, to + length, keep_right=True)
        rec.splice(track, first, after - first, entries)
    tidy(rec, track)
