"""Random sequences of edits keep the document valid, views that follow the events stay in
step, and undoing every edit in reverse order returns the exact starting document."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from document_factory import build_document
from studio.document import changes, edits, serialize
from studio.document.errors import EditError
from studio.document.model import Clip, Gap, Project, Still, Transition
from studio.document.timebase import FrameRange
from studio.document.validate import validate


class TrackMirror:
    """A stand-in for a timeline view: it knows the tracks only through the events."""

    def __init__(self, project: Project) -> None:
        self.rows = {t.id: [e.id for e in t.items] for t in project.timeline.tracks}
        ev = project.events
        ev.track_spliced.connect(self.spliced)
        ev.track_added.connect(
            lambda tl, i, t: self.rows.__setitem__(t.id, [e.id for e in t.items]))
        ev.track_removed.connect(lambda tl, i, t: self.rows.pop(t.id))

    def spliced(self, track, index, removed, inserted) -> None:
        row = self.rows[track.id]
        assert row[index:index + len(removed)] == [e.id for e in removed]
        row[index:index + len(removed)] = [e.id for e in inserted]


def _entry_ids(project: Project, *, items_only: bool = True) -> list[str]:
    return [e.id for t in project.timeline.tracks for e in t.items
            if not (items_only and isinstance(e, Transition))]


step = st.tuples(
    st.sampled_from(["insert", "overwrite", "split", "ripple_delete", "lift", "trim", "trim_nr",
                     "move", "move_ripple", "crossfade", "cut", "set_spec"]),
    st.integers(0, 400), st.integers(-30, 30), st.integers(1, 60), st.integers(0, 10**6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=25))
def test_random_edits_stay_valid_and_undo_exactly(steps: list[tuple]) -> None:
    project = build_document()
    start = copy.deepcopy(project)
    mirror = TrackMirror(project)
    done: list[changes.Change] = []
    for n, (kind, frame, delta, length, pick) in enumerate(steps):
        ids = _entry_ids(project)
        target = ids[pick % len(ids)] if ids else None
        tracks = project.timeline.tracks
        track_id = tracks[pick % len(tracks)].id
        new_still = Still(id=f"new-{n}", media_id="m-still", duration=length)
        try:
            if kind == "insert":
                change = edits.insert(project, track_id, frame, new_still)
            elif kind == "overwrite":
                change = edits.overwrite(project, track_id, frame, Clip(
                    id=f"new-{n}", media_id="m-clip", source=FrameRange(pick % 60, length)))
            elif target is None:
                continue
            elif kind == "split":
                track, index, _ = project.find(target)
                change = edits.split(project, target, track.start_of(index) + length)
            elif kind == "ripple_delete":
                change = edits.ripple_delete(project, target)
            elif kind == "lift":
                change = edits.lift(project, target)
            elif kind in ("trim", "trim_nr"):
                change = edits.trim(project, target, in_delta=delta if pick % 2 else 0,
                                    out_delta=0 if pick % 2 else delta, ripple=kind == "trim")
            elif kind in ("move", "move_ripple"):
                change = edits.move(project, target, track_id, frame, ripple=kind == "move_ripple")
            elif kind == "crossfade":
                change = edits.set_transition(project, target, "crossfade", length % 12 + 1)
            elif kind == "cut":
                change = edits.set_transition(project, target, "cut")
            else:
                change = edits.set_spec(project, target, seed=pick)
        except EditError:
            continue  # refused edits must leave the document valid too (checked below)
        finally:
            validate(project)
            assert mirror.rows == {t.id: [e.id for e in t.items] for t in project.timeline.tracks}
        done.append(change)
        assert all(not isinstance(t.items[-1], Gap) for t in project.timeline.tracks if t.items)
    assert serialize.decode(serialize.encode(project), Project) == project
    for change in reversed(done):
        changes.revert(project, change)
    assert project == start
    assert mirror.rows == {t.id: [e.id for e in t.items] for t in start.timeline.tracks}
