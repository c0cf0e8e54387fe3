"""The Generate menu without an engine: new generated items as undo steps, and refusals."""

from __future__ import annotations

import json

import pytest

from studio.document import serialize
from studio.document.model import Generated, Project
from studio.ui.docks.inspector import NOTHING
from studio.ui.window.main_window import MainWindow


def _json(project: Project) -> str:
    return json.dumps(serialize.encode(project), sort_keys=True)


def _entries(window: MainWindow) -> list[tuple[str, str]]:
    """``(class or generated kind, id)`` of the first track's entries."""
    return [(e.generation.spec.kind if isinstance(e, Generated) else type(e).__name__, e.id)
            for e in window.project.timeline.tracks[0].items]


@pytest.mark.parametrize(("action", "selected", "kind", "place"), [
    ("extend_forward", "clip-2", "extend_forward", 1),  # right after it
    ("extend_backward", "clip-2", "extend_backward", 0),  # right before it
    ("loop", "clip-2", "loop", 1),
])
def test_new_generated_items_go_next_to_the_selection_and_undo_exactly(
        window: MainWindow, action: str, selected: str, kind: str, place: int) -> None:
    before = _json(window.project)
    ids = [i for _k, i in _entries(window)]
    window.timeline.set_selection([selected])
    window.action_set[action].trigger()
    entries = _entries(window)
    index = ids.index(selected) + place
    assert entries[index][0] == kind and entries[index][1] not in ids
    assert window.selection() == [entries[index][1]]  # selected, so the inspector shows it
    assert window.inspector.title.text() != NOTHING
    spec = window.project.find(entries[index][1])[2].generation.spec  # type: ignore[union-attr]
    assert (spec.duration, spec.prompt, spec.pins) == (48, "", ())  # 2 s at 24 fps
    window.action_set["undo"].trigger()
    assert _json(window.project) == before
    window.action_set["redo"].trigger()
    assert _entries(window) == entries


def test_a_bridge_goes_between_two_clips_or_shots(window: MainWindow) -> None:
    window.timeline.set_selection(["gap-1"])
    window.action_set["ripple_delete"].trigger()  # Shot 1 is now followed by Clip 2
    before = _json(window.project)
    window.timeline.set_selection(["shot-1"])
    window.action_set["bridge"].trigger()
    kinds = [k for k, _i in _entries(window)]
    assert kinds[kinds.index("shot") + 1:] == ["bridge", "Clip"]
    window.action_set["undo"].trigger()
    assert _json(window.project) == before


def test_animate_pins_the_selected_still_at_frame_0(window: MainWindow) -> None:
    window.timeline.set_selection(["still-1"])
    window.action_set["animate"].trigger()
    new = next(i for k, i in _entries(window) if k == "shot" and i != "shot-1")
    [pin] = window.project.find(new)[2].generation.spec.pins  # type: ignore[union-attr]
    assert (pin.media_id, pin.at, pin.source.duration) == ("media-still-1", 0, 1)


def test_a_new_shot_with_nothing_selected_goes_in_at_the_playhead(window: MainWindow) -> None:
    window.timeline.set_selection([])
    window.timeline.set_playhead(0)
    window.action_set["new_shot"].trigger()
    assert _entries(window)[0][0] == "shot"


@pytest.mark.parametrize(("action", "selected", "message"), [
    ("animate", "clip-1", "Select a still to animate."),
    ("extend_forward", "still-1", "Select a clip to extend forward."),
    ("bridge", "clip-2", "A bridge goes between two items"),
    # Bridges that could never be generated are refused when made, not at Generate.
    ("bridge", "shot-1", "A bridge needs a clip right after the selected item, not a gap; "
                         "close the gap first."),
    ("bridge", "still-1", "A bridge cannot start or end on a still; animate the still first "
                          "and bridge from that shot."),
    ("generate", "clip-1", "The engine is not running in this window"),
])
def test_refusals_are_one_sentence_in_the_status_bar(window: MainWindow, action: str,
                                                     selected: str, message: str) -> None:
    before = _json(window.project)
    window.timeline.set_selection([selected])
    window.action_set[action].trigger()
    assert window.statusBar().currentMessage().startswith(message)
    assert _json(window.project) == before and window.session.stack.count() == 0


def test_the_engine_status_is_always_in_the_status_bar(window: MainWindow) -> None:
    assert window.status_bar.engine_label.text() == "Engine: off"
