"""Write a project's timeline to native ``.otio`` JSON (conventions in :mod:`.otio_format`)."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import opentimelineio as otio

from engine.protocol import atomic_write
from studio.document import persistence, serialize, validate
from studio.document.errors import DocumentError
from studio.document.model import (
    AudioItem,
    Gap,
    Generated,
    MediaRef,
    Project,
    Still,
    TrackEntry,
    Transition,
)
from studio.document.timebase import FrameRange, format_rate, parse_rate
from studio.render.licences import export_licences
from studio.render.otio_format import GENERATOR_KIND, KEY, InterchangeError

__all__ = ["InterchangeError", "export_otio"]

_RT, _TR = otio.opentime.RationalTime, otio.opentime.TimeRange


def _range(start: int, duration: int, rate: Fraction) -> otio.opentime.TimeRange:
    return _TR(_RT(start, float(rate)), _RT(duration, float(rate)))


def _source_range(source: FrameRange, rate: Fraction) -> Any:
    """A clip's range, written at the project rate: the document counts a clip's source in
    project-rate frames (``MediaRef.length_at``), and OTIO rescales between rates itself."""
    return _range(source.start, source.duration, rate)


def _media_rate(media: MediaRef, rate: Fraction) -> Fraction:
    try:
        return parse_rate(media.probe["rate"]) if "rate" in media.probe else rate
    except DocumentError:
        return rate  # a probe with a nonsense rate: the project rate is the honest guess


def _url(path: Path) -> str:
    # Path.as_uri quotes "#", "%" and spaces; otio.url_utils.url_from_filepath leaves "#" bare.
    return Path(os.path.abspath(path)).as_uri()


def _export_entry(project: Project, base: Path, entry: TrackEntry) -> Any:
    rate = project.rate
    meta: dict[str, Any] = {"id": entry.id, "metadata": serialize.encode(entry.metadata)}
    if isinstance(entry, Transition):
        meta["kind"] = entry.kind
        if entry.generation is not None:
            meta["generation"] = serialize.encode(entry.generation)
        # A bridge shows as a dissolve elsewhere: the closest thing another editor can play.
        kind = otio.schema.TransitionTypes.Custom if entry.kind == "cut" else \
            otio.schema.TransitionTypes.SMPTE_Dissolve
        return otio.schema.Transition(transition_type=kind, metadata={KEY: meta},
                                      in_offset=_RT(entry.in_offset, float(rate)),
                                      out_offset=_RT(entry.out_offset, float(rate)))
    if isinstance(entry, Gap):
        meta["kind"] = "gap"
        return otio.schema.Gap(source_range=_range(0, entry.duration, rate), metadata={KEY: meta})
    if isinstance(entry, Generated):
        generation, take = entry.generation, entry.generation.active_take
        meta |= {"kind": "generated", "generation": serialize.encode(generation)}
        available = _range(0, generation.spec.duration, rate)
        if take is not None and take.status == "done":
            ref: Any = otio.schema.ExternalReference(target_url=_url(base / take.path),
                                                     available_range=available,
                                                     metadata={KEY: {"id": take.id}})
        else:  # nothing rendered yet: the spec is all there is, as OTIO's generator idea
            ref = otio.schema.GeneratorReference(
                generator_kind=GENERATOR_KIND, available_range=available,
                parameters=serialize.encode(generation.spec))
        return otio.schema.Clip(name=entry.name, media_reference=ref, metadata={KEY: meta},
                                source_range=_range(entry.source.start, entry.duration, rate))
    media = project.media[entry.media_id]
    meta |= {"kind": media.kind, "media_id": media.id}
    if isinstance(entry, AudioItem):
        meta |= {"kind": "audio", "gain_db": entry.gain_db, "fade_in": entry.fade_in,
                 "fade_out": entry.fade_out, "link": entry.link}
    media_rate = _media_rate(media, rate)
    if isinstance(entry, Still):
        # A still is one image, so an ExternalReference to it (not a one-frame
        # ImageSequenceReference, which editors expect to be a numbered run of files).
        source, available = _range(0, entry.duration, rate), None
    else:
        source = _source_range(entry.source, rate)
        available = None if media.frames is None else _range(0, media.frames, media_rate)
    ref = otio.schema.ExternalReference(
        target_url=_url(persistence.resolve_media_path(base, media)), available_range=available,
        metadata={KEY: {"id": media.id}})
    return otio.schema.Clip(name=entry.name, media_reference=ref, source_range=source,
                            metadata={KEY: meta})


def _timeline(project: Project, base: Path) -> Any:
    rate = project.rate
    pool = []
    for media in project.media.values():  # pins may use media no track shows, so keep all
        entry = serialize.encode(media)
        entry["path"] = _url(persistence.resolve_media_path(base, media))  # a URL in OTIO
        pool.append(entry)
    meta = {"id": project.id, "name": project.name, "rate": format_rate(rate),
            "width": project.width, "height": project.height, "media": pool,
            "metadata": serialize.encode(project.metadata), "timeline_id": project.timeline.id,
            "timeline_name": project.timeline.name,
            "timeline_metadata": serialize.encode(project.timeline.metadata),
            # The models that made the timeline's takes and their licences (as the takes record).
            "models": [licence.to_dict() for licence in export_licences(project, base)]}
    timeline = otio.schema.Timeline(name=project.name, global_start_time=_RT(0, float(rate)),
                                    metadata={KEY: meta})
    for track in project.timeline.all_tracks():  # video bottom to top, as OTIO, then audio
        audio = track.kind == "audio"
        saved: dict[str, Any] = {"id": track.id, "metadata": serialize.encode(track.metadata)}
        if audio:
            saved |= {"mute": track.mute, "solo": track.solo, "gain_db": track.gain_db}
        if track.locked:
            saved["locked"] = True
        otrack = otio.schema.Track(
            name=track.name, metadata={KEY: saved},
            kind=otio.schema.TrackKind.Audio if audio else otio.schema.TrackKind.Video)
        otrack.enabled = not track.mute  # how other editors read a muted track
        for entry in track.items:
            otrack.append(_export_entry(project, base, entry))
        timeline.tracks.append(otrack)
    for marker in project.timeline.markers:  # on the top stack, where editors put theirs
        timeline.tracks.markers.append(otio.schema.Marker(
            name=marker.name, marked_range=_range(marker.frame, 0, rate),
            color=marker.colour.upper(), metadata={KEY: {"id": marker.id}}))
    return timeline


def export_otio(project: Project, project_file: str | os.PathLike[str],
                out_path: str | os.PathLike[str]) -> Path:
    """Write the project's timeline as native OTIO JSON, atomically.

    Parameters
    ----------
    project
        The project to export.
    project_file
        Its ``.frameloom`` file (or its folder): relative media and take paths start there.
    out_path
        The ``.otio`` file to write; media and takes are referenced by absolute ``file://``
        URLs, so the file works wherever it is moved on this machine.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    InterchangeError
        Naming ``out_path``, if the project is invalid or the file cannot be written.
    """
    base, out = Path(project_file), Path(out_path)
    base = base if base.is_dir() else base.parent
    try:
        validate.validate(project)
        timeline = _timeline(project, base)
        # write_to_string + atomic_write rather than write_to_file: same bytes, but fsynced
        # and renamed into place, so a crash never leaves half a file under ``out``.
        data = otio.adapters.write_to_string(timeline, adapter_name="otio_json").encode()
        atomic_write(out, data, out.name)
    except OSError as exc:
        raise InterchangeError(f"Could not write {out}: "
                               f"{exc.strerror or type(exc).__name__}.") from exc
    except (DocumentError, TypeError, ValueError) as exc:  # TypeError: metadata JSON can't hold
        raise InterchangeError(f"Could not export {out}: {str(exc).rstrip('.')}.") from exc
    return out
