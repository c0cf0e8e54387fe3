"""The model-family backend interface, memory profiles and the registry that loads a backend."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy

    from engine.protocol.requests import GenerationRequest, ModelConstraints

from engine.models.profiles import PROFILES as PROFILES  # part of the backend interface

# Family name -> module under engine.backends; importing the module is what pulls in torch,
# so it happens only when a model of that family is loaded.
FAMILIES = {"hunyuan15": "engine.backends.hunyuan15", "ltx": "engine.backends.ltx",
            "ltx2": "engine.backends.ltx2", "wan": "engine.backends.wan"}

Preview = Callable[[], "numpy.ndarray"]
StepCallback = Callable[[int, int, "Preview | None"], None]
"""Called after each denoising step with ``(steps_done, total_steps, preview)``: steps_done counts
from 1, and ``preview`` (when not None) returns a small uint8 RGB image of the current estimate.
Whatever the callback raises propagates out of :meth:`Backend.generate` unchanged."""


class BackendError(Exception):
    """A model that cannot be loaded or run, told in words a user can act on.

    Parameters
    ----------
    code
        A short stable identifier, e.g. ``"missing_files"`` or ``"not_safetensors"``.
    message
        One readable sentence saying what is wrong.
    hint
        What the user can do about it.
    """

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


class Backend(Protocol):
    """A loaded model of one family, ready to run fitted requests.

    Attributes
    ----------
    family
        The family name, e.g. ``"ltx"``.
    constraints
        Sizes, frame counts and frame rate the model accepts.
    profile
        The memory profile it was loaded with, one of :data:`PROFILES`.
    """

    family: str
    constraints: ModelConstraints
    profile: str

    def generate(self, request: GenerationRequest, on_step: StepCallback) -> numpy.ndarray:
        """Run one request already fitted with :func:`engine.protocol.requests.fit_request`.

        Parameters
        ----------
        request
            The fitted request.
        on_step
            Called after every denoising step; see :data:`StepCallback`.

        Returns
        -------
        numpy.ndarray
            uint8 frames shaped ``(request.frames, request.height, request.width, 3)``.
        """
        ...

    def memory_bytes(self) -> int:
        """Bytes held by the model's parameters and buffers."""
        ...

    def draft_cache(self) -> str | None:
        """What a draft request (``request.draft``) caches between its denoising steps, in
        words for the take's record; None when the model's draft is only fewer steps and
        smaller frames."""
        ...

    def close(self) -> None:
        """Drop the references to the model so its memory can be freed."""
        ...


def next_profile(profile: str) -> str | None:
    """The next cheaper memory profile after ``profile``, or None when it is the cheapest.

    Raises
    ------
    ValueError
        If ``profile`` is not one of :data:`PROFILES`.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown memory profile {profile!r}; expected one of {PROFILES}.")
    index = PROFILES.index(profile) + 1
    return PROFILES[index] if index < len(PROFILES) else None


def default_device() -> str:
    """``"cuda"`` when a CUDA GPU is usable, otherwise ``"cpu"``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_backend(family: str, model_dir: Path, device: str, profile: str) -> Backend:
    """Load the model in ``model_dir`` through its family's backend.

    Parameters
    ----------
    family
        A family name from :data:`FAMILIES`.
    model_dir
        A diffusers model folder (``model_index.json`` and safetensors weights).
    device
        ``"cuda"``, ``"cpu"`` or another torch device name.
    profile
        One of :data:`PROFILES`.

    Returns
    -------
    Backend
        The loaded model.

    Raises
    ------
    BackendError
        If the family is unknown or the folder cannot be loaded.
    ValueError
        If ``profile`` is not a known memory profile.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown memory profile {profile!r}; expected one of {PROFILES}.")
    if family not in FAMILIES:
        raise BackendError("unknown_family", f"The model family {family!r} is not supported.",
                           f"Use a model of one of these families: {', '.join(sorted(FAMILIES))}.")
    module = importlib.import_module(FAMILIES[family])
    backend: Backend = module.load(Path(model_dir), device, profile)
    return backend
