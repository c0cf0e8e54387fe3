"""Undo commands and transactions: redo/undo/redo returns identical documents, merges, rollback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtGui import QUndoStack

from studio.document import serialize
from studio.document.errors import EditError
from studio.document.model import (
    Clip,
    Fingerprint,
    GeneratedSpec,
    Generation,
    MediaRef,
    Project,
    Still,
    Take,
)
from studio.document.timebase import FrameRange
from studio.ui import commands as c
from studio.ui.undo import transaction


def _json(project: Project) -> str:
    return json.dumps(serialize.encode(project), sort_keys=True)


def _undo_redo(stack: QUndoStack, document: Project, before: str, after: str,
               rounds: int = 1) -> None:
    """Undo and redo the top step ``rounds`` times, checking the document after each."""
    for _ in range(rounds):
        stack.undo()
        assert _json(document) == before
        stack.redo()
        assert _json(document) == after


def _v1(p: Project) -> str:
    return p.timeline.tracks[0].id


TAKE = Take(id="take-9", job_id="job-9", path="takes/cc.mp4", spec_hash="sha256:2",
            status="done", created="2026-11-23T11:00:00Z")
MEDIA = MediaRef(id="m-new", path="media/c.png", kind="still",
                 fingerprint=Fingerprint(size=1, digest="sha256:" + "cd" * 32), name="c.png")

CASES: dict[str, Callable[[Project], c.EditCommand]] = {
    "insert": lambda p: c.InsertCommand(p, _v1(p), 20, Still(id="s-9", media_id="m-still",
                                                             duration=10)),
    "append": lambda p: c.AppendCommand(p, _v1(p), Clip(id="c-9", media_id="m-clip",
                                                        source=FrameRange(0, 5))),
    "overwrite": lambda p: c.OverwriteCommand(p, _v1(p), 30, Still(id="s-9", media_id="m-still",
                                                                  duration=40)),
    "split": lambda p: c.SplitCommand(p, "g-1", 100),
    "ripple delete": lambda p: c.RippleDeleteCommand(p, "s-1"),
    "lift": lambda p: c.LiftCommand(p, "c-1"),
    "trim": lambda p: c.TrimCommand(p, "c-1", in_delta=2, out_delta=-3),
    "move": lambda p: c.MoveCommand(p, "s-1", _v1(p), 0),
    "set transition": lambda p: c.SetTransitionCommand(p, "c-1", "cut"),
    "set spec": lambda p: c.SetSpecCommand(p, "g-1", prompt="a blue square", seed=11),
    "add take": lambda p: c.AddTakeCommand(p, "g-1", TAKE),
    "choose take": lambda p: c.ChooseTakeCommand(p, "g-1", "take-2"),
    "remove take": lambda p: c.RemoveTakeCommand(p, "g-1", "take-1"),
    "add media": lambda p: c.AddMediaCommand(p, MEDIA),
    "relink media": lambda p: c.RelinkMediaCommand(p, "m-clip", "elsewhere/a.mp4"),
}


@pytest.mark.parametrize("name", CASES)
def test_redo_undo_redo_gives_identical_documents(name: str, document: Any) -> None:
    stack = QUndoStack()
    before = _json(document)
    c.push(stack, CASES[name](document))
    after = _json(document)
    assert after != before
    assert stack.count() == 1 and stack.undoText()
    _undo_redo(stack, document, before, after, rounds=2)


def test_a_drag_is_one_undo_step(document: Any) -> None:
    stack = QUndoStack()
    before = _json(document)
    v2 = document.timeline.tracks[1].id
    for frame in (5, 10, 15, 20):
        c.push(stack, c.MoveCommand(document, "s-2", v2, frame, gesture="drag-1"))
    assert stack.count() == 1
    moved = _json(document)
    assert document.track(v2).start_of(document.track(v2).index_of("s-2")) == 20
    _undo_redo(stack, document, before, moved)
    # A second drag of the same item is a step of its own.
    c.push(stack, c.MoveCommand(document, "s-2", v2, 0, gesture="drag-2"))
    assert stack.count() == 2


def test_typing_into_one_field_merges_but_other_commands_do_not(document: Any) -> None:
    stack = QUndoStack()
    for text in ("a", "ab", "abc"):
        c.push(stack, c.SetSpecCommand(document, "g-1", prompt=text, gesture=("g-1", "prompt")))
    c.push(stack, c.TrimCommand(document, "c-1", out_delta=-1))
    c.push(stack, c.TrimCommand(document, "c-1", out_delta=-1))
    assert stack.count() == 3


def test_a_refused_edit_leaves_document_and_stack_untouched(document: Any) -> None:
    stack = QUndoStack()
    c.push(stack, c.TrimCommand(document, "c-1", out_delta=-1))
    stack.undo()  # keep a redo step: a refused edit must not drop it
    before = _json(document)
    with pytest.raises(EditError, match=r"^The playhead must be inside the item to split it\.$"):
        c.push(stack, c.SplitCommand(document, "c-1", 0))
    assert _json(document) == before
    assert (stack.count(), stack.index(), stack.canRedo()) == (1, 0, True)


def test_a_refused_edit_pushed_directly_is_dropped(document: Any) -> None:
    stack = QUndoStack()
    command = c.RippleDeleteCommand(document, "no-such-item")
    before = _json(document)
    stack.push(command)  # Qt runs redo(); the error cannot cross Qt, so it is recorded
    assert stack.count() == 0 and _json(document) == before


def test_transaction_is_one_step(document: Any) -> None:
    stack = QUndoStack()
    before = _json(document)
    with transaction(stack, "Tidy up"):
        c.push(stack, c.RippleDeleteCommand(document, "s-1"))
        c.push(stack, c.LiftCommand(document, "c-2"))
    after = _json(document)
    assert (stack.count(), stack.undoText()) == (1, "Tidy up")
    _undo_redo(stack, document, before, after)


def test_transaction_rolls_back_on_an_exception(document: Any) -> None:
    stack = QUndoStack()
    c.push(stack, c.TrimCommand(document, "c-1", out_delta=-1))
    before = _json(document)
    with pytest.raises(EditError), transaction(stack, "Ripple delete"):
        c.push(stack, c.RippleDeleteCommand(document, "s-1"))
        c.push(stack, c.RippleDeleteCommand(document, "g-1"))
        c.push(stack, c.RippleDeleteCommand(document, "s-1"))  # already gone: refused
    assert _json(document) == before
    assert (stack.count(), stack.index(), stack.undoText()) == (1, 1, "Trim")


def test_a_refused_transaction_after_an_undo_rolls_back_too(document: Any) -> None:
    # Opening the step drops the redo history; the rollback must still find the step it opened.
    stack = QUndoStack()
    c.push(stack, c.TrimCommand(document, "c-1", out_delta=-1))
    stack.undo()
    before = _json(document)
    with pytest.raises(EditError), transaction(stack, "Ripple delete"):
        c.push(stack, c.RippleDeleteCommand(document, "s-1"))
        c.push(stack, c.RippleDeleteCommand(document, "s-1"))  # already gone: refused
    assert _json(document) == before
    assert stack.count() == 0  # the redo history went, as any new edit's does; no step stays


def test_a_refused_transaction_inside_another_rolls_back_with_it(document: Any) -> None:
    stack = QUndoStack()
    c.push(stack, c.TrimCommand(document, "c-1", out_delta=-1))
    before = _json(document)
    with pytest.raises(EditError), transaction(stack, "Outer"):
        c.push(stack, c.LiftCommand(document, "c-2"))
        with transaction(stack, "Inner"):
            c.push(stack, c.RippleDeleteCommand(document, "s-1"))
            c.push(stack, c.RippleDeleteCommand(document, "s-1"))  # refused
    assert _json(document) == before
    assert (stack.count(), stack.index(), stack.undoText()) == (1, 1, "Trim")


def test_an_empty_transaction_leaves_no_step(document: Any) -> None:
    stack = QUndoStack()
    with transaction(stack, "Nothing"):
        pass
    assert stack.count() == 0


def test_generated_bridge_spec_through_a_command(document: Any) -> None:
    stack = QUndoStack()
    spec = GeneratedSpec(kind="bridge", prompt="morph", duration=16)
    c.push(stack, c.SetTransitionCommand(document, "g-1", "bridge", 8,
                                         generation=Generation(spec=spec), transition_id="t-9"))
    assert document.find("t-9")[2].generation.spec.prompt == "morph"
    stack.undo()
    with pytest.raises(EditError):
        document.find("t-9")


def test_commands_and_undo_use_only_qtgui_from_qt() -> None:
    # import-linter cannot name subpackages of an external package (PySide6.QtWidgets), so
    # STYLE's "studio.ui.commands imports only PySide6.QtGui" is checked here instead.
    import ast
    from pathlib import Path

    import studio.ui.commands
    import studio.ui.undo

    for module in (studio.ui.commands, studio.ui.undo):
        tree = ast.parse(Path(str(module.__file__)).read_text())
        qt = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
              and (n.module or "").startswith("PySide6")}
        qt |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
               if a.name.startswith("PySide6")}
        assert qt == {"PySide6.QtGui"}, module.__name__


def test_a_gesture_replaces_its_previous_request(document: Any) -> None:
    stack = QUndoStack()
    c.push(stack, c.TrimCommand(document, "s-1", out_delta=-1))
    before = _json(document)
    # Each request of a drag counts from the drag's start: -2, then -5, then a refused one.
    c.push_gesture(stack, c.TrimCommand(document, "c-1", out_delta=-2, gesture=7))
    c.push_gesture(stack, c.TrimCommand(document, "c-1", out_delta=-5, gesture=7))
    assert document.find("c-1")[2].duration == 45
    with pytest.raises(EditError):
        c.push_gesture(stack, c.TrimCommand(document, "c-1", out_delta=-50, gesture=7))
    assert document.find("c-1")[2].duration == 45
    assert stack.count() == 2
    stack.undo()
    assert _json(document) == before


def test_a_clip_s_sound_skips_a_locked_audio_track() -> None:
    from studio.document import edits
    from studio.document.model import AudioItem, new_project

    project = new_project("Locked")
    edits.add_media(project, MediaRef(
        id="m-talk", path="talk.mp4", kind="clip", probe={"frames": 50, "has_audio": True},
        fingerprint=Fingerprint(size=1, digest="sha256:" + "00" * 32)))
    edits.add_track(project, kind="audio")
    edits.add_track(project, kind="audio")
    a1, a2 = project.timeline.audio_tracks
    c.SetTrackCommand(project, a1.id, locked=True).redo()
    c.AppendCommand(project, project.timeline.tracks[0].id,
                    Clip(id="talk", media_id="m-talk", source=FrameRange(0, 10))).redo()
    assert [type(item) for item in a2.items] == [AudioItem] and not a1.items
