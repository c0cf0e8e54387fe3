"""Linked sounds kept with their pictures through ripple edits.

A ripple edit moves what comes after it on its track: an insert, a ripple delete or trim, a
ripple move. On a video track that moves pictures whose linked sounds lie on audio tracks; on an
audio track it moves sounds whose pictures stay. :func:`synced` runs such an edit and then puts
every linked sound back in step with its picture as it was before: the sound shows each source
frame at the time its picture shows it, give or take the offset it had (a J- or L-cut's sound
keeps its lead), so a clip never drifts from its sound because of an edit elsewhere:

- a sound the edit addressed itself (``own``: the item edited, or its own sounds, which the
  edit placed) is left where the edit put it;
- a clip the edit cut in two (an insert or a ripple move into it: the clip keeps its first part,
  a new clip on the same track continues its source) gets its sound cut at the same source
  frame, the second part linked to the second clip (:func:`_follow_cuts`);
- sounds are lifted and put down in runs (neighbours moving by as much go together, with a
  crossfade between them kept); a run that would land on sound that is not moving refuses the
  edit (:class:`EditError`; the caller's recorder rolls it all back).
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


def _source(item: Item) -> FrameRange | None:
    source = getattr(item, "source", None)
    return source if isinstance(source, FrameRange) else None


def _anchor(item: Item, start: int) -> int:
    """The timeline frame where the item's source frame 0 would show (its start for a still)."""
    source = _source(item)
    return start - (source.start if source is not None else 0)


def _pictures(project: Project) -> dict[str, tuple[Track, int, Item]]:
    return {entry.id: (track, start, entry) for track in project.timeline.tracks
            for _index, start, entry in track.layout()}


def _leads(project: Project, pictures: dict[str, tuple[Track, int, Item]]) -> dict[str, int]:
    """Each linked sound's id -> its anchor minus its picture's (0 for a sound in step)."""
    return {entry.id: _anchor(entry, start) - _anchor(pictures[entry.link][2],
                                                      pictures[entry.link][1])
            for track in project.timeline.audio_tracks
            for _index, start, entry in track.layout()
            if isinstance(entry, AudioItem) and entry.link in pictures}


def synced(project: Project, label: str, edit: Callable[[], Change],
           own: Collection[str] = ()) -> Change:
    """Run ``edit``, then bring the linked sounds it moved away from their pictures back."""
    pictures = _pictures(project)
    leads = _leads(project, pictures)
    lengths = {picture_id: item.duration for picture_id, (_t, _s, item) in pictures.items()}
    with Recorder(project, label) as rec:
        rec.ops.extend(edit().ops)
        leads = _follow_cuts(rec, project, leads, lengths, set(own))
        _put_back(rec, project, leads, set(own))
    return rec.change


def _relink(project: Project, sound_id: str, picture_id: str) -> Change:
    return replace_entry(project, sound_id, "Split",
                         lambda old: dataclasses.replace(old, link=picture_id))


def _follow_cuts(rec: Recorder, project: Project, leads: dict[str, int],
                 lengths: dict[str, int], own: set[str]) -> dict[str, int]:
    """Cut and relink the sounds of the clips the edit cut in two; ``leads`` with the parts.

    A picture that was not there before the edit (``lengths``: each picture's length then)
    and that it did not place itself (``own``) is the second part of the nearest picture
    before it on its track that got shorter and whose source it continues.
    """
    leads = dict(leads)
    pictures = _pictures(project)
    for second_id, (track, start, second) in pictures.items():
        source = _source(second)
        if second_id in lengths or second_id in own or source is None:
            continue
        first = next((entry for _index, at, entry in reversed(list(track.layout()))
                      if at < start and entry.id in lengths
                      and entry.duration < lengths[entry.id] and type(entry) is type(second)
                      and getattr(entry, "media_id", None) == getattr(second, "media_id", None)
                      and (_source(entry) or source).end == source.start), None)
        first_source = _source(first) if first is not None else None
        if first is None or first_source is None:
            continue
        end = first_source.end
        for audio in project.timeline.audio_tracks:
            for _index, at, sound in list(audio.layout()):
                if not isinstance(sound, AudioItem) or sound.link != first.id:
                    continue
                lead = leads[sound.id] if sound.id in leads else next(
                    (leads[s.id] for _i, _a, s in audio.layout()
                     if isinstance(s, AudioItem) and s.link == first.id and s.id in leads), 0)
                if sound.source.start < end < sound.source.end:  # it runs on past the cut
                    part_id = new_id("audio")
                    cut(rec, audio, at + end - sound.source.start, drop_transition=False,
                        new_part_id=part_id)
                    tidy(rec, audio)
                    rec.ops.extend(_relink(project, part_id, second_id).ops)
                    leads[part_id] = lead
                elif sound.id not in leads and sound.source.start >= end:
                    # the edit already cut it (a sound inserted on its track): relink the part
                    rec.ops.extend(_relink(project, sound.id, second_id).ops)
                    leads[sound.id] = lead
    return leads


def _put_back(rec: Recorder, project: Project, leads: dict[str, int], own: set[str]) -> None:
    """Move every linked sound out of step with its picture back in step."""
    pictures = _pictures(project)
    for audio in project.timeline.audio_tracks:
        targets: dict[str, int] = {}
        for _index, start, sound in audio.layout():
            if not isinstance(sound, AudioItem) or sound.id in own or sound.id not in leads \
                    or sound.link not in pictures:
                continue
            _track, at, picture = pictures[sound.link]
            target = _anchor(picture, at) + leads[sound.id] + sound.source.start
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
            between = 1 if index >= 1 and isinstance(track.items[index - 1], Transition) else 0
            if last is not None and last[0] + len(last[2]) == index - between \
                    and last[3] - last[1] == shift:
                last[2].extend(track.items[index - between:index + 1])
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
