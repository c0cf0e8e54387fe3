"""The project document: Project -> Timeline -> Tracks -> items, shaped like OpenTimelineIO.

Items and everything inside them are frozen dataclasses: an edit replaces an item instead of
mutating it, so an undo record can keep the old item by reference and put it back exactly.
Containers (Project, Timeline, Track) are mutable and are only changed through ``edits``.
Time is integer frames at the project's rational rate; every object has a stable ``id`` and a
``metadata`` dict.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, TypeAlias

from .errors import DocumentError, EditError
from .signals import Signal
from .timebase import FrameRange, parse_rate

MediaKind = Literal["still", "clip", "audio"]
MEDIA_KINDS: tuple[str, ...] = ("still", "clip", "audio")
GenerationKind = Literal["shot", "extend_forward", "extend_backward", "bridge", "loop", "retake"]
GENERATION_KINDS: tuple[str, ...] = ("shot", "extend_forward", "extend_backward", "bridge", "loop",
                                     "retake")
TakeStatus = Literal["queued", "running", "done", "failed", "cancelled", "interrupted"]
TAKE_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "cancelled", "interrupted")
TransitionKind = Literal["cut", "crossfade", "bridge"]
TRANSITION_KINDS: tuple[str, ...] = ("cut", "crossfade", "bridge")

DEFAULT_MODEL = "frameloom-mini"
#: The largest seed the studio draws or offers (every backend takes it).
MAX_SEED = 2**31 - 1


def new_id(prefix: str) -> str:
    """A fresh stable id such as ``clip-3f2a9c0d1e4b``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _meta() -> dict[str, Any]:
    return {}


#: Field metadata of a field added after format 1: a file leaves it out while it holds its
#: default, so files without it read unchanged and spec hashes do not drift.
OMIT_DEFAULT: Mapping[str, Any] = {"omit_default": True}


# --------------------------------------------------------------------------------------- media
@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Identity of a media file that survives moves and renames: size plus a hash of its ends."""

    size: int
    digest: str  # "sha256:<hex>" of the first and last MiB


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaRef:
    """A still, clip or audio file in the media pool.

    ``path`` is POSIX-style and relative to the project folder when the file lies on the same
    drive, absolute otherwise. ``probe`` holds what the media layer measured (``frames``,
    ``width``, ``height``, ``rate``...); ``frames`` bounds clip source ranges when present. An
    ``audio`` file has no frames: its ``duration`` (seconds) bounds its sounds' source ranges.
    """

    id: str
    path: str
    kind: MediaKind
    fingerprint: Fingerprint
    name: str = ""
    probe: Mapping[str, Any] = field(default_factory=_meta)
    metadata: Mapping[str, Any] = field(default_factory=_meta)

    @property
    def frames(self) -> int | None:
        """Number of frames of a clip at its own rate, if known."""
        value = self.probe.get("frames")
        return value if type(value) is int else None

    def length_at(self, rate: Fraction) -> int | None:
        """How many frames at ``rate`` (the project's) the clip covers, if known.

        Clip source ranges count frames at the project rate: frame ``k`` of a source range
        shows the media's own frame ``floor(k * media_rate / rate)``, so the last usable
        ``k`` is the one below ``frames * rate / media_rate``. An audio file covers the
        frames its sound reaches into.
        """
        if self.kind == "audio":
            return self._sound_length(rate)
        frames, own = self.frames, self._own_rate()
        if frames is None or own is None:
            return frames
        return -(-frames * rate // own)  # ceil

    def own_frame(self, frame: int, rate: Fraction) -> int:
        """The media's own frame that project-rate frame ``frame`` of it shows (see above)."""
        own = self._own_rate()
        return frame if own is None else int(frame * own // rate)

    def _sound_length(self, rate: Fraction) -> int | None:
        """Frames at ``rate`` an audio file's probed ``duration`` reaches into (None: unknown)."""
        value = self.probe.get("duration")
        try:
            # No exponents: Fraction("1e999999999") would spend minutes building the number.
            seconds = Fraction(value) if isinstance(value, str) and len(value) < 40 \
                and "e" not in value.lower() else None
        except (ValueError, ZeroDivisionError):
            return None
        return -(-seconds * rate // 1) if seconds is not None and seconds > 0 else None

    def _own_rate(self) -> Fraction | None:
        """The probed frame rate; None when unknown or unreadable (frames then count 1:1)."""
        media_rate = self.probe.get("rate")
        if media_rate is None:
            return None
        try:
            return parse_rate(media_rate)
        except DocumentError:
            return None


# --------------------------------------------------------------------------------- generation
@dataclass(frozen=True, slots=True, kw_only=True)
class Pin:
    """A known frame (or run of frames) fixed at frame ``at`` inside a generated item.

    A still is pinned with ``source = FrameRange(0, 1)``; a clip range pins ``source.duration``
    consecutive frames starting at ``at``.
    """

    id: str
    media_id: str
    source: FrameRange
    at: int
    strength: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RetakeSource:
    """What a ``retake`` shot makes again: frames ``span`` of a pool clip (``media_id``) or of
    a take's file (``take_path``), of which the timeline showed ``shown``.

    The shown frames on either side of the span are pinned, so the new frames lead from the
    ones before and into the ones after. Both ranges count the source's frames at the project
    rate, as a clip's ``source`` does; exactly one of ``media_id`` and ``take_path`` is set.
    """

    shown: FrameRange
    span: FrameRange
    media_id: str | None = None
    take_path: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LoraUse:
    """A LoRA added to the shot's model (by its name there) at a strength: 0 leaves the model
    as it is, 1 is the LoRA as trained."""

    name: str
    strength: float = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneratedSpec:
    """Everything the engine needs to make a take. ``width``/``height`` None means project size;
    ``retake`` says what a ``retake`` makes again (None for every other kind); ``draft`` asks
    for quick drafts (half size and steps, steps cached) whose takes can be made final;
    ``loras`` are LoRAs added to the model, applied with their strengths; ``attention`` (the
    attention backend) and ``compile`` (regional compilation) are its fast paths;
    ``drift_retries`` is how many times a long shot's window that drifts in colour may be made
    again with another seed (None for the engine's default)."""

    kind: GenerationKind
    prompt: str
    duration: int
    negative_prompt: str = ""
    pins: tuple[Pin, ...] = ()
    model_id: str = DEFAULT_MODEL
    seed: int = 0
    steps: int = 30
    guidance: float = 3.0
    width: int | None = None
    height: int | None = None
    retake: RetakeSource | None = field(default=None, metadata=OMIT_DEFAULT)
    draft: bool = field(default=False, metadata=OMIT_DEFAULT)
    loras: tuple[LoraUse, ...] = field(default=(), metadata=OMIT_DEFAULT)
    attention: str = field(default="native", metadata=OMIT_DEFAULT)
    compile: bool = field(default=False, metadata=OMIT_DEFAULT)
    drift_retries: int | None = field(default=None, metadata=OMIT_DEFAULT)


@dataclass(frozen=True, slots=True, kw_only=True)
class Take:
    """One result of a generation job. ``path`` lies under the project's ``takes/`` folder.

    ``metadata`` holds what the engine measured of it, such as ``seams`` (the worst seam jump
    and colour drift at its joins; see ``studio.engine_link.takes.seam_figures``), and for a
    draft its recorded job under ``draft`` (``studio.engine_link.drafts``).
    """

    id: str
    job_id: str
    path: str
    spec_hash: str
    status: TakeStatus
    created: str  # ISO 8601, UTC
    metadata: Mapping[str, Any] = field(default_factory=_meta, metadata=OMIT_DEFAULT)


@dataclass(frozen=True, slots=True, kw_only=True)
class Generation:
    """A spec, the takes made from it, and which take is shown."""

    spec: GeneratedSpec
    takes: tuple[Take, ...] = ()
    active_take_id: str | None = None

    @property
    def active_take(self) -> Take | None:
        """The take the timeline shows, if any."""
        return next((t for t in self.takes if t.id == self.active_take_id), None)


# -------------------------------------------------------------------------------------- items
@dataclass(frozen=True, slots=True, kw_only=True)
class Clip:
    """A range of a clip from the media pool.

    Like every time in the document, ``source`` counts frames at the project rate: a 24 fps
    clip in a 30 fps project has 30 source frames a second (``MediaRef.length_at``), so
    splits and trims stay exact whatever the clip's own rate.
    """

    id: str
    media_id: str
    source: FrameRange
    name: str = ""
    metadata: Mapping[str, Any] = field(default_factory=_meta)

    @property
    def duration(self) -> int:
        return self.source.duration


@dataclass(frozen=True, slots=True, kw_only=True)
class Still:
    """An image from the media pool held for ``duration`` frames."""

    id: str
    media_id: str
    duration: int
    name: str = ""
    metadata: Mapping[str, Any] = field(default_factory=_meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Generated:
    """A generated shot; ``source`` is the range of the active take shown, within the spec."""

    id: str
    generation: Generation
    source: FrameRange
    name: str = ""
    metadata: Mapping[str, Any] = field(default_factory=_meta)

    @property
    def duration(self) -> int:
        return self.source.duration


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioItem:
    """The sound of a range of a clip or audio file from the media pool, on an audio track.

    ``source`` counts frames at the project rate, as a :class:`Clip`'s does, so a linked audio
    item and its clip trim and split on the same frames. ``gain_db`` scales it; ``fade_in`` and
    ``fade_out`` are linear ramps over that many frames at its edges. ``link`` is the id of the
    video item it moves, trims, splits and is deleted with (None: free-standing).
    """

    id: str
    media_id: str
    source: FrameRange
    gain_db: float = 0.0
    fade_in: int = 0
    fade_out: int = 0
    link: str | None = None
    name: str = ""
    metadata: Mapping[str, Any] = field(default_factory=_meta)

    @property
    def duration(self) -> int:
        return self.source.duration


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """Empty time (black)."""

    id: str
    duration: int
    metadata: Mapping[str, Any] = field(default_factory=_meta)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """A transition between the two items beside it in a track; takes no time of its own.

    Like OTIO, it overlaps ``in_offset`` frames before the cut and ``out_offset`` after it. A
    ``bridge`` replaces that overlap with generated frames and carries its ``generation``.
    """

    id: str
    kind: TransitionKind
    in_offset: int = 0
    out_offset: int = 0
    generation: Generation | None = None
    metadata: Mapping[str, Any] = field(default_factory=_meta)

    @property
    def length(self) -> int:
        return self.in_offset + self.out_offset


Item: TypeAlias = Clip | Still | Generated | Gap | AudioItem
TrackEntry: TypeAlias = Clip | Still | Generated | Gap | AudioItem | Transition
ITEM_TYPES: tuple[type, ...] = (Clip, Still, Generated, Gap, AudioItem)
TrackKind = Literal["video", "audio"]


# --------------------------------------------------------------------------------- containers
@dataclass(eq=True, kw_only=True)
class Track:
    """An ordered row of items, with transitions standing between adjacent items.

    A video track holds clips, stills, shots and gaps; an audio track holds audio items and
    gaps (its transitions are crossfades). ``mute``, ``solo`` and ``gain_db`` are the mixer's
    settings of an audio track. ``locked`` (any track) refuses the edits that arrange its items
    (insert, overwrite, split, delete, lift, trim, move, transitions); their settings, a shot's
    prompt and takes, and a take's sound still change.
    """

    id: str
    name: str = ""
    kind: TrackKind = "video"
    items: list[TrackEntry] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=_meta)
    mute: bool = field(default=False, metadata=OMIT_DEFAULT)
    solo: bool = field(default=False, metadata=OMIT_DEFAULT)
    gain_db: float = field(default=0.0, metadata=OMIT_DEFAULT)
    locked: bool = field(default=False, metadata=OMIT_DEFAULT)

    def layout(self) -> Iterator[tuple[int, int, Item]]:
        """Yield ``(index, start_frame, item)`` for every item (transitions skipped)."""
        start = 0
        for index, entry in enumerate(self.items):
            if isinstance(entry, Transition):
                continue
            yield index, start, entry
            start += entry.duration

    @property
    def duration(self) -> int:
        """Length of the track in frames."""
        return sum(e.duration for e in self.items if not isinstance(e, Transition))

    def index_of(self, entry_id: str) -> int:
        """Index of the entry with ``entry_id``; raises EditError if absent."""
        for index, entry in enumerate(self.items):
            if entry.id == entry_id:
                return index
        raise EditError(f"Nothing with id {entry_id!r} is on track {self.name or self.id!r}.")

    def start_of(self, index: int) -> int:
        """Timeline frame at which the entry at ``index`` starts (for a transition: its cut)."""
        return sum(e.duration for e in self.items[:index] if not isinstance(e, Transition))


#: The colours a marker can take (Resolve's and OpenTimelineIO's names).
MARKER_COLOURS: tuple[str, ...] = ("red", "orange", "yellow", "green", "cyan", "blue", "purple",
                                   "magenta", "pink", "white")
MarkerColour = Literal["red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta",
                       "pink", "white"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    """A named point on the timeline at ``frame``, as editors mark a beat, a note or a cue."""

    id: str
    frame: int
    name: str = ""
    colour: MarkerColour = "blue"


def _markers() -> list[Marker]:
    return []


@dataclass(eq=True, kw_only=True)
class Timeline:
    """A stack of video tracks (track 0 is the bottom one) and the audio tracks beside them.

    The audio tracks are a list of their own, so everything that composites pictures reads
    ``tracks`` and never meets a sound. ``markers`` are kept in frame order, one per frame.
    """

    id: str
    name: str = "Timeline"
    tracks: list[Track] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=_meta)
    audio_tracks: list[Track] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=_markers, metadata=OMIT_DEFAULT)

    @property
    def duration(self) -> int:
        """Frames to the end of the longest track, video or audio: where sound goes on past
        the pictures, the timeline plays and exports black under it."""
        return max((t.duration for t in self.all_tracks()), default=0)

    def all_tracks(self) -> list[Track]:
        """The video tracks, then the audio tracks."""
        return [*self.tracks, *self.audio_tracks]


class DocumentEvents:
    """Signals the edits emit; views subscribe to them. Not part of the document's value.

    - ``track_spliced(track, index, removed, inserted)``: entries replaced in a track.
    - ``item_added(track, index, entry)`` / ``item_removed(track, index, entry)`` /
      ``item_changed(track, index, old, new)``: the same splice, spelled per entry.
    - ``media_changed(media_id, old, new)``: a media pool entry added (old None), removed
      (new None) or replaced.
    - ``track_added(timeline, index, track)`` / ``track_removed(timeline, index, track)``.
    - ``project_changed(field, old, new)``: name, rate, width or height.
    - ``markers_changed(old, new)``: the timeline's markers replaced (tuples in frame order).
    """

    def __init__(self) -> None:
        self.track_spliced = Signal("track_spliced")
        self.item_added = Signal("item_added")
        self.item_removed = Signal("item_removed")
        self.item_changed = Signal("item_changed")
        self.media_changed = Signal("media_changed")
        self.track_added = Signal("track_added")
        self.track_removed = Signal("track_removed")
        self.project_changed = Signal("project_changed")
        self.markers_changed = Signal("markers_changed")

    def __eq__(self, other: object) -> bool:  # events never make two documents differ
        return isinstance(other, DocumentEvents)

    __hash__ = None  # type: ignore[assignment]


@dataclass(eq=True, kw_only=True)
class Project:
    """The whole document: settings, media pool and the timeline."""

    id: str
    name: str
    rate: Fraction = Fraction(24)
    width: int = 512
    height: int = 288
    sample_rate: int = field(default=48_000, metadata=OMIT_DEFAULT)
    media: dict[str, MediaRef] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=lambda: Timeline(id=new_id("timeline")))
    metadata: dict[str, Any] = field(default_factory=_meta)
    events: DocumentEvents = field(default_factory=DocumentEvents, repr=False, compare=False)

    def track(self, track_id: str) -> Track:
        """The track with ``track_id``; raises EditError if absent."""
        for track in self.timeline.all_tracks():
            if track.id == track_id:
                return track
        raise EditError(f"There is no track with id {track_id!r}.")

    def find(self, entry_id: str) -> tuple[Track, int, TrackEntry]:
        """Locate an item or transition by id: ``(track, index, entry)``."""
        for track in self.timeline.all_tracks():
            for index, entry in enumerate(track.items):
                if entry.id == entry_id:
                    return track, index, entry
        raise EditError(f"There is no item with id {entry_id!r} in the timeline.")


def new_project(name: str, *, rate: Fraction = Fraction(24), width: int = 512,
                height: int = 288, tracks: int = 1) -> Project:
    """An empty project with ``tracks`` video tracks named V1, V2... (an audio track comes
    with the first clip that has sound)."""
    timeline = Timeline(id=new_id("timeline"), tracks=[
        Track(id=new_id("track"), name=f"V{i + 1}") for i in range(tracks)])
    return Project(id=new_id("project"), name=name, rate=rate, width=width, height=height,
                   timeline=timeline)


def item_duration(entry: TrackEntry) -> int:
    """Frames an entry occupies on its track (0 for a transition)."""
    return 0 if isinstance(entry, Transition) else entry.duration
