"""Render a project's timeline to RGB frames at the project's (or a chosen) size and rate.

:class:`TimelineRenderer` resolves media against the project folder, checks up front that every
file the timeline needs is online, and then yields frames interval by interval (see
:mod:`studio.render.plan` for transition and compositing rules). Each item's reader stays open
while the item plays, across the transitions on either side of it, and is closed after its
last interval.

Clip and take frames follow the document's time rule: a source range counts frames at the
project rate, so timeline frame ``t`` of an item starting at ``s`` shows the file's own frame
``floor((source.start + t - s) * file_rate / project_rate)`` (a 24 fps clip in a 30 fps project
repeats every fourth frame and plays in real time).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np

from studio.document.model import (
    AudioItem,
    Clip,
    Gap,
    Generated,
    Item,
    Project,
    Still,
    Take,
    Transition,
)
from studio.document.persistence import resolve_media_path
from studio.errors import RenderError

from . import raster
from .feeds import Feed, NativeVideoFeed, VideoFeed, still_feed
from .plan import Black, Bridge, Interval, Mix, Play, timeline_intervals


def _done_take(item: Generated | Transition) -> Take | None:
    generation = item.generation
    take = generation.active_take if generation is not None else None
    return take if take is not None and take.status == "done" else None


class TimelineRenderer:
    """The frames of ``project``'s timeline.

    Parameters
    ----------
    project
        The document to render.
    project_dir
        Folder that relative media and take paths are resolved against.
    width, height, rate
        Output size and frame rate; None means the project's. Width and height must be even
        (the encoders subsample chroma).
    native
        Let :meth:`frames` yield decoded ``av.VideoFrame`` objects (in the source's pixel
        format) where a clip plays untouched at the output size; export uses this to skip a
        colour round trip. False (the default) yields RGB arrays only.
    proxies
        Read clips from their preview proxies when one exists and the output size fits it
        (the viewer does; exports never do).

    Raises
    ------
    RenderError
        If the size or rate is unusable, or a media file or take the timeline uses is offline.
    """

    def __init__(self, project: Project, project_dir: str | os.PathLike[str], *,
                 width: int | None = None, height: int | None = None,
                 rate: Fraction | int | None = None, native: bool = False,
                 proxies: bool = False) -> None:
        self.project = project
        self.native = native
        self.proxies = proxies
        self.project_dir = Path(project_dir)
        self.width = int(width or project.width)
        self.height = int(height or project.height)
        self.rate = Fraction(rate) if rate is not None else Fraction(project.rate)
        if self.width < 2 or self.height < 2 or self.width % 2 or self.height % 2:
            raise RenderError(f"The output size {self.width}x{self.height} must be even numbers "
                              f"of pixels, at least 2x2.")
        if not 0 < self.rate < 1000:
            raise RenderError(f"The output frame rate {float(self.rate):g} fps is outside "
                              f"0-1000 fps.")
        self.duration = project.timeline.duration  # in project frames
        # Output frame n shows timeline frame floor(n * project_rate / rate); count every n
        # whose timeline frame lies inside the timeline.
        step = Fraction(project.rate) / self.rate
        self.total = -(-self.duration * self.rate.numerator * project.rate.denominator
                       // (self.rate.denominator * project.rate.numerator)) if step != 1 \
            else self.duration
        self._step = step
        self._black = raster.black(self.width, self.height)
        self.check_online()

    # ------------------------------------------------------------------------------ media
    def _media_path(self, item: Clip | Still) -> Path:
        media = self.project.media.get(item.media_id)
        if media is None:
            raise RenderError(f"{self._describe(item)} uses media {item.media_id!r}, which is "
                              f"not in the project's media pool.")
        return resolve_media_path(self.project_dir, media)

    def _take_path(self, take: Take) -> Path:
        return resolve_media_path(self.project_dir, take.path)

    @staticmethod
    def _describe(item: Item | Transition) -> str:
        name = getattr(item, "name", "") or item.id
        kind = type(item).__name__.lower()
        return f"the {kind} {name!r}"

    def check_online(self) -> None:
        """Raise RenderError naming the first file the timeline needs that is not on disk."""
        for track in self.project.timeline.tracks:
            for entry in track.items:
                path: Path | None = None
                if isinstance(entry, (Clip, Still)):
                    path = self._media_path(entry)
                elif isinstance(entry, (Generated, Transition)):
                    take = _done_take(entry)
                    path = self._take_path(take) if take is not None else None
                if path is not None and not path.is_file():
                    what = "Take" if isinstance(entry, (Generated, Transition)) else "Media"
                    raise RenderError(f"{what} file {path} used by {self._describe(entry)} is "
                                      f"offline; relink it (or regenerate the take) and render "
                                      f"again.")

    # ------------------------------------------------------------------------------ feeds
    def _feed(self, item: Item | Transition) -> Feed:
        size = (self.width, self.height)
        what = self._describe(item)
        if isinstance(item, (Gap, AudioItem)):  # a sound is never on a video track
            return Feed(self._black)
        if isinstance(item, Still):
            return still_feed(self._media_path(item), *size, what)
        if isinstance(item, Clip):
            media = self.project.media.get(item.media_id)
            key = media.fingerprint.digest if media is not None else None
            return self._video_feed(self._media_path(item), item.source.start, what, key)
        take = _done_take(item)
        if isinstance(item, Transition):
            assert take is not None  # a Bridge interval exists only for a done take
            return self._video_feed(self._take_path(take), 0, what)
        if take is None:
            return Feed(raster.placeholder_card(item.generation.spec.prompt, *size))
        return self._video_feed(self._take_path(take), item.source.start, what)

    def _video_feed(self, path: Path, in_point: int, what: str, key: str | None = None
                    ) -> Feed:
        if self.native:
            from studio.errors import MediaError
            from studio.media.probe import probe_clip

            try:
                fits = NativeVideoFeed.fits(probe_clip(path)[0], self.width, self.height)
            except MediaError:
                fits = False  # VideoFeed reports the problem in its own words
            if fits:
                return NativeVideoFeed(path, in_point, self.project.rate, what)
        return VideoFeed(path, in_point, self.project.rate, self.width, self.height, what,
                         key=key, use_proxy=self.proxies)

    # ------------------------------------------------------------------------------ frames
    def _timeline_frames(self, start: int, stop: int) -> Iterator[np.ndarray]:
        """Timeline frames ``[start, stop)`` at the project rate, each a fresh-or-shared array."""
        intervals = timeline_intervals(self.project, start, stop)
        last_use: dict[int, int] = {}
        for n, interval in enumerate(intervals):
            for source in _sources(interval):
                last_use[id(source)] = n
        feeds: dict[int, Feed] = {}

        def feed(source: Item | Transition) -> Feed:
            key = id(source)
            if key not in feeds:
                feeds[key] = self._feed(source)
            return feeds[key]

        try:
            for n, interval in enumerate(intervals):
                if isinstance(interval, Black):
                    for _ in range(interval.start, interval.end):
                        yield self._black
                elif isinstance(interval, Play):
                    playing = feed(interval.item)
                    # Passed-through av.VideoFrames travel typed as arrays: only export sets
                    # ``native``, and its VideoWriter.prepare takes both (see frames()).
                    get = cast("Callable[[int], np.ndarray]", playing.native) \
                        if isinstance(playing, NativeVideoFeed) else playing.frame
                    origin = interval.item_start
                    for t in range(interval.start, interval.end):
                        yield get(t - origin)
                elif isinstance(interval, Bridge):
                    get = feed(interval.transition).frame
                    for t in range(interval.start, interval.end):
                        yield get(t - interval.fade_start)
                else:
                    a, b = feed(interval.outgoing).frame, feed(interval.incoming).frame
                    for t in range(interval.start, interval.end):
                        k = t - interval.fade_start
                        yield raster.mix(a(t - interval.outgoing_start),
                                         b(t - interval.incoming_start), k / interval.length)
                for key in [k for k in feeds if last_use.get(k, -1) <= n]:
                    feeds.pop(key).close()
        finally:
            for f in feeds.values():
                f.close()

    def frames(self, start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Output frames ``[start, stop)`` (at the output rate) as ``(H, W, 3)`` uint8 RGB.

        Yielded arrays may be shared between frames (a held still, black) and must be treated
        as read-only; copy one to keep or change it. With ``native=True``, frames of clips that
        play untouched come as decoded ``av.VideoFrame`` objects instead.
        """
        stop = self.total if stop is None else min(stop, self.total)
        start = max(0, start)
        if start >= stop:
            return
        if self._step == 1:
            yield from self._timeline_frames(start, stop)
            return
        num, den = self._step.numerator, self._step.denominator
        first, last = start * num // den, (stop - 1) * num // den
        source = self._timeline_frames(first, last + 1)
        current, position = next(source), first
        for n in range(start, stop):
            wanted = n * num // den
            while position < wanted:
                current, position = next(source), position + 1
            yield current


def _sources(interval: Interval) -> tuple[Item | Transition, ...]:
    if isinstance(interval, Play):
        return (interval.item,)
    if isinstance(interval, Mix):
        return (interval.outgoing, interval.incoming)
    if isinstance(interval, Bridge):
        return (interval.transition,)
    return ()


def render_frames(project: Project, project_dir: str | os.PathLike[str], *,
                  width: int | None = None, height: int | None = None,
                  rate: Fraction | int | None = None) -> Iterator[np.ndarray]:
    """Shorthand for ``TimelineRenderer(...).frames()``: every output frame in order."""
    return TimelineRenderer(project, project_dir, width=width, height=height, rate=rate).frames()
