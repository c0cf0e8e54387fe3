"""Read an ``.otio`` file, Frameloom's or another editor's, into a new project.

What the document cannot hold is listed in the project's ``metadata["otio_import"]``;
the conventions of Frameloom's own files are in :mod:`.otio_format`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import opentimelineio as otio

from studio.document import fingerprint, persistence, serialize, validate
from studio.document.errors import DocumentError
from studio.document.marker_edits import MAX_NAME
from studio.document.model import (
    MARKER_COLOURS,
    AudioItem,
    Clip,
    Fingerprint,
    Gap,
    Generated,
    GeneratedSpec,
    Generation,
    Marker,
    MarkerColour,
    MediaRef,
    Project,
    Still,
    Timeline,
    Track,
    TrackEntry,
    Transition,
    new_id,
)
from studio.document.timebase import STANDARD_RATES, FrameRange, format_rate, parse_rate
from studio.errors import StudioError
from studio.render.otio_format import GENERATOR_KIND, KEY, InterchangeError
from studio.render.otio_nested import edge_gaps, flattened, gap

__all__ = ["InterchangeError", "import_otio"]

DEFAULT_SIZE = (1920, 1080)
MAX_FILE_BYTES = 256 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"})


def _plain(value: Any) -> Any:
    """OTIO's AnyDictionary / AnyVector as plain dicts and lists, as ``serialize`` reads them."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}  # hand-edited metadata may be anything


def _saved(obj: Any) -> dict[str, Any]:
    return _dict(_plain(obj.metadata.get(KEY)))


def _rate(value: float) -> Fraction:
    """OTIO stores rates as doubles: recover 30000/1001 from 29.97002997 (or a rounded 29.97)."""
    if not 0 < value < 1000:  # also NaN: every comparison with it is false
        raise ValueError(f"it holds the frame rate {value:g}, which no video has")
    for rate in STANDARD_RATES.values():
        if abs(float(rate) - value) <= 1e-4 * value:
            return rate
    return Fraction(value).limit_denominator(1001)


def _seconds(time: Any) -> Fraction:
    if not math.isfinite(time.value):
        raise ValueError(f"it holds the time {time.value}, which is not a number of frames")
    return Fraction(time.value) / _rate(time.rate)


def _read_timeline(path: Path) -> Any:
    try:
        if not path.is_file():
            raise InterchangeError(f"{path} does not exist or is not a file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InterchangeError(f"{path} is larger than 256 MiB, so it is not an OTIO file.")
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InterchangeError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise InterchangeError(f"{path} is not an OTIO file (it is not text).") from None
    try:
        obj = otio.adapters.read_from_string(text, adapter_name="otio_json")
    except otio.exceptions.UnsupportedSchemaError:
        raise InterchangeError(f"{path} uses an OTIO schema version Frameloom cannot "
                               f"read.") from None
    except Exception as exc:
        where = re.search(r"\((?:near )?line \d+(?:, column \d+)?\)", str(exc))
        bad = "an object of an unsupported schema" if "UnknownSchema" in str(exc) else \
            "damaged or not OTIO JSON"
        raise InterchangeError(f"{path} cannot be imported: it is {bad}"
                               f"{' ' + where.group(0) if where else ''}.") from None
    if isinstance(obj, otio.schema.SerializableCollection):
        obj = next((t for t in obj.find_children(descended_from_type=otio.schema.Timeline)),
                   obj)
    if not isinstance(obj, otio.schema.Timeline):
        what = obj.original_schema_name if getattr(obj, "is_unknown_schema", False) else \
            getattr(obj, "schema_name", lambda: type(obj).__name__)()
        raise InterchangeError(f"{path} is not an OTIO timeline (it holds {what}).")
    return obj


def _probe_size(file: Path) -> tuple[int, int] | None:
    try:
        from studio.media.probe import probe  # written alongside; optional until then
        info = probe(file)
    except (ImportError, StudioError, OSError):
        return None
    # The size as shown (pixel aspect and rotation applied) is the frame users expect.
    width = getattr(info, "display_width", None) or getattr(info, "width", None)
    height = getattr(info, "display_height", None) or getattr(info, "height", None)
    return (width, height) if type(width) is int and type(height) is int else None


class _Importer:
    """State of one import: the project rate, media found so far, ids taken, what was skipped."""

    def __init__(self, path: Path, timeline: Any) -> None:
        self.path, self.base, self.timeline = path, path.parent, timeline
        self.saved = _saved(timeline)
        self.ids: set[str] = set()
        self.media: dict[str, MediaRef] = {}
        self.by_file: dict[str, str] = {}
        self.report: dict[str, list[str]] = {"skipped": [], "offline": [], "notes": []}
        self.sound_settings: dict[str, dict[str, Any]] = {}  # Frameloom's, by audio item id
        try:
            self.rate = parse_rate(self.saved["rate"])
        except (KeyError, DocumentError):
            # OTIO has no timeline rate: the start time's, else the first clip's, carries one.
            first = next(iter(timeline.find_clips()), None)
            times = [timeline.global_start_time, first and first.source_range]
            rate = next((t.start_time.rate if hasattr(t, "start_time") else t.rate
                         for t in times if t is not None), 24.0)
            self.rate = _rate(rate)
        for data in map(_dict, self.saved.get("media") or []):
            self.add_media(str(data.get("path", "")), data)

    def frames(self, seconds: Fraction) -> int:
        """Seconds as project frames, rounded to the nearest frame (halves round up)."""
        return math.floor(seconds * self.rate + Fraction(1, 2))

    def new(self, wanted: Any, prefix: str) -> str:
        """``wanted`` if it is a free id, else a fresh one (editors duplicate clips and ids)."""
        chosen = wanted if isinstance(wanted, str) and wanted and wanted not in self.ids else \
            new_id(prefix)
        self.ids.add(chosen)
        return chosen

    def file(self, url: str) -> Path:
        # Plain paths are taken as written; only file:// URLs are percent-decoded.
        text = otio.url_utils.filepath_from_url(url) if url.startswith("file:") else url
        return Path(os.path.normpath(self.base / text))  # an absolute one replaces base

    def add_media(self, url: str, data: dict[str, Any] | None = None,
                  ref: Any = None) -> str:
        file = self.file(url)
        if data is None and str(file) in self.by_file:  # one pool entry per file
            media_id = self.by_file[str(file)]
            self.widen(media_id, ref)
            return media_id
        data = dict(data or {})
        try:
            found = fingerprint.fingerprint_file(file)
        except DocumentError:
            self.report["offline"].append(str(file))
            # An offline file keeps the fingerprint Frameloom saved (so relinking can find
            # it); a foreign one gets size 0 and no digest, which matches no real file.
            found = Fingerprint(size=0, digest="")
            if isinstance(data.get("fingerprint"), dict):
                found = serialize.decode(data["fingerprint"], Fingerprint)
        probe = data.get("probe", {})
        if ref is not None and ref.available_range is not None:
            available = ref.available_range.duration
            probe = {"rate": format_rate(_rate(available.rate))}
            if float(available.value).is_integer():
                probe["frames"] = int(available.value)  # bounds sources via MediaRef.length_at
        kind = data.get("kind") or ("still" if file.suffix.lower() in IMAGE_SUFFIXES else "clip")
        data |= {"schema": "MediaRef.1", "id": self.new(data.get("id"), "media"), "kind": kind,
                 "path": persistence.relative_media_path(self.base, file), "probe": probe,
                 "fingerprint": serialize.encode(found), "name": data.get("name", file.name)}
        media = serialize.decode(data, MediaRef)
        self.media[media.id] = media
        self.by_file.setdefault(str(file), media.id)
        return media.id

    def widen(self, media_id: str, ref: Any) -> None:
        """Let one file's pool entry bound sources by the longest available range given it.

        References to one file may each carry their own available range (editors write the
        range a clip could use); each clip's source lies within its own, so within the longest.
        """
        media, available = self.media[media_id], getattr(ref, "available_range", None)
        if available is None or media.frames is None or \
                media.probe.get("rate") != format_rate(_rate(available.duration.rate)):
            return
        if float(available.duration.value).is_integer() and \
                int(available.duration.value) > media.frames:
            self.media[media_id] = dataclasses.replace(
                media, probe=dict(media.probe) | {"frames": int(available.duration.value)})

    def skip(self, what: str, child: Any, why: str = "", gap: bool = False) -> None:
        """Log what the document cannot hold: ``what 'name'why (kept as a gap)``."""
        name = f" {child.name!r}" if child.name else ""
        self.report["skipped"].append(f"{what}{name}{why}{' (kept as a gap)' if gap else ''}")

    def entry(self, child: Any) -> TrackEntry | None:
        """The document entry for one OTIO child; what Frameloom cannot hold becomes a gap."""
        saved = _saved(child)
        kind, meta = saved.get("kind"), _dict(saved.get("metadata"))
        if isinstance(child, otio.schema.Transition):
            offsets = (self.frames(_seconds(child.in_offset)),
                       self.frames(_seconds(child.out_offset)))
            if kind in ("cut", "crossfade", "bridge"):  # Frameloom's own
                return Transition(id=self.new(saved.get("id"), "transition"), kind=kind,
                                  in_offset=offsets[0], out_offset=offsets[1], metadata=meta,
                                  generation=self.generation(saved.get("generation")))
            if child.transition_type != otio.schema.TransitionTypes.SMPTE_Dissolve or \
                    sum(offsets) == 0:  # a dissolve shorter than a frame is a cut
                self.skip(f"{child.transition_type or 'untyped'} transition", child)
                return None
            return Transition(id=self.new(None, "transition"), kind="crossfade",
                              in_offset=offsets[0], out_offset=offsets[1])
        try:
            shown = child.trimmed_range()
        except otio.exceptions.OTIOError:
            self.skip(f"{child.schema_name()} without a duration", child)
            return None
        duration = self.frames(_seconds(shown.duration))
        if duration < 1:
            self.skip(f"{child.schema_name()} shorter than a frame", child)
            return None
        item_id = self.new(saved.get("id"), "gap" if isinstance(child, otio.schema.Gap) else "clip")
        gap = Gap(id=item_id, duration=duration, metadata=meta)
        if isinstance(child, otio.schema.Gap):
            return gap
        if not isinstance(child, otio.schema.Clip):
            self.skip(f"nested {child.schema_name()}", child, gap=True)
            return gap
        if not child.enabled:  # OTIO plays a disabled clip as a gap
            self.skip("disabled clip", child, gap=True)
            return gap
        if child.effects or child.markers:
            self.skip("effects and markers of clip", child)
        ref = child.media_reference
        available = getattr(ref, "available_range", None)
        # source.start counts project-rate frames into the media (see otio_export); editors
        # start media at their timecode, so it is measured from the start of the available range.
        start = _seconds(shown.start_time) - (_seconds(available.start_time) if available else 0)
        source = FrameRange(max(0, math.floor(start * self.rate + Fraction(1, 2))), duration)
        generation = self.generation(saved.get("generation"))
        if generation is None and isinstance(ref, otio.schema.GeneratorReference) and \
                ref.generator_kind == GENERATOR_KIND:  # a spec without Frameloom's metadata
            generation = Generation(spec=serialize.decode(_plain(ref.parameters), GeneratedSpec))
        if generation is not None:
            return Generated(id=item_id, generation=generation, source=source, name=child.name,
                             metadata=meta)
        if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url or \
                (re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+://", ref.target_url) and \
                not ref.target_url.startswith("file:")):
            self.skip("clip", child, f": its {ref.schema_name()} is not a local file", gap=True)
            return gap
        media_id = saved.get("media_id")
        if media_id not in self.media:
            media_id = self.add_media(ref.target_url, ref=ref)
        if self.media[media_id].kind == "still":
            return Still(id=item_id, media_id=media_id, duration=duration, name=child.name,
                         metadata=meta)
        if kind == "audio":
            self.sound_settings[item_id] = _sound_settings(saved)
        return Clip(id=item_id, media_id=media_id, source=source, name=child.name, metadata=meta)

    def generation(self, data: Any) -> Generation | None:
        if data is None:
            return None
        generation = serialize.decode(data, Generation)
        if any(p.id in self.ids for p in generation.spec.pins) or \
                any(t.id in self.ids for t in generation.takes):  # a duplicated shot
            renamed = {t.id: new_id("take") for t in generation.takes}
            generation = Generation(
                spec=dataclasses.replace(generation.spec, pins=tuple(
                    dataclasses.replace(p, id=new_id("pin")) for p in generation.spec.pins)),
                takes=tuple(dataclasses.replace(t, id=renamed[t.id]) for t in generation.takes),
                active_take_id=renamed.get(generation.active_take_id or ""))
        self.ids.update(p.id for p in generation.spec.pins)
        self.ids.update(t.id for t in generation.takes)
        for take in generation.takes:
            if take.status == "done" and not (self.base / take.path).is_file():
                self.report["notes"].append(f"Take file {take.path} is not beside {self.path}.")
        return generation

    def flatten(self, child: Any, where: str, in_track: bool = True) -> Any | None:
        """What nested ``child`` shows, as one OTIO track; None (reported) if it cannot be."""
        what = f"nested {child.schema_name()}"
        try:
            flat, left_out = flattened(child)
        except ValueError as exc:
            self.skip(what, child, f": {exc}", gap=in_track)
            return None
        if child.effects or child.markers:
            self.skip(f"effects and markers of {what}", child)
        for track in left_out:
            self.skip(f"{track.kind} track", track)
        name = f" {child.name!r}" if child.name else ""
        self.report["notes"].append(f"{what.capitalize()}{name} in {where} is flattened: each "
                                    f"frame shows its top-most video track's item there.")
        return flat

    def children(self, children: list[Any], where: str) -> list[Any]:
        """OTIO ``children`` of a track, nested compositions replaced by what they show."""
        found: list[Any] = []
        for child in children:
            if not isinstance(child, otio.core.Composition):
                found.append(child)
                continue
            try:
                duration = child.trimmed_range().duration
            except otio.exceptions.OTIOError:
                self.skip(f"nested {child.schema_name()} without a duration", child)
                continue
            flat = None
            if not child.enabled:  # OTIO plays a disabled item as a gap
                self.skip(f"disabled {child.schema_name()}", child, gap=True)
            else:
                flat = self.flatten(child, where)
            found.extend([gap(duration)] if flat is None else self.children(list(flat), where))
        return found

    def track(self, otrack: Any, number: int) -> Track | None:
        name = getattr(otrack, "name", "") or f"V{number}"
        if isinstance(otrack, otio.schema.Stack):  # a stack among the tracks: as its video
            otrack = self.flatten(otrack, f"the timeline's track {number}", False)
            if otrack is None:
                return None
        kinds = (otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio)
        if not isinstance(otrack, otio.schema.Track) or otrack.kind not in kinds:
            self.skip(f"{getattr(otrack, 'kind', 'nested')} track", otrack)
            return None
        audio = otrack.kind == otio.schema.TrackKind.Audio
        if audio and not getattr(otrack, "name", ""):
            name = f"A{number}"
        saved = _saved(otrack)
        items: list[TrackEntry] = []
        # Transitions at the ends become fades from and to black: edge_gaps holds the time
        # OTIO adds for them as gaps the fades mix with.
        children = self.children(edge_gaps(list(otrack)), f"track {name!r}")
        for entry in map(self.entry, children):
            if audio:
                entry = self.sound(entry, name)
            if entry is None:
                continue
            # A transition needs an item on each side, as in the document; drop strays.
            if isinstance(entry, Transition) and (not items or isinstance(items[-1], Transition)):
                self.report["skipped"].append(f"transition at the edge of track {name!r}")
                continue
            items.append(entry)
        if items and isinstance(items[-1], Transition):
            items.pop()
            self.report["skipped"].append(f"transition at the edge of track {name!r}")
        for index, entry in enumerate(items):
            if isinstance(entry, Transition):  # rounding may make a dissolve outgrow a side
                left, right = items[index - 1], items[index + 1]
                assert not isinstance(left, Transition) and not isinstance(right, Transition)
                items[index] = dataclasses.replace(
                    entry, in_offset=min(entry.in_offset, left.duration),
                    out_offset=min(entry.out_offset, right.duration))
        settings: dict[str, Any] = {}
        if audio:
            gain = saved.get("gain_db", 0.0)
            settings = {"kind": "audio", "mute": saved.get("mute", not otrack.enabled) is True,
                        "solo": saved.get("solo") is True,
                        "gain_db": float(gain) if type(gain) in (int, float) else 0.0}
        return Track(id=self.new(saved.get("id"), "track"), name=name,
                     items=items, metadata=_dict(saved.get("metadata")),
                     locked=saved.get("locked") is True, **settings)

    def sound(self, entry: TrackEntry | None, track: str) -> TrackEntry | None:
        """What an entry of an audio track holds: a clip's sound as an audio item (with the
        gain, fades and link Frameloom saved), a crossfade, or a gap."""
        if isinstance(entry, Transition) and entry.kind != "crossfade":
            self.report["skipped"].append(f"{entry.kind} on audio track {track!r}")
            return None
        if not isinstance(entry, (Clip, Still, Generated)):
            return entry
        if not isinstance(entry, Clip):
            self.report["skipped"].append(f"{type(entry).__name__.lower()} on audio track "
                                          f"{track!r} (kept as a gap)")
            return Gap(id=entry.id, duration=entry.duration)
        saved = entry.metadata  # the entry's own metadata; Frameloom's settings are beside it
        fields = self.sound_settings.pop(entry.id, {})
        return AudioItem(id=entry.id, media_id=entry.media_id, source=entry.source,
                         name=entry.name, metadata=saved, **fields)

    def project(self) -> Project:
        found = [t for n, o in enumerate(self.timeline.tracks)
                 if (t := self.track(o, n + 1)) is not None]
        tracks = [t for t in found if t.kind == "video"]
        linked = {e.id for t in tracks for e in t.items}
        sounds = [dataclasses.replace(t, items=[
            dataclasses.replace(e, link=None) if isinstance(e, AudioItem) and e.link is not None
            and e.link not in linked else e for e in t.items])
            for t in found if t.kind == "audio"]
        saved = self.saved
        size: tuple[int, int] = (saved.get("width"), saved.get("height"))  # type: ignore
        if not all(type(v) is int for v in size):
            first = next((m for m in self.media.values() if m.kind == "clip"), None)
            probed = first and _probe_size(persistence.resolve_media_path(self.base, first))
            size = probed or DEFAULT_SIZE
            if not probed:
                self.report["notes"].append("The frame size could not be measured from the "
                                            "first clip, so it is 1920x1080.")
        timeline = Timeline(id=self.new(saved.get("timeline_id"), "timeline"), tracks=tracks,
                            audio_tracks=sounds,
                            name=saved.get("timeline_name") or self.timeline.name or "Timeline",
                            metadata=_dict(saved.get("timeline_metadata")),
                            markers=self.markers(max((t.duration for t in found), default=0)))
        return Project(id=self.new(saved.get("id"), "project"), rate=self.rate,
                       name=saved.get("name") or self.timeline.name or self.path.stem,
                       width=size[0], height=size[1], media=self.media, timeline=timeline,
                       metadata=_dict(saved.get("metadata")) | {"otio_import": self.report})


    def markers(self, end: int) -> list[Marker]:
        """The timeline's markers (those on its top stack, in the time its tracks' items are
        read in: the stack's own, untrimmed), one per frame in frame order, for a timeline
        ``end`` frames long. One written at record timecode (past the end, but inside it once
        the timeline's start timecode is taken off, as EDL-based files do) is moved back by
        that timecode; one still outside the timeline, or a second on a frame, is skipped; a
        colour Frameloom has not becomes blue."""
        stack = self.timeline.tracks
        start = self.timeline.global_start_time
        timecode = self.frames(_seconds(start)) if start is not None else 0
        kept: dict[int, Marker] = {}
        for marker in stack.markers:
            frame = self.frames(_seconds(marker.marked_range.start_time))
            if frame > end and timecode > 0 and 0 <= frame - timecode <= end:
                frame -= timecode
            if not 0 <= frame <= end or frame in kept:
                self.skip("marker", marker, ": another marker is on its frame" if frame in kept
                          else ": it lies outside the timeline")
                continue
            colour = str(marker.color).lower()
            kept[frame] = Marker(id=self.new(_saved(marker).get("id"), "marker"), frame=frame,
                                 name=" ".join(str(marker.name).split())[:MAX_NAME],
                                 colour=cast(MarkerColour,
                                             colour if colour in MARKER_COLOURS else "blue"))
        return [kept[frame] for frame in sorted(kept)]


def _sound_settings(saved: dict[str, Any]) -> dict[str, Any]:
    """The gain, fades and link Frameloom saved with an audio item (what is malformed is left
    at its default; validation checks the rest)."""
    out: dict[str, Any] = {}
    if type(saved.get("gain_db")) in (int, float):
        out["gain_db"] = float(saved["gain_db"])
    for key in ("fade_in", "fade_out"):
        if type(saved.get(key)) is int and saved[key] >= 0:
            out[key] = saved[key]
    if isinstance(saved.get("link"), str):
        out["link"] = saved["link"]
    return out


def import_otio(path: str | os.PathLike[str]) -> tuple[Project, Path]:
    """Read an ``.otio`` file (Frameloom's or another editor's) into a new project.

    Clips, stills (clips of image files), gaps and dissolves (as crossfades) are kept. A
    transition at either end of a track (a fade from or to black) lengthens the track as it
    does in OTIO: the time it adds becomes a gap the crossfade mixes from or to. A Stack or
    Track nested in a track is flattened as OTIO's ``flatten_stack`` does (each frame shows its
    top-most video track's item there) and trimmed to its range, with a note saying so.
    Durations, offsets and in points are rescaled to the project rate, rounding to the nearest
    frame (halves up). Audio tracks become audio tracks: their clips are sounds (with the gain,
    fades and links Frameloom saved; a disabled track is muted), their dissolves crossfades.
    Nested compositions OTIO cannot flatten or trim, non-file references,
    disabled clips, audio tracks inside them, effects and markers on clips are listed in
    ``metadata["otio_import"]["skipped"]`` (what took time stays as a gap); missing media
    files are listed under ``"offline"`` and get
    ``Fingerprint(size=0, digest="")`` unless Frameloom saved theirs;
    ``"notes"`` says what else the user should know (the frame size was guessed...).

    Parameters
    ----------
    path
        The ``.otio`` file.

    Returns
    -------
    tuple[Project, Path]
        The project, and the folder its relative media paths start from (the file's folder).

    Raises
    ------
    InterchangeError
        Naming the file, if it is unreadable, malformed, not a timeline or not representable.
    """
    path = Path(os.path.abspath(path))
    timeline = _read_timeline(path)
    try:
        project = _Importer(path, timeline).project()
        validate.validate(project)
    except RecursionError:
        raise InterchangeError(f"{path} cannot be imported: it is nested too deeply.") from None
    except (DocumentError, TypeError, ValueError, ArithmeticError) as exc:
        raise InterchangeError(f"{path} cannot be imported: {str(exc).rstrip('.')}.") from None
    return project, path.parent
