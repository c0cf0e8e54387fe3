"""What the LTX and Wan backend tests share: a small fitted request and a silent step callback."""

from __future__ import annotations

from typing import Any

from engine.protocol.requests import GenerationRequest, fit_request


def tiny_request(backend: Any, model_id: str, **changes: Any) -> GenerationRequest:
    """A 32x32, 9-frame, 2-step request with ``changes``, fitted to ``backend``."""
    fields = dict(model_id=model_id, prompt="a red circle moves right", width=32, height=32,
                  frames=9, fps=24, seed=3, steps=2, guidance=3.0)
    fitted, _ = fit_request(GenerationRequest(**{**fields, **changes}), backend.constraints)
    return fitted


def ignore_steps(done: int, total: int, preview: Any) -> None:
    """A step callback that takes no notice."""
