"""Step caching for draft jobs: diffusers' TaylorSeer cache on a pipeline's transformers.

Of the cache hooks in diffusers 0.42.1, TaylorSeer is the one every family here can use:
the transformers of all four (``LTXVideoTransformer3DModel``, ``WanTransformer3DModel``,
``WanVACETransformer3DModel``, ``LTX2VideoTransformer3DModel``,
``HunyuanVideo15Transformer3DModel``) have ``enable_cache``, but First Block Cache and MagCache
need per-block metadata that diffusers registers only for the LTX-Video and Wan blocks, and
MagCache also needs magnitude ratios calibrated for each checkpoint, which diffusers ships for
none of these families. TaylorSeer is told which modules to hook: on a cached step the
transformer blocks are skipped (diffusers' "lite" pattern) and the output projections
(``proj_out``, and LTX-2's ``audio_proj_out``) are predicted from their last outputs by a
first-order Taylor expansion. A transformer without ``enable_cache`` gets no cache, and its
draft is faster only by its fewer steps and smaller frames (see :func:`cache_name`).

The cache is switched on for one call and off after it, so the pipeline a worker keeps loaded
runs exact (final) jobs exactly as before, and each draft starts from an empty cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Steps run in full before any is predicted (the expansion needs two), then every other one.
WARM_UP_STEPS = 2
CACHE_INTERVAL = 2
_TRANSFORMERS = ("transformer", "transformer_2")
_SKIPPED = [r"(transformer_blocks|blocks|vace_blocks)\.\d+"]
_PREDICTED = [r"(audio_)?proj_out"]


def _cachable(pipe: Any) -> list[Any]:
    """The pipeline's transformers that take a cache config (diffusers' ``CacheMixin``)."""
    from diffusers.models.cache_utils import CacheMixin

    found = [getattr(pipe, name, None) for name in _TRANSFORMERS]
    return [model for model in found if isinstance(model, CacheMixin)]


def cache_name(pipe: Any) -> str | None:
    """What a draft of this pipeline caches, for the take's record; None when it cannot."""
    if not _cachable(pipe):
        return None
    return (f"TaylorSeer: blocks skipped and outputs predicted on every {CACHE_INTERVAL}nd step "
            f"after the first {WARM_UP_STEPS}")


@contextmanager
def step_cache(pipe: Any, draft: bool) -> Iterator[None]:
    """While the block runs, a draft's denoising steps are cached (nothing happens otherwise).

    The cache is switched off again however the block ends, a cancel included.
    """
    models = _cachable(pipe) if draft else []
    if not models:
        yield
        return
    from diffusers import TaylorSeerCacheConfig

    enabled = []
    try:
        for model in models:
            model.enable_cache(TaylorSeerCacheConfig(
                cache_interval=CACHE_INTERVAL, disable_cache_before_step=WARM_UP_STEPS,
                skip_predict_identifiers=_SKIPPED, cache_identifiers=_PREDICTED,
                taylor_factors_dtype=model.dtype))
            enabled.append(model)
        yield
    finally:
        for model in enabled:
            model.disable_cache()
