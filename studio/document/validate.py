"""The document's invariants in one place: loading, saving and the tests all check them here."""

from __future__ import annotations

import math
import posixpath
from typing import NoReturn

from engine.protocol import ATTENTION_BACKENDS, MAX_RETRIES

from .errors import InvalidDocumentError
from .model import (
    GENERATION_KINDS,
    TAKE_STATUSES,
    TRANSITION_KINDS,
    AudioItem,
    Clip,
    Gap,
    Generated,
    Generation,
    Project,
    Still,
    TrackEntry,
    Transition,
)
from .timebase import FrameRange

MAX_SIZE = 16384
MAX_STEPS = 1000
TAKES_DIR = "takes"


def _fail(where: str, message: str) -> NoReturn:
    raise InvalidDocumentError(f"{where}: {message}")


def check_take_path(path: str, where: str = "take") -> None:
    """A take path must be relative, normalised and inside ``takes/``."""
    if not isinstance(path, str) or "\\" in path or "\x00" in path:
        _fail(where, f"take path {path!r} is not a plain relative path")
    norm = posixpath.normpath(path)
    if (posixpath.isabs(path) or norm != path or not norm.startswith(TAKES_DIR + "/")
            or ".." in norm.split("/") or ":" in norm):
        _fail(where, f"take path {path!r} must stay inside the project's {TAKES_DIR}/ folder")


def check_generation(project: Project, generation: Generation, where: str,
                      ids: set[str]) -> None:
    spec = generation.spec
    if spec.kind not in GENERATION_KINDS:
        _fail(where, f"unknown generation kind {spec.kind!r}")
    if spec.duration <= 0:
        _fail(where, f"generated duration must be positive, not {spec.duration}")
    if not 1 <= spec.steps <= MAX_STEPS:
        _fail(where, f"steps must be between 1 and {MAX_STEPS}, not {spec.steps}")
    if not math.isfinite(spec.guidance) or spec.guidance < 0:
        _fail(where, f"guidance must be a non-negative number, not {spec.guidance}")
    if not 0 <= spec.seed < 2**63:
        _fail(where, f"seed must be between 0 and 2^63-1, not {spec.seed}")
    for size in (spec.width, spec.height):
        if size is not None and not 0 < size <= MAX_SIZE:
            _fail(where, f"generated size {size} is outside 1-{MAX_SIZE} pixels")
    if spec.attention not in ATTENTION_BACKENDS:
        _fail(where, f"attention must be one of {', '.join(ATTENTION_BACKENDS)}, not "
                     f"{spec.attention!r}")
    if spec.drift_retries is not None and not 0 <= spec.drift_retries <= MAX_RETRIES:
        _fail(where, f"drift retries must be between 0 and {MAX_RETRIES}, not "
                     f"{spec.drift_retries}")
    names = [lora.name for lora in spec.loras]
    if len(set(names)) != len(names) or not all(name.strip() for name in names):
        _fail(where, f"LoRAs must have names, each once, not {names}")
    for lora in spec.loras:
        if not (math.isfinite(lora.strength) and -4 <= lora.strength <= 4):
            _fail(where, f"LoRA {lora.name} needs a strength from -4 to 4, not {lora.strength}")
    for pin in spec.pins:
        _unique(pin.id, ids, where)
        media = project.media.get(pin.media_id)
        if media is None:
            _fail(where,
                  f"pin {pin.id} uses media {pin.media_id!r}, which is not in the media pool")
        if media.kind == "still" and pin.source != FrameRange(0, 1):
            _fail(where, f"pin {pin.id} pins a still, so its source must be frame 0 only")
        if pin.source.duration < 1 or pin.source.start < 0:
            _fail(where, f"pin {pin.id} must pin at least one frame")
        length = media.length_at(project.rate)
        if length is not None and pin.source.end > length:
            _fail(where, f"pin {pin.id} reads past the end of its clip ({length} frames)")
        if not pin.at >= 0 or pin.at + pin.source.duration > spec.duration:
            _fail(where, f"pin {pin.id} at frame {pin.at} does not fit in {spec.duration} frames")
        if not 0.0 <= pin.strength <= 1.0:
            _fail(where, f"pin {pin.id} strength must be between 0 and 1, not {pin.strength}")
    _check_retake(project, generation, where)
    for take in generation.takes:
        _unique(take.id, ids, where)
        check_take_path(take.path, f"{where} take {take.id}")
        if take.status not in TAKE_STATUSES:
            _fail(where, f"take {take.id} has unknown status {take.status!r}")
    if generation.active_take_id is not None and generation.active_take is None:
        _fail(where, f"active take {generation.active_take_id!r} is not one of its takes")


def _check_retake(project: Project, generation: Generation, where: str) -> None:
    """A retake names one source and a span inside what was shown of it, as long as the shot."""
    spec, retake = generation.spec, generation.spec.retake
    if (spec.kind == "retake") != (retake is not None):
        _fail(where, "a retake, and only a retake, names the frames it makes again")
    if retake is None:
        return
    if (retake.media_id is None) == (retake.take_path is None):
        _fail(where, "a retake makes frames of one clip or one take again, so it names one")
    if retake.media_id is not None:
        media = project.media.get(retake.media_id)
        if media is None or media.kind != "clip":
            _fail(where, f"the retake's clip {retake.media_id!r} is not a clip in the media pool")
        length = media.length_at(project.rate)
        if length is not None and retake.shown.end > length:
            _fail(where, f"the retake reads past the end of its clip ({length} frames)")
    if retake.take_path is not None:
        check_take_path(retake.take_path, f"{where} retake")
    shown, span = retake.shown, retake.span
    if shown.start < 0 or not shown.start <= span.start < span.end <= shown.end:
        _fail(where, f"the retake's frames {span.start}-{span.end - 1} are not inside the "
                     f"frames {shown.start}-{shown.end - 1} shown of its source")
    if span.duration != spec.duration:
        _fail(where, f"a retake of {span.duration} frames must last {span.duration} frames, "
                     f"not {spec.duration}")


def _unique(entry_id: str, ids: set[str], where: str) -> None:
    if not entry_id:
        _fail(where, "an object has an empty id")
    if entry_id in ids:
        _fail(where, f"id {entry_id!r} is used twice")
    ids.add(entry_id)


def validate(project: Project) -> None:
    """Raise :class:`InvalidDocumentError` naming the first broken invariant, if any."""
    ids: set[str] = set()
    _unique(project.id, ids, "project")
    if not 0 < project.width <= MAX_SIZE or not 0 < project.height <= MAX_SIZE:
        _fail("project", f"size {project.width}x{project.height} is outside 1-{MAX_SIZE} pixels")
    if not 0 < project.rate < 1000:
        _fail("project", f"frame rate {project.rate} is outside 0-1000 fps")
    for key, media in project.media.items():
        where = f"media {media.name or key}"
        if key != media.id:
            _fail(where, f"is filed under {key!r} but its id is {media.id!r}")
        _unique(media.id, ids, where)
        if not media.path:
            _fail(where, "has an empty path")
        if media.fingerprint.size < 0:
            _fail(where, "has a negative file size")
    _unique(project.timeline.id, ids, "timeline")
    _check_markers(project, ids)
    for track in project.timeline.all_tracks():
        tw = f"track {track.name or track.id}"
        _unique(track.id, ids, tw)
        audio = track in project.timeline.audio_tracks
        if track.kind != ("audio" if audio else "video"):
            _fail(tw, f"is a {track.kind} track among the {'audio' if audio else 'video'} tracks")
        if not math.isfinite(track.gain_db):
            _fail(tw, f"gain must be a number of dB, not {track.gain_db}")
        entries = track.items
        for index, entry in enumerate(entries):
            where = f"{tw} item {index} ({entry.id})"
            _unique(entry.id, ids, where)
            if isinstance(entry, Transition):
                _check_transition(project, track.items, index, where, ids)
                if audio and entry.kind != "crossfade":
                    _fail(where, "a transition on an audio track is a crossfade")
                continue
            if entry.duration <= 0:
                _fail(where, f"duration must be positive, not {entry.duration}")
            if audio != isinstance(entry, (AudioItem, Gap)) and not isinstance(entry, Gap):
                _fail(where, f"a {type(entry).__name__} cannot lie on "
                             f"{'an audio' if audio else 'a video'} track")
            if isinstance(entry, AudioItem):
                _check_audio_item(project, entry, where)
                continue
            if isinstance(entry, (Clip, Still)):
                used = project.media.get(entry.media_id)
                kind = "clip" if isinstance(entry, Clip) else "still"
                if used is None:
                    _fail(where, f"uses media {entry.media_id!r}, which is not in the media pool")
                if used.kind != kind:
                    _fail(where, f"is a {kind} but its media is {_a(used.kind)}")
            if isinstance(entry, Clip):
                frames = project.media[entry.media_id].length_at(project.rate)
                if entry.source.start < 0 or (frames is not None and entry.source.end > frames):
                    _fail(where, f"source {entry.source.start}-{entry.source.end} lies outside its "
                                 f"clip's {frames} frames")
            elif isinstance(entry, Generated):
                check_generation(project, entry.generation, where, ids)
                if entry.source.start < 0 or entry.source.end > entry.generation.spec.duration:
                    _fail(where, "shows frames outside its generated duration")
            elif not isinstance(entry, (Gap, Still)):
                _fail(where, f"is not a timeline item ({type(entry).__name__})")


def _check_markers(project: Project, ids: set[str]) -> None:
    last = -1
    for marker in project.timeline.markers:
        where = f"marker {marker.name or marker.id}"
        _unique(marker.id, ids, where)
        if marker.frame < 0:
            _fail(where, f"lies on frame {marker.frame}, before the timeline starts")
        if marker.frame <= last:
            _fail(where, f"on frame {marker.frame} is out of frame order or shares its frame")
        last = marker.frame


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _check_audio_item(project: Project, item: AudioItem, where: str) -> None:
    media = project.media.get(item.media_id)
    if media is None:
        _fail(where, f"uses media {item.media_id!r}, which is not in the media pool")
    if media.kind == "still":
        _fail(where, "plays the sound of a still")
    frames = media.length_at(project.rate)
    if item.source.start < 0 or (frames is not None and item.source.end > frames):
        _fail(where, f"source {item.source.start}-{item.source.end} lies outside its media's "
                     f"{frames} frames")
    if not math.isfinite(item.gain_db):
        _fail(where, f"gain must be a number of dB, not {item.gain_db}")
    if item.fade_in < 0 or item.fade_out < 0 or item.fade_in + item.fade_out > item.duration:
        _fail(where, f"fades of {item.fade_in} and {item.fade_out} frames do not fit in "
                     f"{item.duration} frames")


def _check_transition(project: Project, entries: list[TrackEntry], index: int, where: str,
                      ids: set[str]) -> None:
    entry = entries[index]
    assert isinstance(entry, Transition)
    if entry.kind not in TRANSITION_KINDS:
        _fail(where, f"unknown transition kind {entry.kind!r}")
    if index == 0 or index == len(entries) - 1:
        _fail(where, "a transition must stand between two items")
    left, right = entries[index - 1], entries[index + 1]
    if isinstance(left, Transition) or isinstance(right, Transition):
        _fail(where, "two transitions cannot stand side by side")
    if entry.in_offset < 0 or entry.out_offset < 0:
        _fail(where, "transition offsets cannot be negative")
    if entry.in_offset > left.duration or entry.out_offset > right.duration:
        _fail(where, "transition is longer than the items beside it")
    if entry.kind == "cut" and entry.length != 0:
        _fail(where, "a cut has no length")
    if entry.kind != "cut" and entry.length == 0:
        _fail(where, f"a {entry.kind} needs a length of at least one frame")
    if (entry.kind == "bridge") != (entry.generation is not None):
        _fail(where, "a bridge, and only a bridge, carries a generation")
    if entry.generation is not None:
        check_generation(project, entry.generation, where, ids)
