"""Frames of a timeline for the viewer: random access, cheap sequential reads, a small cache.

The viewer renders on a worker thread while the user keeps editing on the GUI thread, so it
works on a :func:`snapshot` of the document (items are immutable; only the track lists and the
media pool are copied). :class:`PreviewFrames` keeps one decode running: asking for the frame
after the last one (or a few frames ahead, when playback drops frames) continues it instead of
seeking again, and a small LRU cache answers repeated scrubbing over the same frames. Clips are
read from their preview proxies where one was built (the studio builds them in the background on
import; :mod:`studio.media.proxy`): any frame of a proxy is one small JPEG away, where a random
frame of long-GOP footage can take a hundred frames of decoding.
"""

from __future__ import annotations

import dataclasses
import os
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from studio.document.errors import EditError
from studio.document.model import DocumentEvents, Generated, Project, Timeline, Track
from studio.errors import RenderError
from studio.media.proxy import PROXY_SIZE
from studio.render.timeline import TimelineRenderer

#: Reading on up to this many frames is cheaper than a seek (about one GOP of a phone clip).
SKIP_AHEAD = 24


def snapshot(project: Project) -> Project:
    """A copy of ``project`` that later edits do not change (they replace items, not edit them).

    It is for rendering only, so the timeline's markers and metadata stay behind."""
    timeline = project.timeline
    tracks, sounds = ([dataclasses.replace(track, items=list(track.items), metadata={})
                       for track in kind] for kind in (timeline.tracks, timeline.audio_tracks))
    return dataclasses.replace(
        project, media=dict(project.media), metadata={}, events=DocumentEvents(),
        timeline=Timeline(id=timeline.id, name=timeline.name, tracks=tracks,
                          audio_tracks=sounds))


def preview_size(width: int, height: int, longest: int = PROXY_SIZE) -> tuple[int, int]:
    """The project size scaled so its longer side is at most ``longest``, in even pixels."""
    scale = min(1.0, longest / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class PreviewFrames:
    """Timeline frames of one snapshot at a preview size.

    Parameters
    ----------
    project
        A :func:`snapshot`; it must not change while this object is used.
    project_dir
        Where its relative media and take paths start.
    width, height
        The preview size (even numbers).
    cache_frames
        How many recent frames to keep.

    Raises
    ------
    RenderError
        If a file the timeline needs is offline (one sentence naming it).
    """

    def __init__(self, project: Project, project_dir: str | os.PathLike[str], width: int,
                 height: int, *, cache_frames: int = 48) -> None:
        self.renderer = TimelineRenderer(project, project_dir, width=width, height=height,
                                         proxies=True)
        self.total = self.renderer.total
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_frames = cache_frames
        self._stream: Iterator[np.ndarray] | None = None
        self._next = 0  # the frame the running stream yields next
        self.seeks = 0  # how many times a new decode was started (for tests and benchmarks)

    def frame(self, index: int) -> np.ndarray | None:
        """Frame ``index`` as ``(H, W, 3)`` uint8 RGB (owned by the caller); None past the end."""
        if not 0 <= index < self.total:
            return None
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached.copy()
        if self._stream is None or not self._next <= index <= self._next + SKIP_AHEAD:
            self._restart(index)
        assert self._stream is not None
        frame: np.ndarray | None = None
        while self._next <= index:
            frame = next(self._stream)
            self._next += 1
        assert frame is not None
        result = np.array(frame, dtype=np.uint8, copy=True)
        self._cache[index] = result
        if len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)
        return result.copy()

    def _restart(self, index: int) -> None:
        self.close()
        self._stream = self.renderer.frames(index, self.total)
        self._next = index
        self.seeks += 1

    def close(self) -> None:
        """End the running decode (its readers close)."""
        if self._stream is not None:
            close = getattr(self._stream, "close", None)
            if close is not None:
                close()
            self._stream = None


def take_preview(project: Project, entry_id: str, take_id: str) -> tuple[Project, int]:
    """A project of the one item ``entry_id`` showing its take ``take_id``, and the timeline
    frame that item starts at, so the viewer can show a take before it is chosen.

    Raises
    ------
    EditError
        If there is no such item or take.
    """
    track, index, entry = project.find(entry_id)
    generation = getattr(entry, "generation", None)
    if not isinstance(entry, Generated) or generation is None or \
            all(take.id != take_id for take in generation.takes):
        raise EditError(f"There is no take {take_id!r} of {entry_id!r} to show.")
    shown = dataclasses.replace(entry, generation=dataclasses.replace(
        generation, active_take_id=take_id))
    alone = Track(id=track.id, name=track.name, items=[shown])
    return (dataclasses.replace(project, media=dict(project.media), metadata={},
                                events=DocumentEvents(),
                                timeline=Timeline(id=project.timeline.id, tracks=[alone])),
            track.start_of(index))


def frame_at(project: Project, project_dir: str | os.PathLike[str], frame: int) -> np.ndarray:
    """Timeline frame ``frame`` at the project's size (an odd side one pixel less), as
    ``(H, W, 3)`` uint8 RGB, read from the media itself (never a proxy): what Export Frame saves.

    Raises
    ------
    RenderError
        If the frame lies outside the timeline, or a file it needs is offline.
    """
    duration = project.timeline.duration
    if not 0 <= frame < duration:
        raise RenderError(f"Frame {frame} lies outside the timeline's {duration} frames; move "
                          "the playhead onto a frame.")
    renderer = TimelineRenderer(snapshot(project), project_dir,
                                width=max(2, project.width // 2 * 2),
                                height=max(2, project.height // 2 * 2))
    stream = renderer.frames(frame, frame + 1)
    try:
        return np.array(next(stream), dtype=np.uint8, copy=True)
    finally:
        stream.close()  # type: ignore[attr-defined]
