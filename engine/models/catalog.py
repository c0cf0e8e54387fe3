"""The models Frameloom knows how to get: hub repos, sizes, memory needs and operations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.models.profiles import PROFILES

OPERATIONS = ("shot", "extend_forward", "extend_backward", "bridge", "loop", "long_shot")
"""Every operation a Generated item can ask for (see the document's spec kinds)."""

_GIB = 2**30


@dataclass(frozen=True)
class CatalogEntry:
    """One model the model manager can install.

    Parameters
    ----------
    id
        The model id, also the folder name under :func:`engine.paths.models_dir`.
    family
        The backend family (``engine.backends.FAMILIES``), or for an entry with no backend yet
        the family its diffusers pipelines belong to.
    repo
        The Hugging Face Hub repo id, or None for a model that ships with Frameloom.
    revision
        A branch, tag or commit of ``repo``; None means the repo's default branch.
    size_bytes
        Approximate download size, or None when nothing is downloaded.
    min_vram_gib
        Approximate GPU memory needed per memory profile (:data:`engine.models.profiles.PROFILES`).
    operations
        The operations (from :data:`OPERATIONS`) the model can run; for an entry that is not
        installable, what its diffusers pipelines could run once it has a backend.
    licence
        The name of the weights' licence.
    description
        One line for people choosing a model.
    installable
        False when Frameloom has no backend for the model yet: it is listed for planning but
        cannot be pulled, and its description says so.
    """

    id: str
    family: str
    repo: str | None
    revision: str | None
    size_bytes: int | None
    min_vram_gib: Mapping[str, float]
    operations: tuple[str, ...]
    licence: str
    description: str
    installable: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The entry as a JSON-ready dict."""
        return {"id": self.id, "family": self.family, "repo": self.repo,
                "revision": self.revision, "size_bytes": self.size_bytes,
                "min_vram_gib": dict(self.min_vram_gib), "operations": list(self.operations),
                "licence": self.licence, "description": self.description,
                "installable": self.installable}


def _vram(full: float, tiled: float, offload: float, sequential: float) -> dict[str, float]:
    return dict(zip(PROFILES, (full, tiled, offload, sequential), strict=True))


_GB = 10**9  # hub listings count decimal gigabytes

# Sizes and memory figures are rounded on purpose: they guide a choice, they do not promise one.
# Where a number comes from a repo's file listing (as shown on the Hugging Face Hub) the comment
# says so; everything else is an estimate from parameter counts (bf16 = 2 bytes a parameter) and
# must not be read as measured. The offload profiles keep one model at a time on the GPU, so
# their minimum is roughly the largest single model plus activations.
CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        id="frameloom-mini", family="ltx", repo=None, revision=None, size_bytes=None,
        # Estimate: a small LTX-architecture model; it runs on a CPU too.
        min_vram_gib=_vram(2, 1, 1, 1),
        operations=OPERATIONS, licence="Apache-2.0",
        description="Frameloom's own small LTX-style model, built in; quick, low quality, "
                    "memory figures approximate."),
    CatalogEntry(
        id="ltx-video-0.9.7-distilled", family="ltx", repo="Lightricks/LTX-Video-0.9.7-distilled",
        revision=None,
        # Estimate: the 13B transformer in bf16 (~26 GB; the 13B single-file checkpoints in
        # Lightricks/LTX-Video list 28.6 GB), the 0.9.7 VAE (2.49 GB in the listing of
        # a-r-r-o-w/LTX-Video-0.9.7-diffusers) and a T5-XXL text encoder (~19 GB, estimate).
        size_bytes=48 * _GB,
        # Estimates: weights in bf16 plus activations for ~121 frames at 768x512.
        min_vram_gib=_vram(40, 36, 28, 10),
        operations=OPERATIONS, licence="LTX-Video Open Weights License",
        description="LTX-Video 13B distilled (condition pipeline, pins at any frame); about "
                    "48 GB download, needs about 28 GiB of VRAM with offload (approximate)."),
    CatalogEntry(
        id="wan2.1-t2v-1.3b", family="wan", repo="Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
        revision=None,
        # Transformer 5.68 GB and VAE 0.51 GB from the repo listing; the UMT5-XXL text encoder
        # is ~23 GB in the Wan 2.1 Diffusers repos' listings (fp32) and assumed the same here.
        size_bytes=29 * _GB,
        # offload: the diffusers Wan docs give 11 GB with model offload; sequential: the Wan 2.1
        # model card gives 8.19 GB for this model with offloading. full/tiled are estimates.
        min_vram_gib=_vram(20, 18, 11, 8),
        operations=("shot",), licence="Apache-2.0",
        description="Wan 2.1 text-to-video 1.3B: small and fast, text only; about 29 GB "
                    "download, 8-20 GiB of VRAM depending on the profile (approximate)."),
    CatalogEntry(
        id="wan2.1-vace-1.3b", family="wan", repo="Wan-AI/Wan2.1-VACE-1.3B-diffusers",
        revision=None,
        # Estimate: the T2V 1.3B components above plus the VACE blocks (~1 GB more).
        size_bytes=30 * _GB,
        # Estimates: a little above the T2V 1.3B figures for the control blocks.
        min_vram_gib=_vram(22, 19, 12, 8),
        operations=OPERATIONS, licence="Apache-2.0",
        description="Wan 2.1 VACE 1.3B: extends, bridges and loops clips from reference "
                    "frames; about 30 GB download, 8-22 GiB of VRAM (approximate)."),
    CatalogEntry(
        id="wan2.1-i2v-14b-480p", family="wan", repo="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        revision=None,
        # Estimate: a 14B transformer in fp32 (~57 GB; Wan2.1-T2V-14B-Diffusers lists 12
        # shards of ~4.9 GB), the text encoder (~23 GB) and image encoder (1.26 GB) from the
        # I2V repos' listings, and the VAE (0.51 GB).
        size_bytes=82 * _GB,
        # offload: the diffusers Wan docs ask for at least 35 GB for the 14B I2V models; the
        # others are estimates.
        min_vram_gib=_vram(48, 44, 35, 14),
        # Not long shots: their first window pins nothing, and this model needs a first frame
        # (the tiny Wan 2.2 I2V's test showed it; extensions pin one frame of context).
        operations=("shot", "extend_forward"), licence="Apache-2.0",
        description="Wan 2.1 image-to-video 14B at 480p: high quality from a first frame; "
                    "about 82 GB download, 35 GiB of VRAM with offload (approximate)."),
    CatalogEntry(
        id="ltx-2", family="ltx2", repo="Lightricks/LTX-2", revision=None,
        # Estimate: the 19B transformer in bf16 (~38 GB; its checkpoints are named
        # ltx-2-19b-*), the Gemma 3 12B text encoder in bf16 (~24 GB; diffusers' LTX-2 connector
        # defaults are Gemma-3-12B's), the video and audio VAEs and vocoder (a few GB). No
        # listing of the repo's diffusers folders was found to check it against.
        size_bytes=65 * _GB,
        # Estimates from the weights above: offloaded, the largest single model is on the GPU.
        min_vram_gib=_vram(70, 64, 44, 16),
        # Not extend_backward, bridge or loop: diffusers 0.42 places its pins on latent frames
        # (0, 1, 9, 17...), and a shot's last frame is never one (engine.backends.ltx2).
        operations=("shot", "extend_forward", "long_shot"),
        # The licence's name as scancode's licence database gives it (dated January 5, 2026);
        # its revenue terms were not read here (issue 21 reads a paid licence above USD 10M).
        licence="LTX-2 Community License Agreement",
        description="LTX-2 19B: video with synchronised sound (AAC in the take), pins at frame "
                    "0 and every 8th frame after 1; about 65 GB download, about 44 GiB of VRAM "
                    "with offload (approximate; estimates)."),
    # HunyuanVideo 1.5: 8.3B parameters and "14 GB (with model offloading enabled)" are from
    # the Tencent-Hunyuan/HunyuanVideo-1.5 README; no listing of the diffusers repos was found.
    # Download estimate: the transformer in bf16 (~17 GB), the Qwen2.5-VL 7B text encoder in
    # bf16 (~15 GB), ByT5, the VAE (and SigLIP for i2v), about 1-2 GB.
    CatalogEntry(
        id="hunyuanvideo-1.5-480p-t2v", family="hunyuan15",
        repo="hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_t2v", revision=None,
        size_bytes=33 * _GB,
        # offload: the README's 14 GB; the others are estimates.
        min_vram_gib=_vram(40, 36, 14, 10),
        operations=("shot",), licence="Tencent Hunyuan Community License",
        description="HunyuanVideo 1.5 text-to-video at 480p (848x480): text only; about 33 GB "
                    "download, 14 GiB of VRAM with offload (approximate; the download is an "
                    "estimate). The licence excludes the EU, the UK and South Korea."),
    CatalogEntry(
        id="hunyuanvideo-1.5-480p-i2v", family="hunyuan15",
        repo="hunyuanvideo-community/HunyuanVideo-1.5-Diffusers-480p_i2v", revision=None,
        size_bytes=34 * _GB,
        min_vram_gib=_vram(40, 36, 14, 10),
        # Not long shots: their first window pins nothing, and this model needs a first frame.
        operations=("shot", "extend_forward"), licence="Tencent Hunyuan Community License",
        description="HunyuanVideo 1.5 image-to-video at 480p from a still at the first frame, "
                    "at the size it picks for the still's shape; about 34 GB download, 14 GiB "
                    "of VRAM with offload (approximate; the download is an estimate). The "
                    "licence excludes the EU, the UK and South Korea."),
    # Wan 2.2 (Apache-2.0 per the Wan-AI repos). The text encoder is UMT5-XXL in bf16, 11.4 GB
    # in the listings of Wan2.2-TI2V-5B-Diffusers and Wan2.2-I2V-A14B-Diffusers. Extensions and
    # long shots pin one frame of context (these models hold a first frame, not a clip).
    CatalogEntry(
        id="wan2.2-ti2v-5b", family="wan", repo="Wan-AI/Wan2.2-TI2V-5B-Diffusers", revision=None,
        # Text encoder 11.4 GB (listing); the Wan 2.2 VAE 2.82 GB (the listing of a mirror of
        # this repo); the 5B transformer ~10 GB (estimate: bf16, 2 bytes a parameter).
        size_bytes=24 * _GB,
        # Estimates: the Wan 2.2 model card runs 720p on one 24 GB GPU with offloading.
        min_vram_gib=_vram(32, 28, 22, 12),
        operations=("shot", "extend_forward", "long_shot"), licence="Apache-2.0",
        description="Wan 2.2 TI2V 5B: text-to-video, or from a still at the first frame; "
                    "about 24 GB download, about 22 GiB of VRAM with offload "
                    "(approximate; estimates)."),
    CatalogEntry(
        id="wan2.2-t2v-a14b", family="wan", repo="Wan-AI/Wan2.2-T2V-A14B-Diffusers",
        revision=None,
        # Two 14B experts, each 12 shards of ~4.92 GB (fp32) in the listing of a duplicate of
        # this repo, so ~59 GB each (estimate from the shard count); text encoder 11.4 GB; the
        # Wan 2.1 VAE 0.51 GB.
        size_bytes=130 * _GB,
        # Estimates: one 14B expert in bf16 (~28 GB) is on the GPU at a time when offloaded.
        min_vram_gib=_vram(80, 76, 40, 16),
        operations=("shot",), licence="Apache-2.0",
        description="Wan 2.2 T2V A14B: two 14B experts (high and low noise), text only; "
                    "about 130 GB download, about 40 GiB of VRAM with offload "
                    "(approximate; estimates)."),
    CatalogEntry(
        id="wan2.2-i2v-a14b", family="wan", repo="Wan-AI/Wan2.2-I2V-A14B-Diffusers",
        revision=None,
        # As the T2V A14B above (estimate), with 36-channel experts.
        size_bytes=130 * _GB,
        min_vram_gib=_vram(80, 76, 40, 16),
        # Not long shots: their first window pins nothing, and this model needs a first frame.
        operations=("shot", "extend_forward"), licence="Apache-2.0",
        description="Wan 2.2 I2V A14B: two 14B experts; needs a still at the first frame; "
                    "about 130 GB download, about 40 GiB of VRAM with offload "
                    "(approximate; estimates)."),
    # Not installable yet: diffusers 0.42.1 has their pipelines, Frameloom has no backend.
    # SkyReels-V2 DF 1.3B: the repo and its SkyReelsV2DiffusionForcingPipeline are in the
    # Skywork SkyReels-V2 collection; its model card gives license: other (skywork-license)
    # and 544x960 at 97 frames. Download estimate: the components of Wan2.1-T2V-1.3B-Diffusers
    # (a 1.3B transformer, the UMT5-XXL text encoder its text_encoder/config.json names, the
    # Wan VAE), whose listing totals ~29 GB; this repo's own listing was not found.
    CatalogEntry(
        id="skyreels-v2-df-1.3b-540p", family="skyreels2",
        repo="Skywork/SkyReels-V2-DF-1.3B-540P-Diffusers", revision=None,
        size_bytes=29 * _GB,
        # Estimates: the Wan 2.1 T2V 1.3B figures (the same architecture and size).
        min_vram_gib=_vram(20, 18, 11, 8),
        # Its text, image (first and last frame) and video-to-video diffusion-forcing pipelines.
        operations=("shot", "extend_forward", "long_shot"), licence="Skywork License",
        description="SkyReels-V2 diffusion forcing 1.3B at 540p: long shots and extension "
                    "by its own pipeline; NOT INSTALLABLE YET (no Frameloom backend); about "
                    "29 GB, 8-20 GiB of VRAM (approximate; estimates).", installable=False),
    # Helios (PKU-YuanGroup): a 14B model fine-tuned from Wan2.1-T2V-14B (base_model in the
    # Helios-Mid model card, license: apache-2.0; Helios-Distilled is assumed to match).
    # diffusers' docs load BestWishYsh/Helios-Distilled with HeliosPyramidPipeline. Estimates:
    # the 14B transformer in bf16 (~28 GB), the UMT5-XXL text encoder (11.4 GB in bf16) and the
    # Wan VAE; no listing of the repo was found. sequential: a third-party article reports
    # about 6 GB with group offloading; the other figures are estimates.
    CatalogEntry(
        id="helios-distilled", family="helios", repo="BestWishYsh/Helios-Distilled",
        revision=None, size_bytes=40 * _GB,
        min_vram_gib=_vram(40, 36, 30, 6),
        # HeliosPyramidPipeline takes a prompt, an image or a video: text, first-frame and
        # continuation; minute-long shots are its own chunked generation.
        operations=("shot", "extend_forward", "long_shot"), licence="Apache-2.0",
        description="Helios 14B distilled: minute-long shots built to resist drift; NOT "
                    "INSTALLABLE YET (no Frameloom backend); about 40 GB, 6-40 GiB of VRAM "
                    "(approximate; estimates).", installable=False),
)


def catalog_entry(model_id: str) -> CatalogEntry | None:
    """The catalog entry with this id, or None when the catalog does not know it."""
    return next((entry for entry in CATALOG if entry.id == model_id), None)


def choose_profile(model: CatalogEntry | str, free_vram_bytes: int | None) -> str:
    """The fastest memory profile whose minimum VRAM fits in the free memory.

    Parameters
    ----------
    model
        A catalog entry or a model id.
    free_vram_bytes
        Free GPU memory in bytes, or None when there is no GPU.

    Returns
    -------
    str
        One of :data:`engine.models.profiles.PROFILES`. Without a GPU it is ``"tiled"`` (the offload
        profiles behave like it on a CPU). With a GPU too small for every profile it is the
        cheapest one, so the job still gets its one honest try. A model the catalog does not
        know starts at ``"full"`` and relies on the worker's out-of-memory retry.
    """
    if free_vram_bytes is None:
        return "tiled"
    entry = catalog_entry(model) if isinstance(model, str) else model
    if entry is None:
        return PROFILES[0]
    for profile in PROFILES:
        if entry.min_vram_gib.get(profile, 0) * _GIB <= free_vram_bytes:
            return profile
    return PROFILES[-1]
