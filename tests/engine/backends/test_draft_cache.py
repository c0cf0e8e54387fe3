"""Draft requests cache their steps on every family's tiny pipeline, and leave exact runs exact."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from backend_cases import ignore_steps, tiny_request

from engine.backends import load_backend
from engine.protocol.drafts import draft_of

torch = pytest.importorskip("torch")

# Family -> the session fixture that builds its tiny model folder (or folders, by kind).
FOLDERS = {"ltx": "tiny_ltx_dir", "wan": "tiny_wan_t2v_dir", "wan22": "tiny_wan22_dirs",
           "wan_vace": "tiny_wan_vace_dir", "ltx2": "tiny_ltx2_dir",
           "hunyuan15": "tiny_hunyuan15_dirs"}
_KIND = {"wan22": "t2v-a14b", "hunyuan15": "t2v"}
_BACKEND = {"wan22": "wan", "wan_vace": "wan"}


@pytest.fixture(params=sorted(FOLDERS))
def backend(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Each family's tiny model, loaded on the CPU (wan22: the A14B pair of experts)."""
    name = request.param
    folder = request.getfixturevalue(FOLDERS[name])
    if isinstance(folder, dict):
        folder = folder[_KIND[name]]
    loaded = load_backend(_BACKEND.get(name, name), Path(folder), "cpu", "full")
    yield loaded
    loaded.close()


@contextmanager
def attention_calls(pipe: Any) -> Iterator[list[int]]:
    """Count the calls of every attention module of the pipeline's transformers."""
    from diffusers.models.attention import AttentionModuleMixin
    from diffusers.models.attention_processor import Attention

    count = [0]
    handles = []
    for name in ("transformer", "transformer_2"):
        model = getattr(pipe, name, None)
        for module in model.modules() if model is not None else ():
            if isinstance(module, (Attention, AttentionModuleMixin)):
                handles.append(module.register_forward_hook(
                    lambda *_: count.__setitem__(0, count[0] + 1)))
    try:
        yield count
    finally:
        for handle in handles:
            handle.remove()


def test_a_draft_skips_transformer_blocks_and_an_exact_run_after_it_is_unchanged(
        backend: Any) -> None:
    # Six steps: two in full to warm the cache up, then every other one predicted.
    exact = tiny_request(backend, "tiny", steps=6, frames=5)
    pipe = backend._pipe
    assert backend.draft_cache() is not None
    with attention_calls(pipe) as exact_calls:
        before = backend.generate(exact, ignore_steps)
    with attention_calls(pipe) as draft_calls:
        drafted = backend.generate(dataclasses.replace(exact, draft=True), ignore_steps)
    with attention_calls(pipe) as after_calls:
        after = backend.generate(exact, ignore_steps)
    # Steps 2 and 4 of 0-5 skip the blocks; attention outside them (HunyuanVideo 1.5's text
    # refiner) still runs, so the draft makes fewer calls, not necessarily two thirds.
    assert draft_calls[0] < exact_calls[0] == after_calls[0]
    assert not np.array_equal(drafted, before)
    assert np.array_equal(before, after)  # the cache was switched off again
    assert all(model.is_cache_enabled is False for model in
               (getattr(pipe, n, None) for n in ("transformer", "transformer_2")) if model)


def test_a_cancelled_draft_leaves_the_cache_off(backend: Any) -> None:
    class Stop(Exception):
        pass

    def cancel(done: int, total: int, preview: Any) -> None:
        raise Stop

    request = tiny_request(backend, "tiny", steps=4, frames=5, draft=True)
    with pytest.raises(Stop):
        backend.generate(request, cancel)
    assert not backend._pipe.transformer.is_cache_enabled


def test_draft_of_halves_size_and_steps_within_the_model_rules(backend: Any) -> None:
    full = tiny_request(backend, "tiny", width=160, height=96, steps=9, draft=True)
    draft, notes = draft_of(full, backend.constraints)
    multiple = backend.constraints.size_multiple
    assert draft.width % multiple == 0 and draft.height % multiple == 0
    assert abs(draft.width - 80) <= multiple // 2 and abs(draft.height - 48) <= multiple // 2
    assert (draft.steps, draft.frames, draft.seed, draft.draft) == (4, full.frames, full.seed, True)
    assert notes == [f"draft: {draft.width}x{draft.height} with 4 steps (the final is "
                     "160x96 with 9)."]
    frames = backend.generate(draft, ignore_steps)
    assert frames.shape[1:3] == (draft.height, draft.width)


def test_hunyuan15_image_to_video_refuses_a_draft_of_another_size(
        tiny_hunyuan15_dirs: dict[str, Path], still: str, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    from engine.backends import BackendError
    from engine.protocol.requests import Pin

    loaded = load_backend("hunyuan15", tiny_hunyuan15_dirs["i2v"], "cpu", "full")
    # The pipeline picks its own size from the still; here it would make 64x64, the full size.
    monkeypatch.setattr(loaded._pipe.video_processor, "calculate_default_height_width",
                        lambda **_: (64, 64))
    draft = tiny_request(loaded, "tiny", frames=5, draft=True, pins=(Pin(still, 0),))
    with pytest.raises(BackendError) as refused:
        loaded.generate(draft, ignore_steps)
    assert (refused.value.code, refused.value.message, refused.value.hint) == (
        "unsupported_size", "A HunyuanVideo 1.5 image-to-video model makes its own size "
        "(64x64 here), so it cannot make a half-size draft.", "Turn draft off for this shot.")
    loaded.close()
