"""The attention backend a request asks for, through diffusers' attention dispatcher, for one
call: ``native`` (torch's scaled_dot_product_attention, diffusers' default) runs anywhere, and
so does ``math`` (torch's plain kernel); ``cudnn``, ``flash`` and ``sage`` need a CUDA GPU, and
``flash`` and ``sage`` their packages (flash-attn, sageattention). Backends diffusers would
download from the Hub are not offered: the engine loads nothing from the network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from engine.backends import BackendError

# The request's names -> diffusers' AttentionBackendName values.
_DIFFUSERS = {"math": "_native_math", "cudnn": "_native_cudnn", "flash": "flash",
              "sage": "sage"}
_GPU_ONLY = ("cudnn", "flash", "sage")


@contextmanager
def attention_for(pipe: Any, name: str) -> Iterator[None]:
    """While the block runs, the pipeline's attention goes through backend ``name``.

    Raises
    ------
    BackendError
        If the backend needs a GPU the engine does not have, or a package that is missing.
    """
    if name == "native":
        yield
        return
    device = str(pipe._execution_device)
    if name in _GPU_ONLY and not device.startswith("cuda"):
        raise BackendError("unsupported_attention", f"The {name} attention backend needs a "
                           f"CUDA GPU, and this engine runs on the {device.upper()}.",
                           "Use native attention (the default).")
    from diffusers.models.attention_dispatch import attention_backend

    with ExitStack() as stack:
        try:
            stack.enter_context(attention_backend(_DIFFUSERS[name]))
        except (ValueError, RuntimeError, ImportError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BackendError("unsupported_attention", f"The {name} attention backend cannot "
                               f"run here ({first}).", "Install its package, or use native "
                               "attention (the default).") from None
        yield
