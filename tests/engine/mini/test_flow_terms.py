"""frameloom-mini's extra flow-matching terms: object cells weighed up, Contrastive Flow
Matching against another clip or a twin (the same scene, one word changed), and the term in
pixels through the decoder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.mini.batches import Layout  # noqa: E402
from engine.mini.losses import flow_loss  # noqa: E402
from support.mini_training import TINY, FakeVae, train  # noqa: E402


def test_flow_loss_object_weight_weighs_object_cells_up() -> None:
    latents = torch.zeros(1, 4, 3, 2, 3)  # (B, C, f, h, w)
    video = -torch.ones(1, 3, 9, 64, 96)
    video[0, :, :, 40:50, 70:80] = 1.0  # an object in cell (1, 2) of every latent frame

    class Wrong(torch.nn.Module):  # right everywhere but on the object's cells, where it is off
        def forward(self, hidden_states, timestep, video_coords, **_):
            generator = torch.Generator().manual_seed(0)
            torch.randn(1, generator=generator)
            noise = torch.randn(latents.shape, generator=generator)
            pred = noise.permute(0, 2, 3, 4, 1).reshape(1, 18, 4).clone()  # the velocity n - 0
            pred.reshape(1, 3, 6, 4)[:, :, 5] += 1.0  # cell (1, 2) is the sixth of each frame
            return (pred,)

    def loss(weight: float) -> float:
        return flow_loss(Wrong(), FakeVae(), latents, torch.zeros(1, 5, 8),
                         torch.ones(1, 5, dtype=torch.bool), Layout("none"), video, 24,
                         torch.Generator().manual_seed(0), object_weight=weight).item()

    # Squared error 1 on 3 of 18 tokens: 3/18 plain, 3*5/(15 + 3*5) with the object weighed 5x.
    assert loss(0.0) == pytest.approx(3 / 18, rel=1e-5)
    assert loss(4.0) == pytest.approx(15 / 30, rel=1e-5)


def test_flow_contrast_subtracts_the_distance_to_another_clip_s_target() -> None:
    latents = torch.randn(3, 4, 2, 2, 3)  # (B, C, f, h, w)

    class PerClip(torch.nn.Module):  # predicts 0 for every token of clip 0, 1 for clip 1...
        def forward(self, hidden_states, **_):
            index = torch.arange(hidden_states.shape[0], dtype=hidden_states.dtype)
            return (index[:, None, None].expand_as(hidden_states),)

    def loss(contrast: float, batch: int = 3) -> float:
        return flow_loss(PerClip(), FakeVae(), latents[:batch], torch.zeros(batch, 5, 8),
                         torch.ones(batch, 5, dtype=torch.bool), Layout("none"),
                         torch.zeros(batch, 3, 9, 64, 96), 24, torch.Generator().manual_seed(0),
                         contrast=contrast).item()

    generator = torch.Generator().manual_seed(0)
    torch.randn(3, generator=generator)  # the noise levels, drawn first
    noise = torch.randn(latents.shape, generator=generator)
    target = noise - latents  # (B, C, f, h, w)
    pred = torch.arange(3.0)[:, None, None, None, None]
    plain = ((pred - target) ** 2).mean().item()
    # Each clip's prediction against the target of the clip before it (clip 0 against clip 2).
    other = ((pred - target.roll(1, dims=0)) ** 2).mean().item()
    assert other != pytest.approx(((pred - target) ** 2).mean().item(), rel=1e-3)
    assert loss(0.0) == pytest.approx(plain, rel=1e-5)
    assert loss(0.25) == pytest.approx(plain - 0.25 * other, rel=1e-5)
    # One clip has no other: plain flow matching.
    assert loss(0.25, batch=1) == pytest.approx(loss(0.0, batch=1), rel=1e-6)


def test_flow_twins_subtract_the_distance_to_the_twin_s_target_on_its_cells() -> None:
    latents = torch.randn(2, 4, 2, 2, 3)  # (B, C, f, h, w)
    twin = latents + torch.randn(latents.shape)  # another scene, as its latents
    cells = torch.zeros(2, 12)
    cells[0, :5] = 1.0  # the twin's word shows on 5 cells of clip 0; clip 1 has no twin

    class Constant(torch.nn.Module):
        def forward(self, hidden_states, **_):
            return (torch.full_like(hidden_states, 0.5),)

    def loss(weight: float) -> float:
        return flow_loss(Constant(), FakeVae(), latents, torch.zeros(2, 5, 8),
                         torch.ones(2, 5, dtype=torch.bool), Layout("none"),
                         torch.zeros(2, 3, 9, 64, 96), 24, torch.Generator().manual_seed(0),
                         twins=(twin, cells), twin_weight=weight).item()

    generator = torch.Generator().manual_seed(0)
    torch.randn(2, generator=generator)  # the noise levels, drawn first
    noise = torch.randn(latents.shape, generator=generator)
    pack = lambda x: x.permute(0, 2, 3, 4, 1).reshape(2, 12, 4)  # noqa: E731 - the token order
    plain = ((0.5 - pack(noise - latents)) ** 2).mean(-1)  # (B, tokens)
    other = ((0.5 - pack(noise - twin)) ** 2).mean(-1)  # the same noise, the twin's target
    assert loss(0.0) == pytest.approx(plain.mean().item(), rel=1e-5)
    assert loss(0.3) == pytest.approx((plain - 0.3 * cells * other).mean().item(), rel=1e-5)


def test_twins_change_one_word_and_keep_the_rest_of_the_scene() -> None:
    import dataclasses

    from engine.mini.batches import twin_batch, world_batch
    from engine.mini.captions import Scene, Thing, held_out
    from engine.mini.world import World

    class Recording(World):
        def render(self, scene: Scene, *args, **kwargs):  # type: ignore[no-untyped-def]
            drawn.append(scene)
            return super().render(scene, *args, **kwargs)

    drawn: list[Scene] = []
    world, rng = Recording(3, shadings=("solid", "gradient")), np.random.default_rng(3)
    video, _, scenes = world_batch(world, rng, ((96, 64),), 9, 12)
    drawn.clear()
    twins, found = twin_batch(world, scenes, video, rng)
    assert twins.shape == video.shape and found.shape == (12,)
    solid = [scene.shading == "solid" for scene in scenes]
    assert any(solid) and not all(solid)  # the seed gives both kinds
    assert found.tolist() == solid  # a gradient is drawn anew with every rendering: no twin
    made = iter(drawn)
    for clip, twin, scene, has in zip(video, twins, scenes, found):
        if not has:
            assert torch.equal(twin, clip)
            continue
        other = next(made)
        first, changed_first = scene.objects[0], other.objects[0]
        fields = [f.name for f in dataclasses.fields(Thing)
                  if getattr(first, f.name) != getattr(changed_first, f.name)]
        assert fields in (["shape"], ["direction"])  # one word, the rest of the scene kept
        assert other.objects[1:] == scene.objects[1:] and other.background == scene.background
        differs = (twin - clip).abs().amax(dim=0) > 0  # (F, H, W)
        assert 0 < differs.float().mean() < 0.5  # the object changed, the backdrop did not
        assert torch.equal(twin[:, :, 0, 0], clip[:, :, 0, 0])
    # A purple circle's twin is never the held-out purple triangle, however often it is drawn.
    circle = Scene("blue", (Thing("circle", "purple", "grows", None, None, None, (0.5, 0.5)),))
    drawn.clear()
    for seed in range(30):
        twin_batch(world, [circle], video[:1], np.random.default_rng(seed))
    assert len(drawn) == 30 and not any(held_out(scene) for scene in drawn)


def test_flow_twins_train_on_twins_of_every_clip_batch(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.mini.train as training

    seen: list[int] = []
    original = training.twin_batch
    monkeypatch.setattr(training, "twin_batch",
                        lambda world, scenes, *a: seen.append(len(scenes))
                        or original(world, scenes, *a))
    train(tmp_path / "run", "--steps", "4", "--stage", "transformer", "--override", json.dumps(
        {**json.loads(TINY), "flow_twins": 0.2}))
    assert seen == [4] * 4


class _PixelVae(FakeVae):
    """Decodes a latent cell's first three channels as its 32x32 pixels (time kept as is)."""

    def decode(self, latents: torch.Tensor) -> Any:
        sample = latents[:, :3].repeat_interleave(32, dim=3).repeat_interleave(32, dim=4)
        return type("Decoded", (), {"sample": sample})


def test_flow_pixels_adds_the_decoded_first_frame_s_error_of_the_implied_clean_latents() -> None:
    from engine.mini.losses import pixel_term

    latents = torch.randn(2, 4, 2, 2, 3)  # (B, C, f, h, w)
    video = torch.zeros(2, 3, 9, 64, 96)
    video[:, :, :1] = _PixelVae().decode(latents[:, :, :1]).sample  # frame 0 decodes exactly
    pack = lambda x: x.permute(0, 2, 3, 4, 1).reshape(2, 12, 4)  # noqa: E731 - the token order

    class Exact(torch.nn.Module):  # the true velocity, read back from the noisy tokens
        def forward(self, hidden_states, timestep, **_):
            return ((hidden_states - pack(latents)) / (timestep[..., None] / 1000.0),)

    class Constant(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.value = torch.nn.Parameter(torch.tensor(0.5))

        def forward(self, hidden_states, **_):
            return (self.value.expand_as(hidden_states),)

    def loss(transformer: torch.nn.Module, weight: float) -> torch.Tensor:
        return flow_loss(transformer, _PixelVae(), latents, torch.zeros(2, 5, 8),
                         torch.ones(2, 5, dtype=torch.bool), Layout("none"), video, 24,
                         torch.Generator().manual_seed(0), pixels=weight, pixel_object=(10.0, 4))

    assert loss(Exact(), 3.0).item() == pytest.approx(0.0, abs=1e-6)
    generator = torch.Generator().manual_seed(0)
    sigma = torch.sigmoid(torch.randn(2, generator=generator))  # the noise levels, drawn first
    noise = torch.randn(latents.shape, generator=generator)
    s = sigma[:, None, None, None, None]
    estimate = (1 - s) * latents + s * noise - s * 0.5  # what a constant 0.5 implies
    term = pixel_term(_PixelVae(), estimate, video, 10.0, 4).item()
    assert term > 0.1
    constant = Constant()
    plain, with_pixels = loss(constant, 0.0), loss(constant, 3.0)
    assert with_pixels.item() == pytest.approx(plain.item() + 3.0 * term, rel=1e-5)
    with_pixels.backward()  # the pixel term's gradient reaches the transformer through the decoder
    only_pixels = constant.value.grad.clone()
    constant.value.grad = None
    plain.backward()
    assert not torch.isclose(only_pixels, constant.value.grad)


def test_flow_pixels_train_and_are_recorded_with_the_built_model(tmp_path: Path) -> None:
    train(tmp_path / "run", "--steps", "2", "--stage", "transformer", "--override", json.dumps(
        {**json.loads(TINY), "flow_pixels": 2.0, "object_rim": 2}))
    index = json.loads((tmp_path / "run" / "pipeline" / "model_index.json").read_text())
    assert index["_frameloom_trained"]["recipe"]["flow_pixels"] == 2.0
