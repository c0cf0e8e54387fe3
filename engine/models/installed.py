"""The model catalog: diffusers folders in the models dir and in resources, read from JSON alone."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.paths import models_dir
from engine.protocol.requests import ModelConstraints, fit_down

REPO_MODELS = Path(__file__).resolve().parents[2] / "resources" / "models"

# Pipeline class name -> family; anything else in model_index.json is not ours to run.
_FAMILY_PATTERNS = (("ltx2", re.compile(r"LTX2\w*Pipeline")),
                    ("ltx", re.compile(r"LTX\w*Pipeline")), ("wan", re.compile(r"Wan\w*Pipeline")),
                    ("hunyuan15", re.compile(r"HunyuanVideo15\w*Pipeline")))
# The longest shot one window makes; past this the planner chains windows (long shots).
# LTX-2: 121 frames, diffusers' default length for it (longer shots chain windows).
# HunyuanVideo 1.5: 121 frames, diffusers' default length for it too.
_MAX_FRAMES = {"ltx": 257, "ltx2": 121, "wan": 81, "hunyuan15": 121}
# Wan was trained at 16 fps and its motion assumes it; LTX is told the rate at every call.
# HunyuanVideo 1.5's pipeline takes no rate; a take is only labelled with one.
_FPS: dict[str, int | None] = {"ltx": None, "ltx2": None, "wan": 16, "hunyuan15": None}
# What a model makes when a request names no size or length: its model card's recommended
# resolution and length (LTX-Video 768x512 at 97 frames; Wan 2.x 832x480 at 81). A model that
# records its training (frameloom-mini's ``_frameloom_trained``) overrides these.
# LTX-2: LTX2ConditionPipeline's own defaults (768x512, 121 frames, 24 fps).
# HunyuanVideo 1.5: the 480p model's 16:9 bucket (848x480, what its pipeline picks at a
# target size of 640), 121 frames, and 24 fps, the rate its README's diffusers example saves at.
_DEFAULTS = {"ltx": (768, 512, 97, 24), "ltx2": (768, 512, 121, 24), "wan": (832, 480, 81, 16),
             "hunyuan15": (848, 480, 121, 24)}
# LTXConditionPipeline.check_inputs refuses sizes that are not multiples of 32 whatever the VAE
# compresses by, so that rule joins the one the latents impose.
_PIPELINE_SIZE_MULTIPLE = {"ltx": 32, "ltx2": 32, "wan": 1, "hunyuan15": 1}


class ModelError(Exception):
    """A model id that names no model, or a model folder that cannot be read; one sentence."""


@dataclass(frozen=True)
class ModelDefaults:
    """The size, length and rate a model makes when a request names none.

    Parameters
    ----------
    width, height
        Pixels; multiples of the model's size multiple.
    frames
        Frames per shot; fits the model's frame rule.
    fps
        Frames per second.
    """

    width: int
    height: int
    frames: int
    fps: int

    def to_dict(self) -> dict[str, int]:
        """The defaults as a JSON-ready dict."""
        return {"width": self.width, "height": self.height, "frames": self.frames,
                "fps": self.fps}


@dataclass(frozen=True)
class ModelInfo:
    """One model the engine can run.

    Parameters
    ----------
    id
        The folder name, unique across the catalog.
    family
        ``"ltx"`` or ``"wan"``.
    path
        The model folder (``model_index.json`` inside).
    constraints
        What the model accepts, computed from its configs without loading weights.
    description
        A short human description (from ``model_index.json``'s ``_frameloom_description`` when
        present, else the pipeline class).
    defaults
        What it makes when a request names no size, length or rate.
    """

    id: str
    family: str
    path: Path
    constraints: ModelConstraints
    description: str
    defaults: ModelDefaults

    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready dict."""
        c = self.constraints
        return {"id": self.id, "family": self.family, "path": str(self.path),
                "description": self.description, "defaults": self.defaults.to_dict(),
                "constraints": {"size_multiple": c.size_multiple, "frame_rule": list(c.frame_rule),
                                "max_frames": c.max_frames, "window": c.window, "fps": c.fps,
                                "pin_frames": c.pin_frames}}


def family_constraints(family: str, spatial: int, temporal: int, patch: int,
                       patch_t: int, pin_frames: int | None = None) -> ModelConstraints:
    """Constraints of a model from its VAE compression and transformer patch sizes.

    Shared by the catalog (which reads the numbers from JSON) and the backends (which read them
    from the loaded modules), so both always agree.

    Parameters
    ----------
    family
        ``"ltx"`` or ``"wan"``.
    spatial, temporal
        The VAE's spatial and temporal compression.
    patch, patch_t
        The transformer's spatial and temporal patch sizes in latent cells.
    pin_frames
        The most frames one clip pin may hold (1 for first/last-frame models), None for any.
    """
    size_multiple = math.lcm(spatial * patch, _PIPELINE_SIZE_MULTIPLE[family])
    return ModelConstraints(size_multiple=size_multiple, frame_rule=(temporal * patch_t, 1),
                            max_frames=_MAX_FRAMES[family], fps=_FPS[family],
                            pin_frames=pin_frames)


def wan_pin_frames(class_name: str, expand_timesteps: bool) -> int | None:
    """How many frames one pin of a Wan model may hold: VACE any, image-to-video and Wan 2.2's
    TI2V (a first frame) one, text-to-video none that matter (it takes no pins)."""
    return 1 if class_name == "WanImageToVideoPipeline" or expand_timesteps else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"The model file {path} cannot be read ({exc}).") from None
    if not isinstance(data, dict):
        raise ModelError(f"The model file {path} does not hold a JSON object.")
    return data


def _int(config: dict[str, Any], key: str, default: int) -> int:
    value = config.get(key)
    if isinstance(value, list):  # Wan stores patch sizes as (t, h, w)
        value = value[1]
    return value if isinstance(value, int) and value > 0 else default


def _constraints(family: str, folder: Path, index: dict[str, Any]) -> ModelConstraints:
    vae = _read_json(folder / "vae" / "config.json")
    # Wan 2.2 A14B folders may hold only the low-noise expert (transformer_2).
    expert = folder / "transformer" / "config.json"
    transformer = _read_json(expert if expert.is_file() or family != "wan"
                             else folder / "transformer_2" / "config.json")
    if family in ("ltx", "ltx2"):
        # Mirrors AutoencoderKLLTXVideo.__init__ (AutoencoderKLLTX2Video's is the same):
        # patchify, then one halving per scaling block, unless the config states the ratios.
        scaling = vae.get("spatio_temporal_scaling", (True, True, True, False))
        scalings = sum(bool(s) for s in scaling)
        spatial = _int(vae, "spatial_compression_ratio", _int(vae, "patch_size", 4) * 2**scalings)
        temporal = _int(vae, "temporal_compression_ratio",
                        _int(vae, "patch_size_t", 1) * 2**scalings)
        return family_constraints(family, spatial, temporal, _int(transformer, "patch_size", 1),
                                  _int(transformer, "patch_size_t", 1))
    if family == "hunyuan15":
        return family_constraints(family, _int(vae, "spatial_compression_ratio", 16),
                                  _int(vae, "temporal_compression_ratio", 4),
                                  _int(transformer, "patch_size", 1),
                                  _int(transformer, "patch_size_t", 1),
                                  1 if "ImageToVideo" in str(index.get("_class_name")) else None)
    raw_patch = transformer.get("patch_size", [1, 2, 2])
    patch_t = raw_patch[0] if isinstance(raw_patch, list) and raw_patch else 1
    pin_frames = wan_pin_frames(str(index.get("_class_name", "")),
                                index.get("expand_timesteps") is True)
    return family_constraints(family, _int(vae, "scale_factor_spatial", 8),
                              _int(vae, "scale_factor_temporal", 4),
                              _int(transformer, "patch_size", 2), patch_t, pin_frames)


def _defaults(family: str, index: dict[str, Any]) -> ModelDefaults:
    """The model's defaults: what it was trained on when it says so, else its family's."""
    width, height, frames, fps = _DEFAULTS[family]
    trained = index.get("_frameloom_trained")
    if isinstance(trained, dict):
        sizes, length = trained.get("sizes"), trained.get("frames")
        if (isinstance(sizes, list) and sizes and isinstance(sizes[0], list)
                and len(sizes[0]) == 2 and all(isinstance(v, int) and v > 0 for v in sizes[0])):
            width, height = sizes[0]
        if isinstance(length, int) and length > 0:
            frames = length
        rate = trained.get("fps")
        fps = rate if isinstance(rate, int) and rate > 0 else fps
    return ModelDefaults(width, height, frames, fps)


def _trained_window(constraints: ModelConstraints, index: dict[str, Any]) -> ModelConstraints:
    """``constraints`` with the window of a model that records its training length.

    Such a model is chained in windows of about twice the clips it was trained on: on
    frameloom-mini (25 frames) a 20 s long shot in windows of 161 frames held its object still
    and let it grow from window to window, in windows of 25 frames lost and doubled it, and in
    windows of 49 kept one object of one colour (``python bench/seams.py``;
    docs/BENCHMARKS.md).
    """
    trained = index.get("_frameloom_trained")
    length = trained.get("frames") if isinstance(trained, dict) else None
    if not isinstance(length, int) or length < 1:
        return constraints
    window = fit_down(min(2 * length, constraints.max_frames), constraints.frame_rule)
    return dataclasses.replace(constraints, window=window) if window else constraints


def read_model(folder: Path) -> ModelInfo | None:
    """The model in one folder, or None when the folder is not a model family we run.

    Raises
    ------
    ModelError
        If the folder claims to be a model we run but its configs cannot be read.
    """
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        return None
    index = _read_json(index_path)
    class_name = str(index.get("_class_name", ""))
    family = next((name for name, pattern in _FAMILY_PATTERNS if pattern.fullmatch(class_name)),
                  None)
    if family is None:
        return None
    description = index.get("_frameloom_description")
    return ModelInfo(id=folder.name, family=family, path=folder,
                     constraints=_trained_window(_constraints(family, folder, index), index),
                     description=description if isinstance(description, str) else class_name,
                     defaults=_defaults(family, index))


def _folders() -> list[Path]:
    roots = [models_dir(), REPO_MODELS]
    # is_dir() follows symlinks, so a linked model folder counts like a real one.
    return [folder for root in roots if root.is_dir()
            for folder in sorted(root.iterdir()) if folder.is_dir()]


def list_models() -> list[ModelInfo]:
    """Every runnable model: folders in the user's models dir, then those shipped in resources.

    A folder whose configs cannot be read is skipped, so one broken download does not hide the
    rest; :func:`find_model` reports it by name. When an id appears in both places the user's
    folder wins.

    Returns
    -------
    list[ModelInfo]
        The models, sorted by id within each place.
    """
    found: dict[str, ModelInfo] = {}
    for folder in _folders():
        if folder.name in found:
            continue
        try:
            info = read_model(folder)
        except ModelError:
            continue
        if info is not None:
            found[info.id] = info
    return list(found.values())


def find_model(model_id: str) -> ModelInfo:
    """The model with this id.

    Raises
    ------
    ModelError
        If no model has that id (the message names the ids there are), or its folder is broken.
    """
    for folder in _folders():
        if folder.name == model_id:
            info = read_model(folder)
            if info is not None:
                return info
    ids = [info.id for info in list_models()]
    available = ", ".join(ids) if ids else "none are installed"
    raise ModelError(f"There is no model called {model_id!r}; available models: {available}.")
