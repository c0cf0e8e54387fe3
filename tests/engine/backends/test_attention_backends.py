"""A request's attention backend is what diffusers' dispatcher runs during its denoising steps,
and backends this machine cannot run are refused in one sentence."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import BackendError, load_backend
from engine.protocol.requests import GenerationRequest, RequestError

torch = pytest.importorskip("torch")

FOLDERS = {"ltx": "tiny_ltx_dir", "wan": "tiny_wan_t2v_dir"}


@pytest.mark.parametrize("family", sorted(FOLDERS))
def test_the_asked_backend_runs_the_steps_and_native_is_restored(
        family: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    from diffusers.models.attention_dispatch import AttentionBackendName
    from diffusers.models.attention_dispatch import _AttentionBackendRegistry as registry

    math_calls = [0]
    kernel = registry._backends[AttentionBackendName._NATIVE_MATH]

    def counted(*args: Any, **kwargs: Any) -> Any:
        math_calls[0] += 1
        return kernel(*args, **kwargs)

    monkeypatch.setitem(registry._backends, AttentionBackendName._NATIVE_MATH, counted)

    backend = load_backend(family, Path(request.getfixturevalue(FOLDERS[family])), "cpu",
                           "full")
    seen: list[str] = []

    def on_step(done: int, total: int, preview: Any) -> None:
        seen.append(str(registry._active_backend.value))

    plain = tiny_request(backend, "tiny", frames=5)
    native = backend.generate(plain, on_step)
    assert math_calls == [0]
    math = backend.generate(dataclasses.replace(plain, attention="math"), on_step)
    assert math_calls[0] > 0  # the transformer's attention went through the math kernel
    assert seen == ["native", "native", "_native_math", "_native_math"]
    assert registry._active_backend.value == "native"
    assert np.abs(native.astype(int) - math.astype(int)).max() <= 2  # the same attention
    for name in ("flash", "cudnn", "sage"):
        with pytest.raises(BackendError) as refused:
            backend.generate(dataclasses.replace(plain, attention=name), ignore_steps)
        assert (refused.value.code, refused.value.message) == (
            "unsupported_attention",
            f"The {name} attention backend needs a CUDA GPU, and this engine runs on the CPU.")
    backend.close()


def test_an_unknown_backend_is_refused_by_the_request() -> None:
    with pytest.raises(RequestError, match="attention must be one of native, math, cudnn, "
                                           "flash, sage, got 'flash_hub'"):
        GenerationRequest(model_id="m", prompt="p", width=32, height=32, frames=9, fps=24,
                          seed=0, steps=2, guidance=3.0, attention="flash_hub")
