"""From a generated item to an engine job, and from a finished job back to a take (no Qt).

A job's id names the project and the item it was asked for (``PROJECT/ITEM/NONCE``), so a take
that finishes while the studio is closed, or after the engine restarted, still finds its item
when the studio next hears of the job; nothing about the pairing lives only in memory.

The item's kind picks the operation, and its neighbours on the track give the clips:

- ``shot``: the spec's pins at their frames (a still pinned at 0 animates it);
- ``extend_forward``: the clip (or finished take) just before the item;
- ``extend_backward``: the clip just after it;
- ``bridge``: the clips on either side (of the item, or of the transition that holds it);
- ``loop``: the clip just before it;
- ``retake``: the clip or take its spec names (``spec.retake``), not a neighbour: the item
  stands where the retaken frames stood, and the engine pins that source's frames either
  side of its ``span``.

Each clip goes with the range of its file's own frames that the timeline shows (a
``ClipRange``), so the engine continues a trimmed clip from its last shown frame, and leads into
its first shown one, rather than from the ends of its file; a take is ranged the same way.

A finished job's settings carry the engine's seam measures; :func:`take_for` keeps their
worst figures in the take's metadata (:func:`seam_figures`) for the takes list to show. A take
whose file carries sound (LTX-2 makes AAC with its video) is marked so in its metadata under
``sound`` (:func:`take_sound`: codec, sample rate, channels); its file then goes in the media
pool and its sound under the shot as a linked item (:mod:`studio.engine_link.take_files`,
:mod:`studio.document.take_sounds`).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import math
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

from engine.protocol import (
    ClipRange,
    GenerationRequest,
    LoraChoice,
    OperationSpec,
    Pin,
    atomic_output,
)
from studio.document import serialize
from studio.document.errors import EditError
from studio.document.model import (
    Clip,
    Generated,
    Generation,
    Project,
    Still,
    Take,
    TrackEntry,
    Transition,
    new_id,
)
from studio.document.persistence import resolve_media_path
from studio.engine_link.drafts import draft_record, ran_as_draft
from studio.errors import MediaError, StudioError
from studio.media.probe import open_container

__all__ = ["GenerationSetupError", "entry_of_job", "job_id_for", "request_for", "seam_figures",
           "store_take", "take_for", "take_sound"]

_SEP = "/"


class GenerationSetupError(StudioError):
    """An item cannot be turned into a job yet; ``str(error)`` says what to change."""


def job_id_for(project: Project, entry_id: str) -> str:
    """A fresh job id that names ``project`` and the item it generates for."""
    return _SEP.join((project.id, entry_id, uuid.uuid4().hex[:8]))


def entry_of_job(job_id: str, project: Project) -> str | None:
    """The id of the item in ``project`` that ``job_id`` was asked for; None for other jobs."""
    parts = job_id.split(_SEP)
    if len(parts) != 3 or parts[0] != project.id:
        return None
    return parts[1]


def _generation(entry: TrackEntry) -> Generation:
    generation = entry.generation if isinstance(entry, (Generated, Transition)) else None
    if generation is None:
        raise GenerationSetupError("Only generated items and bridges can be generated; select "
                                   "one.")
    return generation


def _pins(project: Project, project_dir: Path, generation: Generation) -> tuple[Pin, ...]:
    pins = []
    for pin in generation.spec.pins:
        media = project.media.get(pin.media_id)
        if media is None:
            raise GenerationSetupError(f"A pin uses media {pin.media_id!r}, which is not in the "
                                       "media pool; remove the pin or re-import the file.")
        path = str(resolve_media_path(project_dir, media))
        if media.kind == "still":
            pins.append(Pin(path=path, target_frame=pin.at, strength=pin.strength))
            continue
        start = media.own_frame(pin.source.start, project.rate)
        stop = max(start + 1, media.own_frame(pin.source.end, project.rate))
        pins.append(Pin(path=path, target_frame=pin.at, strength=pin.strength,
                        frame_start=start, frame_count=stop - start))
    return tuple(pins)


def _neighbour(project: Project, project_dir: Path, entries: list[TrackEntry], index: int,
               what: str) -> tuple[str, ClipRange]:
    """The file of the clip (or take) at ``entries[index]`` and the range of it shown."""
    entry = entries[index] if 0 <= index < len(entries) else None
    if isinstance(entry, Transition):
        raise GenerationSetupError(f"The {what} has a transition in the way; remove it first.")
    if isinstance(entry, Clip):
        media = project.media.get(entry.media_id)
        if media is None:
            raise GenerationSetupError(f"The {what} uses media that is not in the pool.")
        # Source ranges count project frames; the engine counts the file's own.
        first = media.own_frame(entry.source.start, project.rate)
        last = media.own_frame(entry.source.end - 1, project.rate)
        if media.frames is not None:
            last = min(last, media.frames - 1)
        shown = ClipRange(start=first, frames=max(1, last - first + 1))
        return str(resolve_media_path(project_dir, media)), shown
    if isinstance(entry, Generated):
        take = entry.generation.active_take
        if take is None or take.status != "done":
            raise GenerationSetupError(f"The {what} is a generated item without a finished "
                                       "take; generate it first.")
        # A take is made at the project's rate: its frames are the item's source frames.
        shown = ClipRange(start=entry.source.start, frames=entry.source.duration)
        return str(resolve_media_path(project_dir, take.path)), shown
    if isinstance(entry, Still):
        raise GenerationSetupError(f"The {what} is a still; use a shot with the still pinned "
                                   "(animate) instead.")
    raise GenerationSetupError(f"There is no clip {what}; put one there first.")


def _retake_source(project: Project, project_dir: Path, generation: Generation
                   ) -> tuple[str, ClipRange, ClipRange]:
    """A retake's source file, the range of its own frames shown, and the span made again."""
    retake = generation.spec.retake
    if retake is None:
        raise GenerationSetupError("This retake does not say what it makes again; mark In and "
                                   "Out over the clip and use Retake In to Out.")
    if retake.take_path is not None:  # takes are made at the project's rate: frames 1:1
        return (str(resolve_media_path(project_dir, retake.take_path)),
                ClipRange(start=retake.shown.start, frames=retake.shown.duration),
                ClipRange(start=retake.span.start, frames=retake.span.duration))
    media = project.media.get(retake.media_id or "")
    if media is None:
        raise GenerationSetupError("The retake's clip is not in the media pool; re-import it.")
    first = media.own_frame(retake.shown.start, project.rate)
    last = media.own_frame(retake.shown.end - 1, project.rate)
    if media.frames is not None:
        last = min(last, media.frames - 1)
    start = media.own_frame(retake.span.start, project.rate)
    frames = media.own_frame(retake.span.end - 1, project.rate) + 1 - start
    if frames != retake.span.duration:
        raise GenerationSetupError("The clip's frame rate is not the project's, so its frames "
                                   "cannot be made again one for one; set the project's frame "
                                   "rate to the clip's to retake it.")
    return (str(resolve_media_path(project_dir, media)),
            ClipRange(start=first, frames=max(1, last - first + 1)),
            ClipRange(start=start, frames=frames))


def _clips(project: Project, project_dir: Path, entry_id: str, kind: str
           ) -> tuple[tuple[str, ClipRange], ...]:
    try:
        track, index, _entry = project.find(entry_id)
    except EditError as exc:
        raise GenerationSetupError(str(exc)) from None
    entries = track.items
    if kind in ("extend_forward", "loop"):
        return (_neighbour(project, project_dir, entries, index - 1, "item before it"),)
    if kind == "extend_backward":
        return (_neighbour(project, project_dir, entries, index + 1, "item after it"),)
    if kind == "bridge":
        return (_neighbour(project, project_dir, entries, index - 1, "item before it"),
                _neighbour(project, project_dir, entries, index + 1, "item after it"))
    return ()


def request_for(project: Project, project_dir: str | os.PathLike[str], entry_id: str
                ) -> tuple[GenerationRequest, OperationSpec]:
    """The engine job that makes a take for the generated item or bridge ``entry_id``.

    Raises
    ------
    GenerationSetupError
        With one sentence, when the item is not generated, has no prompt, or lacks the clip
        its operation continues (or, for a retake, remakes).
    """
    folder = Path(project_dir)
    try:
        _track, _index, entry = project.find(entry_id)
    except EditError as exc:
        raise GenerationSetupError(str(exc)) from None
    generation = _generation(entry)
    spec = generation.spec
    if not spec.prompt.strip():
        raise GenerationSetupError("Write a prompt for the item first, in the inspector.")
    span: ClipRange | None = None
    if spec.kind == "retake":
        path, shown, span = _retake_source(project, folder, generation)
        clips: tuple[tuple[str, ClipRange], ...] = ((path, shown),)
    else:
        clips = _clips(project, folder, entry_id, spec.kind)
    pins = _pins(project, folder, generation) if spec.kind == "shot" else ()
    fps = max(1, min(120, round(project.rate)))
    request = GenerationRequest(
        model_id=spec.model_id, prompt=spec.prompt, negative_prompt=spec.negative_prompt,
        width=spec.width or project.width, height=spec.height or project.height,
        frames=spec.duration, fps=fps, seed=spec.seed, steps=spec.steps,
        guidance=spec.guidance, pins=pins, draft=spec.draft,
        loras=tuple(LoraChoice(name=lora.name, strength=lora.strength) for lora in spec.loras),
        attention=spec.attention, compile=spec.compile)
    return request, OperationSpec(kind=spec.kind, frames=spec.duration,
                                  clips=tuple(path for path, _ in clips),
                                  ranges=tuple(shown for _, shown in clips), span=span,
                                  retries=spec.drift_retries)


def store_take(output: str | os.PathLike[str], takes_folder: Path | None) -> str:
    """Put a finished job's video into the project's ``takes/`` folder, named by its content.

    Returns the path the take records: ``takes/<hash>.mp4`` relative to the project, or the
    engine's own absolute path for a project not saved yet (``takes_folder`` None).

    Raises
    ------
    GenerationSetupError
        If the engine's file is gone or cannot be copied.
    """
    source = Path(output)
    if takes_folder is None:
        if not source.is_file():
            raise GenerationSetupError(f"The engine's take {source} is missing.")
        return str(source)
    try:
        digest = hashlib.sha256()
        with open(source, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        target = takes_folder / f"{digest.hexdigest()[:24]}{source.suffix.lower()}"
        if not target.is_file():
            takes_folder.mkdir(parents=True, exist_ok=True)
            with atomic_output(target) as temp:
                shutil.copyfile(source, temp)
    except OSError as exc:
        raise GenerationSetupError(f"The take {source.name} could not be copied into the "
                                   f"project ({exc.strerror or exc}); check the disk and "
                                   "retry the job.") from None
    return f"{takes_folder.name}/{target.name}"


def take_sound(output: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The sound a take's file carries, for its metadata: ``codec``, ``sample_rate`` and
    ``channels`` of its first audio stream; None for a silent file or one that cannot be read
    (reading it is not this function's job: the take is checked when it is shown)."""
    try:
        container = open_container(Path(output))
    except MediaError:
        return None
    with container:
        if not container.streams.audio:
            return None
        codec = container.streams.audio[0].codec_context
        return {"codec": codec.name, "sample_rate": codec.sample_rate,
                "channels": codec.channels}


def seam_figures(settings: Mapping[str, Any]) -> dict[str, Any] | None:
    """The worst seam figures of a finished job's ``settings`` (its ``seams`` measures), for a
    take's metadata: ``max_jump`` (the largest jump at a join, as a multiple of the take's
    median frame-to-frame change), ``max_drift`` (the largest mean Delta E in Lab against the
    first part), ``joins`` (how many joins were measured) and, when there are any, ``matched``
    (the take's ends the engine colour-matched again to the clips they meet) and ``mended``
    (per end, the mean error of the model's version of the clip's frame there, in grey levels,
    which the engine faded out of the take: ``engine.operations.mend``), ``remade`` (how many
    of a long shot's windows the engine made again with another seed because they drifted:
    ``engine.operations.runner.DRIFT_LIMIT``), ``max_dominant_drift``
    (the same drift of the dominant colour, which an object changing size leaves alone) and a
    bridge's ``travel`` (``largest_step``, the largest share of the change from clip A to clip B
    made in one frame, and ``frames_10_90``, how many frames it takes from 10% to 90%). None
    when the engine measured nothing (an older engine) or sent figures that are not finite
    numbers."""
    seams = settings.get("seams")
    if not isinstance(seams, Mapping):
        return None
    jump, drift, joins = seams.get("max_jump"), seams.get("max_delta_e_first"), \
        seams.get("joins")
    if not (_finite(jump) and _finite(drift)):
        return None
    matched = seams.get("matched")
    ends = [end for end in matched if end in ("start", "end")] if isinstance(matched, list) else []
    figures: dict[str, Any] = {"max_jump": float(jump), "max_drift": float(drift),
                               "joins": len(joins) if isinstance(joins, list) else 0}
    if ends:
        figures["matched"] = ends
    mended = seams.get("mended")
    if isinstance(mended, Mapping):
        faded = {end: float(size) for end, size in mended.items()
                 if end in ("start", "end") and _finite(size)}
        if faded:
            figures["mended"] = faded
        remade = [name for name, tries in mended.items()
                  if str(name).endswith(" made again") and _finite(tries) and tries > 0]
        if remade:
            figures["remade"] = len(remade)
    dominant = seams.get("max_dominant_delta_e_first")
    if _finite(dominant):
        figures["max_dominant_drift"] = float(dominant)
    moved = seams.get("travel")
    if isinstance(moved, Mapping) and _finite(moved.get("largest_step")) \
            and isinstance(moved.get("frames_10_90"), int):
        figures["travel"] = {"largest_step": float(moved["largest_step"]),
                             "frames_10_90": moved["frames_10_90"]}
    return figures


def _finite(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def take_for(project: Project, entry_id: str, job_id: str, path: str,
             settings: Mapping[str, Any] | None = None,
             sound: Mapping[str, Any] | None = None) -> Take | None:
    """A done take for ``entry_id`` from job ``job_id``; None if the item already has it.

    ``settings`` are the job's recorded settings; their seam figures go into the take's
    metadata under ``seams`` (see :func:`seam_figures`), and a draft's recorded job under
    ``draft`` (:func:`studio.engine_link.drafts.draft_record`). ``sound`` is what
    :func:`take_sound` found in the take's file, kept under ``sound`` when there is any.
    """
    try:
        _track, _index, entry = project.find(entry_id)
    except EditError:
        return None
    generation = _generation(entry)
    if any(take.job_id == job_id for take in generation.takes):
        return None
    created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    figures = seam_figures(settings or {})
    metadata: dict[str, Any] = {"seams": figures} if figures is not None else {}
    if sound:
        metadata["sound"] = dict(sound)
    draft = draft_record(settings)
    if draft is not None:
        metadata["draft"] = draft
    # Hashed with draft as the job ran: a draft's final was made by the spec without it.
    made_by = dataclasses.replace(generation.spec, draft=ran_as_draft(settings))
    return Take(id=new_id("take"), job_id=job_id, path=path,
                spec_hash=serialize.spec_hash(made_by), status="done", created=created,
                metadata=metadata)
