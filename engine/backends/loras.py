"""A request's LoRAs on a pipeline for one call: diffusers' ``load_lora_weights`` and
``set_adapters`` (PEFT), unloaded after the call so the next job runs the model as it is.

Families whose diffusers pipeline has a LoRA loader (LTX-Video, LTX-2, Wan in diffusers 0.42.1)
take LoRAs; HunyuanVideo 1.5's pipelines have none there, so a request with LoRAs is refused on
them in one sentence.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.backends import BackendError
from engine.models.loras import LoraError, lora_path
from engine.protocol.requests import GenerationRequest


def _loaded(pipe: Any, request: GenerationRequest) -> list[str]:
    """Load each of the request's LoRAs as an adapter of the pipeline; their adapter names."""
    if not hasattr(pipe, "load_lora_weights"):
        raise BackendError("unsupported_lora", f"This model's pipeline ({type(pipe).__name__}) "
                           "takes no LoRAs.", "Remove the LoRAs from the shot, or use an "
                           "LTX-Video, LTX-2 or Wan model.")
    if importlib.util.find_spec("peft") is None:
        raise BackendError("lora_unavailable", "LoRAs need the peft package, which is not "
                           "installed.", "Install Frameloom's lora extra: pip install "
                           "'frameloom[lora]'.")
    adapters: list[str] = []
    try:
        for number, choice in enumerate(request.loras):
            path = lora_path(request.model_id, choice.name)
            adapter = f"frameloom_{number}"
            try:
                pipe.load_lora_weights(str(path), adapter_name=adapter)
            except Exception as exc:  # diffusers and PEFT raise many kinds for a bad file
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise BackendError("bad_lora", f"The LoRA {choice.name} could not be applied to "
                                   f"{request.model_id} ({first}).", "Remove it from the shot, "
                                   "or add a LoRA made for this model.") from exc
            adapters.append(adapter)
    except LoraError as exc:
        _unload(pipe, adapters)
        raise BackendError("unknown_lora", exc.message, exc.hint) from None
    except BaseException:
        _unload(pipe, adapters)
        raise
    return adapters


def _unload(pipe: Any, adapters: list[str]) -> None:
    if adapters:
        pipe.unload_lora_weights()


@contextmanager
def applied_loras(pipe: Any, request: GenerationRequest) -> Iterator[None]:
    """While the block runs, the request's LoRAs act on the pipeline at their strengths.

    Raises
    ------
    BackendError
        If the pipeline takes no LoRAs, peft is missing, a LoRA is not added to the model, or
        it does not fit the model.
    """
    if not request.loras:
        yield
        return
    adapters = _loaded(pipe, request)
    try:
        pipe.set_adapters(adapters, adapter_weights=[lora.strength for lora in request.loras])
        yield
    finally:
        _unload(pipe, adapters)
