"""Pipelines kept loaded in the worker between jobs (least recently used goes first), and memory."""

from __future__ import annotations

import gc
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

from engine.backends import (
    PROFILES,
    Backend,
    BackendError,
    default_device,
    load_backend,
    next_profile,
)
from engine.models.catalog import choose_profile
from engine.models.installed import ModelInfo

BUDGET_ENV = "FRAMELOOM_WORKER_MEMORY_BUDGET"  # bytes of loaded weights the worker may keep


def _default_budget(device: str) -> int:
    import torch

    if device == "cuda":
        return int(torch.cuda.get_device_properties(0).total_memory * 0.8)
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.5)
    except (ValueError, OSError, AttributeError):
        return 8 << 30


class PipelineCache:
    """Loaded backends keyed by (model folder, memory profile), evicted by memory, LRU first.

    Parameters
    ----------
    device
        ``"cuda"`` or ``"cpu"``; the best available when None.
    budget
        Bytes of weights to keep loaded; from ``FRAMELOOM_WORKER_MEMORY_BUDGET``, else 80% of
        the GPU's memory or half the machine's RAM. The pipeline in use is never evicted.
    """

    def __init__(self, device: str | None = None, budget: int | None = None) -> None:
        quiet_libraries()
        self.device = device or default_device()
        env = os.environ.get(BUDGET_ENV)
        self.budget = budget if budget is not None else (
            int(env) if env else _default_budget(self.device))
        self._loaded: OrderedDict[tuple[Path, str], Backend] = OrderedDict()

    def first_profile(self, info: ModelInfo, asked: str = "auto") -> str:
        """The profile a job starts with: the one it ``asked`` for, or (``auto``) one chosen
        from free VRAM and the model's catalog entry.

        On a CPU, or for a model the catalog does not know, everything goes on the device
        (``"full"``); the out-of-memory retry then moves one profile down.

        Raises
        ------
        BackendError
            If an offload profile is asked for on a CPU, where there is nowhere to offload to.
        """
        if asked != "auto":
            if asked in ("offload", "sequential") and self.device != "cuda":
                how = ("group offloading with CUDA streams" if asked == "sequential"
                       else "model offloading")
                raise BackendError("unsupported_profile", f"The {asked} memory profile "
                                   f"({how}) moves weights between the host's memory and a "
                                   "GPU's, and this engine runs on the CPU.",
                                   "Use the auto, full or tiled profile.")
            return asked
        if self.device != "cuda":
            return PROFILES[0]
        import torch

        free, _ = torch.cuda.mem_get_info()
        return choose_profile(info.id, int(free))

    @staticmethod
    def next_profile(profile: str) -> str | None:
        """The next cheaper profile, or None after the cheapest."""
        return next_profile(profile)

    def get(self, info: ModelInfo, profile: str) -> Backend:
        """The loaded backend for this model and profile, loading it (and evicting) if needed."""
        key = (info.path, profile)
        if key in self._loaded:
            self._loaded.move_to_end(key)
            return self._loaded[key]
        backend = load_backend(info.family, info.path, self.device, profile)
        self._loaded[key] = backend
        while len(self._loaded) > 1 and self.loaded_bytes() > self.budget:
            _, old = self._loaded.popitem(last=False)
            old.close()
            free_memory()
        return backend

    def loaded_bytes(self) -> int:
        """Bytes of weights held by the loaded backends."""
        return sum(backend.memory_bytes() for backend in self._loaded.values())

    def clear(self) -> None:
        """Unload everything (after an out-of-memory error)."""
        while self._loaded:
            _, backend = self._loaded.popitem()
            backend.close()
        free_memory()


def quiet_libraries() -> None:
    """Keep diffusers' and transformers' info chatter and loading bars out of the engine log."""
    import diffusers
    import transformers

    for library in (diffusers, transformers):
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()


def free_memory() -> None:
    """Give freed tensors back: collect garbage and empty the CUDA allocator's cache."""
    gc.collect()
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether an exception is the device running out of memory."""
    import torch

    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


def memory_info() -> dict[str, Any]:
    """VRAM used and total in bytes for heartbeats; both None without a GPU."""
    import torch

    if not torch.cuda.is_available():
        return {"vram_used": None, "vram_total": None}
    free, total = torch.cuda.mem_get_info()
    return {"vram_used": int(total - free), "vram_total": int(total)}
