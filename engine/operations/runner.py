"""Run a plan in this process: generate each window, match and blend seams, trim, join, write."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import av
import numpy as np

from engine.backends import Preview
from engine.backends.cache import PipelineCache
from engine.models.installed import find_model
from engine.models.licences import licence_record
from engine.operations.colour import (
    HOLD_LIMIT,
    crossfade,
    dominant_lab,
    hold_colour,
    match_colour,
)
from engine.operations.mend import FADE, Edge, edge, error, mend, record, weights
from engine.operations.planner import Clip, Operation, Plan, PlanError, Window
from engine.operations.rematch import better, mark_visible, rematch
from engine.operations.seams import Segment, mean_lab, measure, travel
from engine.output.audio import sound_between, sound_of, with_sound
from engine.output.record import map_strings, provenance
from engine.output.video import write_video
from engine.protocol.requests import MAX_SEED, GenerationRequest

WindowStep = Callable[[int, int, int, int, "Preview | None"], None]
"""Called after each denoising step with ``(window, windows, step, total, preview)``; window
counts from 0. Whatever it raises (a cancel) propagates out of :func:`run_plan` unchanged."""

DRIFT_LIMIT = 3.0
"""Mean Delta E in Lab from the first window (or the last one a timed prompt moved) above which
a long shot's later window is made again with another seed (2.3 is a just-noticeable
difference). The hold on the dominant colour cannot bring the mean back: on frameloom-mini it
is the object that drifts, growing or shrinking from window to window."""
DRIFT_RETRIES = 2
"""How many more times at most a long shot's drifting window is made; the one that drifted
least is kept."""
_RESEED = 7919  # added to a window's seed per try: another noise, the same for the same take


def run_plan(plan: Plan, on_step: WindowStep, cache: PipelineCache | None = None,
             profile: str | None = None, mended: dict[str, float] | None = None,
             retries: int | None = None) -> np.ndarray:
    """Generate every window of ``plan`` and assemble the take (the new frames only).

    Window ``k > 0`` of a chain is colour-matched to the take over its ``blend`` frames (Lab
    mean and std), then those frames are crossfaded with the take's last ones (its first ones
    for a window that comes before the take: backward chains). A window that a later one pins
    is written to its ``output`` file first, as corrected. Where the take meets a source clip
    whose frames the window pinned, the pin's error is faded out of the take's frames there
    (:mod:`engine.operations.mend`), as is what a crossfade leaves at a window's seam. In a
    long shot, a later window's new frames are held to the first window's dominant colour
    (:func:`engine.operations.colour.dominant_lab`) when theirs drifted less than
    :data:`engine.operations.colour.HOLD_LIMIT` from it, fading in from its seam; a window
    that moved further (a timed prompt that asks for another backdrop or light) is left as
    made and holds the windows after it instead. Such a held window whose mean colour, held,
    is still more than :data:`DRIFT_LIMIT` from the window it is held to is made again with
    another seed, up to ``retries`` times, and the one that drifted least is kept. The windows
    of an operation continue a clip and are not held.

    Parameters
    ----------
    plan
        A plan from :func:`engine.operations.planner.make_plan`.
    on_step
        Progress and cancel; see :data:`WindowStep`.
    cache
        Loaded pipelines to reuse; a new cache on the best device when None.
    profile
        The memory profile to load the model with; the cache's first choice when None.
    mended
        When given, filled with the ends of the take mended, each with its pin's mean error
        in grey levels, each later window held (``"window k"``) with the Delta E held back,
        and each window made again for its drift (``"window k made again"``) with how many
        more times it was made (what the take's seam record says, :func:`write_outputs`).
    retries
        The most times a long shot's drifting window is made again (0: never); None for the
        plan's (its operation's), else :data:`DRIFT_RETRIES`.

    Returns
    -------
    numpy.ndarray
        uint8 frames ``(plan.take_frames, height, width, 3)``.

    Raises
    ------
    engine.models.installed.ModelError
        If the model is not installed.
    engine.backends.BackendError
        If the model cannot be loaded or run.
    """
    cache = cache or PipelineCache()
    info = find_model(plan.windows[0].request.model_id)
    backend = cache.get(info, profile or cache.first_profile(info, plan.windows[0].request.profile))
    take: np.ndarray | None = None
    # In time, the first window is the last one planned for a backward chain.
    first, last = 0, len(plan.windows) - 1
    if plan.windows[0].before:
        first, last = last, first
    edges: list[Edge] = []
    held: dict[str, float] = {}  # per later window, the Delta E its colour was held back
    anchor: np.ndarray | None = None  # the dominant Lab colour later windows are held to
    reference = np.zeros(3)  # the mean Lab colour of the window that set the anchor
    hold = plan.operation == "long_shot"
    if retries is None:
        retries = DRIFT_RETRIES if plan.retries is None else plan.retries
    read = functools.cache(read_clip)  # a retake's two ends pin the same clip: decode it once
    for k, window in enumerate(plan.windows):
        def step(done: int, total: int, preview: Preview | None, k: int = k) -> None:
            on_step(k, len(plan.windows), done, total, preview)

        def at_end(_done: int, total: int, preview: Preview | None, k: int = k) -> None:
            # A window made again keeps the progress at its end (it does not run backwards);
            # its previews still show and a cancel still stops it.
            on_step(k, len(plan.windows), total, total, preview)

        keep, blend = window.keep, window.blend
        frames = _made(backend, window, take, step, window.request.seed)
        if hold and take is not None and anchor is not None and not window.before:
            again = functools.partial(_made, backend, window, take, at_end)
            frames, tries = _least_drift(frames, again, window.request.seed, retries,
                                         (keep.start + blend, keep.end), anchor, reference)
            if tries and mended is not None:
                mended[f"window {k} made again"] = float(tries)
        if window.output is not None:
            write_video(frames, window.request.fps, Path(window.output),
                        {"operation": plan.operation, "window": k})
        for side, end in (("start", first), ("end", last)):
            found = edge(side, window, frames, plan.clips, read) if k == end else None
            edges += [found] if found is not None else []
        kept = frames[keep.start:keep.end]
        if take is None:
            take = kept.copy()
            anchor, reference = dominant_lab(take), mean_lab(take)
            continue
        # The crossfade ends off the window's own frame by part of the pins' error; that rest
        # fades out of the window's next frames as at a clip (engine.operations.mend).
        if window.before:
            seam = crossfade(kept[len(kept) - blend:], take[:blend])
            rest = kept[:len(kept) - blend]
            if blend:
                rest = mend(rest, [Edge("end", error(seam[0], kept[len(kept) - blend]))])
            take = np.concatenate([rest, seam, take[blend:]])
            continue
        seam = crossfade(take[len(take) - blend:], kept[:blend])
        rest = kept[blend:]
        if hold and anchor is not None and len(rest):
            rest, held[f"window {k}"] = hold_colour(rest, anchor, 1.0 - weights(len(rest), FADE))
            if not held[f"window {k}"]:  # moved far (asked for), or not at all: its colour holds
                anchor, reference = dominant_lab(rest), mean_lab(rest)
        if blend:
            rest = mend(rest, [Edge("start", error(seam[-1], kept[blend - 1]))])
        take = np.concatenate([take[:len(take) - blend], seam, rest])
    if take is None or len(take) != plan.take_frames:
        raise AssertionError(f"the plan made {0 if take is None else len(take)} frames, "
                             f"not {plan.take_frames}")
    take = mend(take, edges)
    if mended is not None:
        mended.update(record(edges))
        mended.update({name: round(moved, 3) for name, moved in held.items() if moved})
    # One window (a shot the studio sends as an operation, an extension): the take keeps the
    # sound of the frames it keeps. Windows joined at seams are not given joined sound yet.
    sound = sound_of(frames) if len(plan.windows) == 1 else None
    if sound is not None:
        keep = plan.windows[0].keep
        take = with_sound(take, sound_between(sound, keep.start, keep.end,
                                              plan.windows[0].request.fps))
    return take


def _made(backend: Any, window: Window, take: np.ndarray | None, step: Callable[..., None],
          seed: int) -> np.ndarray:
    """Window ``window`` made with ``seed``, colour-matched to ``take`` over its overlap."""
    frames: np.ndarray = backend.generate(dataclasses.replace(window.request, seed=seed), step)
    keep, blend = window.keep, window.blend
    if blend and take is not None:
        # Matched over the frames that lie over the take: its last ones, or for a window
        # before it (a backward chain), its first ones.
        ours = (frames[keep.end - blend:keep.end] if window.before
                else frames[keep.start:keep.start + blend])
        frames = match_colour(frames, ours, take[:blend] if window.before else take[-blend:])
    return frames


def _least_drift(frames: np.ndarray, made: Callable[[int], np.ndarray], seed: int, retries: int,
                 new: tuple[int, int], anchor: np.ndarray, reference: np.ndarray
                 ) -> tuple[np.ndarray, int]:
    """A long shot's window, made again while it drifts: ``(frames, times made again)``.

    ``frames`` is the window as made (colour-matched to the take); ``made(seed)`` makes it again
    with another seed. A window's drift is the mean Lab colour of its new frames ``new`` (start,
    end), held to ``anchor`` as :func:`run_plan` will hold them, against ``reference``. A window
    whose dominant colour moved :data:`HOLD_LIMIT` or more (a timed prompt's change, asked for)
    is not made again, nor is one within :data:`DRIFT_LIMIT`.
    """
    def drift(candidate: np.ndarray) -> float | None:
        rest = candidate[new[0]:new[1]]
        if not len(rest) or np.linalg.norm(anchor - dominant_lab(rest)) >= HOLD_LIMIT:
            return None
        held, _ = hold_colour(rest, anchor, 1.0 - weights(len(rest), FADE))
        return float(np.linalg.norm(mean_lab(held) - reference))

    least, tries = drift(frames), 0
    while least is not None and least > DRIFT_LIMIT and tries < retries:
        tries += 1
        again = made((seed + tries * _RESEED) % (MAX_SEED + 1))
        other = drift(again)
        if other is not None and other < least:
            frames, least = again, other
    return frames, tries


def probe_clip(path: str | Path) -> Clip:
    """The clip at ``path`` with its length, decoded with PyAV (exact for any codec).

    Raises
    ------
    PlanError
        If the file is missing or holds no decodable video.
    """
    source = Path(path).expanduser().resolve()
    if not source.is_file():
        raise PlanError(f"The clip {source} does not exist.")
    try:
        with av.open(str(source)) as container:
            frames = sum(1 for _ in container.decode(video=0))
    except (OSError, av.FFmpegError, IndexError) as exc:
        raise PlanError(f"The clip {source} cannot be decoded ({exc}).") from None
    if not frames:
        raise PlanError(f"The clip {source} holds no video frames.")
    return Clip(str(source), frames)


def clips_in(paths: Sequence[str], ranges: Sequence[tuple[int, int]] = ()) -> tuple[Clip, ...]:
    """The clips at ``paths``, each with its length, or the ``(start, frames)`` of it to use.

    Raises
    ------
    PlanError
        If a file is missing or undecodable, or a range reaches past the clip's last frame.
    """
    clips = tuple(probe_clip(path) for path in paths)
    if not ranges:
        return clips
    used = []
    for clip, (start, frames) in zip(clips, ranges, strict=True):
        if start + frames > clip.frames:
            raise PlanError(f"The clip {clip.path} has {clip.frames} frames, but frames "
                            f"{start}-{start + frames - 1} of it were asked for; it may have "
                            "changed since it was put on the timeline.")
        used.append(Clip(clip.path, frames, start=start))
    return tuple(used)


def clip_rate(path: str) -> float | None:
    """The clip's average frame rate, or None when the container does not say."""
    with av.open(path) as container:
        rate = container.streams.video[0].average_rate
    return float(rate) if rate else None


def read_clip(path: str, width: int, height: int) -> np.ndarray:
    """Every frame of a clip as uint8 RGB ``(N, height, width, 3)``, resized when it differs."""
    import cv2

    frames: list[np.ndarray] = []
    with av.open(path) as container:
        for frame in container.decode(video=0):
            image: np.ndarray = frame.to_ndarray(format="rgb24")
            if image.shape[:2] != (height, width):
                image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
            frames.append(image)
    return np.stack(frames)


def join(plan: Plan, take: np.ndarray,
         decoded: dict[int, np.ndarray] | None = None) -> np.ndarray:
    """The joined result: source clips and take in the order of ``plan.joined``.

    Sources are resized to the take's size, except for a retake, whose take is resized to its
    clip's size instead, so the clip's frames outside the range are its decoded frames exactly.
    ``decoded`` keeps the decoded source clips (by clip index) for another join of the same plan
    and take size, so they are read once.
    """
    _, height, width, _ = take.shape
    if plan.operation == "retake":
        import cv2

        with av.open(plan.clips[0].path) as container:
            context = container.streams.video[0].codec_context
            width, height = context.width, context.height
        if take.shape[1:3] != (height, width):
            take = np.stack([cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
                             for image in take])
    decoded = {} if decoded is None else decoded
    parts = []
    for part in plan.joined:
        if part.clip is None:
            source = take
        else:
            if part.clip not in decoded:
                decoded[part.clip] = read_clip(plan.clips[part.clip].path, width, height)
            source = decoded[part.clip]
        parts.append(source[part.span.start:part.span.end])
    return np.concatenate(parts)


def seam_measures(plan: Plan, take: np.ndarray, joined: np.ndarray) -> dict[str, Any]:
    """The seam jump and colour drift at every join of the joined result: between source
    clips and the take, and between the take's windows (see :func:`engine.operations.seams.
    measure`); a loop's join from its take back to its clip's start too. A bridge's also say
    how it travels from A to B (:func:`engine.operations.seams.travel`, under ``"travel"``)."""
    sizes = [w.keep.frames - w.blend for w in plan.windows]
    if plan.windows[0].before:  # planned backwards: window 0 is the last in time
        sizes.reverse()
    names = [f"window {k}" for k in range(len(sizes))]
    if plan.windows[0].before:
        names.reverse()
    segments, at = [], 0
    for part in plan.joined:
        if part.clip is None:
            for name, size in zip(names, sizes, strict=True):
                segments.append(Segment(name, at, size))
                at += size
        else:
            name = Path(plan.clips[part.clip].path).name
            segments.append(Segment(f"clip {name}", at, part.span.frames))
            at += part.span.frames
    measures = measure(joined, segments, take, wrap=plan.operation == "loop")
    if plan.operation == "bridge":  # joined is A, the take, B: from A's last frame to B's first
        first = plan.joined[0].span.frames - 1
        measures["travel"] = travel(joined[first:first + len(take) + 2])
    return measures


def write_outputs(plan: Plan, take: np.ndarray, take_path: Path, joined_path: Path | None = None,
                  settings: dict[str, Any] | None = None,
                  originals: Mapping[str, str] | None = None,
                  mended: Mapping[str, float] | None = None
                  ) -> tuple[list[Path], dict[str, Any]]:
    """Write the take and, when asked, the joined result, each carrying the plan as settings
    and the seam measures (:func:`seam_measures`, under ``"seams"``); returns the paths
    written and the measures.

    Where the take meets a source clip with too different a colour, it is first graded
    towards the clip (:func:`engine.operations.rematch.rematch`) and kept graded when that
    makes its seams better; the measures say which ends were matched and which joins show.

    ``originals`` maps the paths of copies a cluster node ran on to the files they copy; the
    settings written name the originals. ``mended`` is what :func:`run_plan` reported of the
    pin errors it faded out; the record keeps it under ``"mended"``.

    Raises
    ------
    engine.output.video.OutputError
        If a video cannot be written or does not decode.
    """
    fps = plan.windows[0].request.fps
    sound = sound_of(take)  # grading makes a new array; the sound of its frames stays theirs
    sources: dict[int, np.ndarray] = {}
    joined = join(plan, take, sources)
    seams = seam_measures(plan, take, joined)
    graded, matched = rematch(plan, take, joined)
    if matched:
        graded_joined = join(plan, graded, sources)
        graded_seams = seam_measures(plan, graded, graded_joined)
        if better(graded_seams, seams):
            take, joined, seams = graded, graded_joined, graded_seams
        else:
            matched = []
    seams = {**mark_visible(seams, matched), "mended": dict(mended or {})}
    common = {**plan.to_dict(), **(settings or {}), "seams": seams}
    if originals:
        common = map_strings(common, lambda text: originals.get(text, text))
    if sound is not None and sound_of(take) is None:
        take = with_sound(take, sound)
    written = [write_video(take, fps, take_path, {**common, "part": "take"})]
    if joined_path is not None:
        written.append(write_video(joined, fps, joined_path, {**common, "part": "joined"},
                                   lossless=plan.operation == "retake"))
    return written, seams


def replay_settings(request: GenerationRequest, operation: Operation) -> dict[str, Any]:
    """What ``--from`` needs besides the plan: the user's request and operation, and provenance."""
    spec = {"kind": operation.kind, "frames": operation.frames,
            "clips": [clip.path for clip in operation.clips],
            "ranges": [[clip.start, clip.frames] for clip in operation.clips],
            "context": operation.context,
            "window": operation.window, "retries": operation.retries,
            "cues": [[cue.frame, cue.prompt] for cue in operation.cues],
            "span": [operation.span.start, operation.span.frames] if operation.span else None}
    return {"base": request.to_dict(), "spec": spec,
            **provenance(request, find_model(request.model_id).path),
            **licence_record(request.model_id)}
