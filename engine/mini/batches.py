"""frameloom-mini training batches: bucketed world clips, caption dropout, conditioning layouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.mini.captions import PARTS, Scene, changed, held_out

if TYPE_CHECKING:
    import torch

# Which pins a conditioned batch imitates, each with its share of conditioned batches:
# image-to-video and extend forward (first), extend backward (last), keyframes (middle),
# bridges and loops (first and last).
KINDS = {"first": 0.3, "last": 0.2, "middle": 0.2, "first_last": 0.3}

TWIN_PARTS = ("shape", "direction")
"""The caption parts :func:`twin_batch` changes: the words frameloom-mini reads least (issue 17,
``python -m engine.mini.words``)."""


@dataclass(frozen=True)
class Layout:
    """Which latent frames of a batch are given clean, and which pins come as extra tokens.

    Attributes
    ----------
    kind
        ``"none"`` or one of :data:`KINDS`.
    windows
        ``(start, length)`` runs of clean latent frames, in place in the clip.
    appended
        The first pixel frame of a pin that LTXConditionPipeline feeds as its own tokens, as it
        does every pin at a frame other than 0: the pin is encoded alone, its first two latent
        frames go in front of the clip's tokens with time coordinates from this frame on, and any
        later ones replace the clip's latent frames from ``appended // ratio + 2`` in place
        (those are in ``windows``); or None.
    appended_frames
        The appended pin's length in pixel frames: 1 for a still, ``1 + ratio * k`` for a clip.
    """

    kind: str
    windows: tuple[tuple[int, int], ...] = ()
    appended: int | None = None
    appended_frames: int = 1

    def mask(self, latent_frames: int) -> np.ndarray:
        """The in-place clean frames as a bool array of shape ``(latent_frames,)``."""
        clean = np.zeros(latent_frames, dtype=bool)
        for start, length in self.windows:
            clean[start:start + length] = True
        return clean


def condition_layout(rng: np.random.Generator, latent_frames: int, pixel_frames: int,
                     rate: float) -> Layout:
    """Draw how one batch is conditioned: nothing, or single frames or windows given clean.

    Pins imitate what the pipeline makes of the engine's operations: a pin at frame 0 (image to
    video, extend forward, a bridge's or loop's start) is given in place; a pin later in the clip
    (extend backward, keyframes, a bridge's or loop's end) is appended as the pipeline appends
    it (see :class:`Layout`), a still or a clip starting on a latent frame's boundary. Pins
    cover at most half the clip, so some frames are always left to denoise.

    Parameters
    ----------
    rng
        The batch stream's generator.
    latent_frames, pixel_frames
        The clip's length in latent and pixel frames.
    rate
        Probability that the batch is conditioned at all.
    """
    if rng.random() >= rate or latent_frames < 2:
        return Layout("none")
    kind = str(rng.choice(list(KINDS), p=list(KINDS.values())))
    if latent_frames < 3 and kind in ("middle", "first_last"):
        kind = "first"  # two latent frames have no middle, and pinning both leaves nothing
    width = int(rng.integers(1, max(1, latent_frames // 2) + 1))
    if kind == "first":
        return Layout(kind, ((0, width),))
    head: tuple[tuple[int, int], ...] = ()
    if kind == "first_last":
        width = min(width, (latent_frames - 1) // 2)  # leave at least one frame to denoise
        head = ((0, width),)
    if kind == "middle":
        width = min(width, latent_frames - 2)  # one latent frame free on each side
    return _later_pin(rng, kind, head, width, latent_frames, pixel_frames)


def _later_pin(rng: np.random.Generator, kind: str, head: tuple[tuple[int, int], ...],
               width: int, latent_frames: int, pixel_frames: int) -> Layout:
    ratio = (pixel_frames - 1) // (latent_frames - 1)
    if width == 1:  # a still
        frame = (int(rng.integers(1, pixel_frames - 1)) if kind == "middle"
                 else pixel_frames - 1)
        return Layout(kind, head, appended=frame)
    length = 1 + ratio * (width - 1)
    start = pixel_frames - length  # ends on the clip's last frame
    if kind == "middle":
        start = ratio * int(rng.integers(1, latent_frames - width))
    rest = ((start // ratio + 2, width - 2),) if width > 2 else ()
    return Layout(kind, head + rest, appended=start, appended_frames=length)


def dissolve(video: torch.Tensor, layout: Layout, ratio: int) -> torch.Tensor:
    """A bridge's worth of clips: each clip of ``(B, 3, F, H, W)`` dissolving into the next one.

    The world never cuts from one scene to another, so a model that sees only its clips learns
    that a clip's first and last frames show the same scene, and given a bridge between two
    scenes (clip A's end pinned first, clip B's start pinned last) it continues A and cuts to B.
    Here clip ``i`` stays itself over the frames the layout's head pins, is clip ``i + 1`` (of
    the same batch: same size and length) from the appended pin's frame on, and fades between
    the two in the frames left to denoise (a smoothstep), so the model learns to travel from the
    first pin to the last. ``ratio`` is the VAE's temporal compression.
    """
    import torch

    frames = video.shape[2]
    head = sum(length for start, length in layout.windows if start == 0)
    start = 1 + ratio * (head - 1) if head else 0  # first pixel frame not pinned at the head
    end = layout.appended if layout.appended is not None else frames
    t = torch.arange(frames, dtype=video.dtype, device=video.device)
    span = max(end - start + 1, 1)
    w = ((t - start + 1) / span).clamp(0.0, 1.0)
    w = (w * w * (3 - 2 * w))[None, None, :, None, None]  # (1, 1, F, 1, 1)
    return video * (1 - w) + video.roll(-1, dims=0) * w


def stills(video: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
    """One frame of each clip of ``(B, 3, F, H, W)``, drawn at random: ``(B, 3, 1, H, W)``.

    A causal video VAE encodes a clip's first frame alone, so a still's one latent frame is what
    the transformer makes first in a clip: training on stills teaches it to draw objects within a
    frame at a fraction of a clip's cost.
    """
    import torch

    picks = torch.from_numpy(rng.integers(0, video.shape[2], len(video))).to(video.device)
    index = picks[:, None, None, None, None].expand(-1, video.shape[1], 1, *video.shape[3:])
    return video.gather(2, index)


def still_crops(stills: torch.Tensor, captions: list[str], scenes: list[Scene],
                crop: tuple[int, int], rng: np.random.Generator, jitter: float = 0.1
                ) -> tuple[torch.Tensor, list[str]]:
    """``crop`` (width, height) windows of stills ``(B, 3, 1, H, W)`` in [-1, 1], each around
    its own object (:func:`object_crop`, moved by up to ``jitter`` of the window), with their
    captions; a scene of several objects keeps its window but loses its caption (it may cut an
    object out), so it trains the unconditional flow instead."""
    import torch

    cut, texts = [], []
    for still, text, scene in zip(stills, captions, scenes):
        pixels = ((still[:, 0].permute(1, 2, 0) + 1.0) * 127.5).cpu().numpy()[None]
        top, left, height, width = crop_window(pixels, crop, rng, jitter)
        cut.append(still[..., top:top + height, left:left + width])
        texts.append(text if len(scene.objects) == 1 else "")
    return torch.stack(cut), texts


def drop_captions(captions: list[str], rng: np.random.Generator, rate: float) -> list[str]:
    """Replace each caption with ``""`` with probability ``rate`` (classifier-free guidance)."""
    keep = rng.random(len(captions)) >= rate
    return [c if k else "" for c, k in zip(captions, keep)]


def object_crop(clip: np.ndarray, crop: tuple[int, int], rng: np.random.Generator,
                jitter: float = 0.25) -> np.ndarray:
    """A ``crop`` (width, height) window of ``clip`` (F, H, W, 3) around its objects.

    The window is centred on the middle frame's object pixels (those farther than 40 RGB levels
    from the first frame's border colour), moved by up to ``jitter`` of its size so objects are
    seen anywhere in it, and kept inside the frame; a clip with no object found gets a random
    window. Objects keep the scale they have at the clip's size, unlike a smaller rendering.
    """
    top, left, ch, cw = crop_window(clip, crop, rng, jitter)
    return clip[:, top:top + ch, left:left + cw]


def crop_window(clip: np.ndarray, crop: tuple[int, int], rng: np.random.Generator,
                jitter: float = 0.25) -> tuple[int, int, int, int]:
    """:func:`object_crop`'s window of ``clip`` (F, H, W, 3): (top, left, height, width)."""
    frames, height, width, _ = clip.shape
    cw, ch = min(crop[0], width), min(crop[1], height)
    first = clip[0]
    border = np.concatenate([first[0], first[-1], first[:, 0], first[:, -1]]).astype(np.float32)
    middle = clip[frames // 2].astype(np.float32)
    ys, xs = np.nonzero(np.linalg.norm(middle - np.median(border, axis=0), axis=-1) > 40.0)
    if len(xs):
        cx = xs.mean() + rng.uniform(-jitter, jitter) * cw
        cy = ys.mean() + rng.uniform(-jitter, jitter) * ch
    else:
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
    left = int(np.clip(round(cx - cw / 2), 0, width - cw))
    top = int(np.clip(round(cy - ch / 2), 0, height - ch))
    return top, left, ch, cw


def world_batch(world: Any, rng: np.random.Generator, sizes: tuple[tuple[int, int], ...],
                frames: int, batch: int, device: str = "cpu",
                crop: tuple[int, int] | None = None
                ) -> tuple[torch.Tensor, list[str], list[Scene]]:
    """One bucket's worth of world clips: a random size, then ``batch`` clips at that size.

    With ``crop``, each clip is cut to that (width, height) around its objects
    (:func:`object_crop`); the captions then describe the uncut clip.

    Returns
    -------
    video
        Float tensor ``(batch, 3, frames, height, width)`` in [-1, 1].
    captions
        One caption per clip.
    scenes
        The scene each clip shows (for :func:`twin_batch`).
    """
    size = sizes[int(rng.integers(len(sizes)))]
    clips, captions, scenes = [], [], []
    for _ in range(batch):
        clip, caption, scene = world.sample(rng, size=size, frames=frames)  # (F, H, W, 3) uint8
        clips.append(clip if crop is None else object_crop(clip, crop, rng))
        captions.append(caption)
        scenes.append(scene)
    return _to_video(clips, device), captions, scenes


def twin_batch(world: Any, scenes: list[Scene], video: torch.Tensor, rng: np.random.Generator,
               parts: tuple[str, ...] = TWIN_PARTS) -> tuple[torch.Tensor, torch.Tensor]:
    """Each clip's twin: its scene with one caption part of ``parts`` changed, rendered alike.

    The part is drawn among those the scene has (a direction only for an object that moves);
    a twin is never a held-out scene, so held-out combinations stay unseen even as negatives.
    A twin differs from its clip where the word shows and nowhere else: the same background,
    the same other objects, the same start (shifted only as far as the new shape needs to stay
    in frame), so training can tell the model how far its flow for the caption must be from
    the flow of the same scene with another word (:func:`engine.mini.losses.flow_loss`).

    Parameters
    ----------
    scenes
        The scenes of ``video`` ``(B, 3, F, H, W)``, uncropped, as :func:`world_batch` gives.

    Returns
    -------
    twins, found
        ``(B, 3, F, H, W)`` in [-1, 1], and ``(B,)`` bool: whether clip i has a twin (where it
        has none, its twin is a copy of it). Only solid backgrounds get twins: a gradient or a
        texture is drawn anew with every rendering, so its twin would differ everywhere.
    """
    import torch

    frames, size = video.shape[2], (video.shape[4], video.shape[3])
    twins, found = video.clone(), torch.zeros(len(scenes), dtype=torch.bool)
    for index, scene in enumerate(scenes):
        options = [part for part in parts if PARTS[part][1](scene) is not None]
        if scene.shading != "solid":  # a gradient or texture is drawn anew: the twin's would differ
            options = []
        for _ in range(4 if options else 0):  # a held-out change is drawn again
            twin = changed(scene, options[int(rng.integers(len(options)))], rng)
            if twin is not None and not held_out(twin):
                twins[index] = _to_video([world.render(twin, size, frames)], video.device)[0]
                found[index] = True
                break
    return twins, found


def _to_video(clips: list[Any], device: Any) -> torch.Tensor:
    """uint8 clips ``(F, H, W, 3)`` as one float tensor ``(B, 3, F, H, W)`` in [-1, 1]."""
    import torch

    stacked = torch.from_numpy(np.stack([np.asarray(clip) for clip in clips]))
    return stacked.permute(0, 4, 1, 2, 3).to(device).float() / 127.5 - 1.0
