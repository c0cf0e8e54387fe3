"""The retake shot for a marked range: frames In to Out of one clip or take, made again.

::

    timeline   | A ........[In ..... Out]........ |     retake     | A1 | R | A2 |
                          ^ first     ^ last

``R`` is a generated item of kind ``retake`` whose spec names A's source and the span of it
to make again (:class:`~studio.document.model.RetakeSource`); placed over A with an
overwrite, it leaves A's frames either side as ``A1`` and ``A2``, and the engine pins those
very frames on both sides of the new ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import EditError
from .model import (
    Clip,
    Generated,
    GeneratedSpec,
    Generation,
    Project,
    RetakeSource,
    Track,
    new_id,
)
from .timebase import FrameRange

__all__ = ["retake_item"]


def _under(project: Project, frame: int, selected: Sequence[str]
           ) -> tuple[Track, int, Clip | Generated] | None:
    """The clip or generated shot at timeline ``frame``: a selected one first, then the one on
    the highest track."""
    found: list[tuple[Track, int, Clip | Generated]] = []
    for track in reversed(project.timeline.tracks):
        for _index, start, item in track.layout():
            if isinstance(item, (Clip, Generated)) and start <= frame < start + item.duration:
                found.append((track, start, item))
    found.sort(key=lambda hit: hit[2].id not in selected)  # stable: selected, then top down
    return found[0] if found else None


def _name(item: Clip | Generated) -> str:
    if item.name:
        return f"'{item.name}'"
    return "the clip" if isinstance(item, Clip) else "the shot"


def retake_item(project: Project, first: int, last: int, *, selected: Sequence[str] = (),
                seed: int = 0) -> tuple[str, int, Generated]:
    """A retake of timeline frames ``first`` to ``last`` (both included) of the clip or
    generated shot under them: ``(track id, frame to place it at, the new item)``.

    A shot's retake starts from its spec (prompt, model, steps...), a clip's from an empty
    prompt; ``seed`` is the new take's.

    Raises
    ------
    EditError
        In one sentence, when the range does not lie inside one clip or shot with a finished
        take, or leaves none of its frames on either side to pin.
    """
    if last < first:
        raise EditError("Out is before In; mark In, then Out after it.")
    hit = _under(project, first, selected)
    if hit is None:
        raise EditError("In and Out must lie inside one clip or generated shot; mark a range "
                        "over one.")
    track, start, item = hit
    if last >= start + item.duration:
        raise EditError(f"In and Out must lie inside one clip, and Out is past the end of "
                        f"{_name(item)}; move Out before frame {start + item.duration}.")
    span = FrameRange(item.source.start + first - start, last - first + 1)
    if span == item.source:
        raise EditError(f"In and Out cover the whole of {_name(item)}, so no frames are left "
                        "to pin; mark a range inside it.")
    if isinstance(item, Clip):
        source = RetakeSource(shown=item.source, span=span, media_id=item.media_id)
        spec = GeneratedSpec(kind="retake", prompt="", duration=span.duration, seed=seed,
                             retake=source)
    else:
        take = item.generation.active_take
        if take is None or take.status != "done":
            raise EditError(f"There is no finished take of {_name(item)} to retake; "
                            "generate it first.")
        old = item.generation.spec
        source = RetakeSource(shown=item.source, span=span, take_path=take.path)
        spec = GeneratedSpec(kind="retake", prompt=old.prompt, duration=span.duration,
                             negative_prompt=old.negative_prompt, model_id=old.model_id,
                             seed=seed, steps=old.steps, guidance=old.guidance,
                             width=old.width, height=old.height, retake=source)
    name = f"Retake of {item.name}" if item.name else "Retake"
    retake = Generated(id=new_id("gen"), generation=Generation(spec=spec),
                       source=FrameRange(0, span.duration), name=name)
    return track.id, first, retake
