"""frameloom-mini training: 3 steps a stage, resume, the saved pipeline, layouts, CFG dropout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.backends import load_backend  # noqa: E402 - after the torch skip
from engine.mini.batches import KINDS, Layout, condition_layout, drop_captions  # noqa: E402
from engine.mini.losses import encode_latents, flow_loss, object_cells  # noqa: E402
from engine.protocol.requests import GenerationRequest, Pin, fit_request  # noqa: E402
from support.mini_training import TINY, FakeVae, train  # noqa: E402


def _state(out: Path) -> dict:
    return json.loads((out / "checkpoint" / "state.json").read_text())


def _weights(out: Path, name: str) -> dict:
    from safetensors.torch import load_file

    return load_file(out / "checkpoint" / f"{name}.safetensors")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run folder after 3 steps of each stage."""
    torch.set_num_threads(1)  # as in conftest: spinning threads cost more on shared cores
    out = tmp_path_factory.mktemp("mini") / "run"
    train(out, "--steps", "3")
    return out


def test_three_steps_of_each_stage_write_a_checkpoint(run: Path) -> None:
    state = _state(run)
    assert {s: state["stages"][s]["step"] for s in ("vae", "transformer", "decoder")} == {
        "vae": 3, "transformer": 3, "decoder": 3}
    assert state["calibrated"] == 3 and state["preset_name"] == "cpu"
    assert not state["stages"]["vae"]["done"]  # --steps stops a stage short of its target
    for name in ("vae", "transformer", "text_encoder"):
        assert (run / "checkpoint" / f"{name}.safetensors").is_file()


def test_resume_loads_the_weights_and_continues_the_step_count(run: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    import shutil

    out = tmp_path / "run"
    shutil.copytree(run, out)
    before = _weights(out, "transformer")
    train(out, "--resume", "--steps", "0")
    after = _weights(out, "transformer")  # unchanged, so loaded: fresh weights would differ
    assert all(torch.equal(before[k], after[k]) for k in before)
    train(out, "--resume", "--steps", "2", "--stage", "transformer")
    assert _state(out)["stages"]["transformer"]["step"] == 5
    assert _state(out)["stages"]["vae"]["step"] == 3
    assert "[transformer] step 5 " in capsys.readouterr().out
    trained = _weights(out, "transformer")["proj_out.weight"]
    assert not torch.equal(before["proj_out.weight"], trained)
    (out / "checkpoint").rename(out / "checkpoint.old")  # as a save killed mid-swap leaves it
    train(out, "--resume", "--steps", "1", "--stage", "transformer")
    assert _state(out)["stages"]["transformer"]["step"] == 6
    assert not (out / "checkpoint.old").exists()


def test_the_text_encoder_trains_only_when_the_preset_gives_it_a_rate(run: Path,
                                                                     tmp_path: Path) -> None:
    import shutil

    out = tmp_path / "run"
    shutil.copytree(run, out)  # trained with a frozen encoder, as the shipped model was
    frozen = _weights(out, "text_encoder")
    assert all(torch.equal(frozen[k], v) for k, v in _weights(run, "text_encoder").items())
    train(out, "--resume", "--steps", "1", "--stage", "transformer")
    assert all(torch.equal(frozen[k], v) for k, v in _weights(out, "text_encoder").items())
    # Resumed with a rate, the encoder joins the transformer's optimizer and its weights move;
    # resumed again, the optimizer's saved state (with the encoder's group) loads.
    train(out, "--resume", "--steps", "1", "--stage", "transformer", "--override",
           json.dumps({"text_lr": 1e-3}))
    moved = _weights(out, "text_encoder")
    assert any(not torch.equal(frozen[k], v) for k, v in moved.items())
    train(out, "--resume", "--steps", "1", "--stage", "transformer")
    assert _state(out)["stages"]["transformer"]["step"] == 6
    assert any(not torch.equal(moved[k], v) for k, v in _weights(out, "text_encoder").items())
    # A later --override of the encoder's rate applies (the saved optimizer kept the old one).
    train(out, "--resume", "--steps", "1", "--stage", "transformer", "--override",
           json.dumps({"text_lr": 2e-4}))
    saved = torch.load(out / "checkpoint" / "optimizer.pt", weights_only=True)
    assert [g.get("base") for g in saved["optimizers"]["transformer"]["param_groups"]] == \
        [None, 2e-4]


def test_a_finished_stage_trains_on_when_resumed_with_a_larger_budget(tmp_path: Path) -> None:
    # A stage that used up its steps is done; --resume with a higher step target (as one would
    # give a CPU run more time) continues it from where it stopped instead of skipping it.
    out = tmp_path / "run"
    train(out, "--stage", "transformer", "--override",
           json.dumps({**json.loads(TINY), "steps": {"transformer": 2}}))
    assert _state(out)["stages"]["transformer"] == {**_state(out)["stages"]["transformer"],
                                                    "step": 2, "done": True}
    train(out, "--resume", "--stage", "transformer", "--override",
           json.dumps({"steps": {"transformer": 3}}))
    assert _state(out)["stages"]["transformer"]["step"] == 3


def test_build_makes_the_same_pipeline_folder_from_a_checkpoint(run: Path, tmp_path: Path) -> None:
    import argparse

    from engine.mini import build

    build.main(argparse.Namespace(checkpoint=str(run / "checkpoint"), out=str(tmp_path / "m"),
                                  decoder_from=None))
    index = json.loads((tmp_path / "m" / "model_index.json").read_text())
    assert index["_class_name"] == "LTXConditionPipeline"
    assert index["_frameloom_description"].startswith("frameloom-mini, preset cpu: VAE 3 steps")
    assert not list((tmp_path / "m").rglob("*.bin"))
    assert load_backend("ltx", tmp_path / "m", "cpu", "full").constraints.size_multiple == 32


def test_the_pipeline_loads_in_the_ltx_backend_and_generates(run: Path) -> None:
    backend = load_backend("ltx", run / "pipeline", "cpu", "full")
    assert backend.constraints.size_multiple == 32 and backend.constraints.frame_rule == (4, 1)
    request = GenerationRequest(model_id="frameloom-mini", prompt="a red circle moves left",
                                width=64, height=32, frames=9, fps=24, seed=1, steps=2,
                                guidance=3.0)
    request, _ = fit_request(request, backend.constraints)
    frames = backend.generate(request, lambda done, total, preview: None)
    assert frames.shape == (9, 32, 64, 3) and frames.dtype == np.uint8
    backend.close()


def test_pins_reach_the_saved_pipeline(run: Path, tmp_path: Path) -> None:
    from PIL import Image

    still = tmp_path / "still.png"
    Image.fromarray(np.full((32, 64, 3), (220, 50, 50), np.uint8)).save(still)
    backend = load_backend("ltx", run / "pipeline", "cpu", "full")
    request = GenerationRequest(model_id="frameloom-mini", prompt="a red circle", width=64,
                                height=32, frames=17, fps=24, seed=1, steps=2, guidance=1.0,
                                pins=(Pin(str(still), 0), Pin(str(still), 16)))
    assert backend.generate(request, lambda *_: None).shape == (17, 32, 64, 3)
    backend.close()


def test_condition_layout_masks_exactly_the_frames_it_names() -> None:
    seen = set()
    for seed in range(600):
        rng = np.random.default_rng(seed)
        frames = int(rng.integers(2, 8))
        pixels = 8 * (frames - 1) + 1
        layout = condition_layout(rng, frames, pixels, rate=0.8)
        mask = layout.mask(frames)
        named = {f for start, length in layout.windows for f in range(start, start + length)}
        assert set(np.flatnonzero(mask)) == named
        assert not mask.all()
        if layout.kind == "none":
            assert not mask.any() and layout.appended is None
            continue
        assert layout.kind in KINDS
        # A pin at frame 0 is given in place; every later pin is appended as the pipeline does.
        assert mask[0] == (layout.kind in ("first", "first_last"))
        assert (layout.appended is None) == (layout.kind == "first")
        if layout.appended is None:
            continue
        start, length = layout.appended, layout.appended_frames
        assert start > 0 and start + length <= pixels
        assert (start + length == pixels) == (layout.kind != "middle")
        if length > 1:  # a clip on a latent boundary, its frames after the first two in place
            assert start % 8 == 0 and (length - 1) % 8 == 0
            width = (length - 1) // 8 + 1
            tail = set(range(start // 8 + 2, start // 8 + width))
            assert tail <= named and not {start // 8, start // 8 + 1} & named
        seen.add((layout.kind, length > 1))
    assert seen == {(kind, clip) for kind in ("last", "middle", "first_last")
                    for clip in (False, True)}


def test_condition_layout_rate_and_kinds() -> None:
    rng = np.random.default_rng(0)
    layouts = [condition_layout(rng, 4, 25, rate=0.5) for _ in range(4000)]
    conditioned = [layout for layout in layouts if layout.kind != "none"]
    assert abs(len(conditioned) / len(layouts) - 0.5) < 0.03
    assert {layout.kind for layout in conditioned} == set(KINDS)
    assert any(layout.appended is not None for layout in conditioned)


class _Recorder(torch.nn.Module):
    """Stands in for the transformer: records its inputs and predicts zeros."""

    def forward(self, hidden_states, timestep, video_coords, **_):
        self.tokens, self.timestep, self.coords = hidden_states, timestep, video_coords
        return (torch.zeros_like(hidden_states),)


@pytest.mark.parametrize("layout", [Layout("none"), Layout("first", ((0, 1),)),
                                    Layout("first_last", ((0, 1), (2, 1))),
                                    Layout("middle", ((1, 2),))])
def test_flow_loss_gives_clean_frames_timestep_zero_and_leaves_them_out(layout: Layout) -> None:
    latents = torch.randn(2, 4, 4, 2, 3)  # (B, C, f, h, w)
    transformer, generator = _Recorder(), torch.Generator().manual_seed(0)
    loss = flow_loss(transformer, FakeVae(), latents, torch.zeros(2, 5, 8),
                     torch.ones(2, 5, dtype=torch.bool), layout, torch.zeros(2, 3, 25, 64, 96), 24,
                     generator, cond_noise=0.0)
    clean = torch.from_numpy(layout.mask(4)).repeat_interleave(6)  # (f*h*w,), frame-major tokens
    assert (transformer.timestep[:, clean] == 0).all()
    assert (transformer.timestep[:, ~clean] > 0).all()
    tokens = transformer.tokens.reshape(2, 4, 6, 4)  # (B, f, h*w, C)
    packed = latents.permute(0, 2, 3, 4, 1).reshape(2, 4, 6, 4)
    assert torch.equal(tokens[:, layout.mask(4)], packed[:, layout.mask(4)])  # given clean
    # Again with the pipeline's image_cond_noise_scale: clean tokens move by at most 0.15 s^2 n.
    flow_loss(transformer, FakeVae(), latents, torch.zeros(2, 5, 8),
              torch.ones(2, 5, dtype=torch.bool), layout, torch.zeros(2, 3, 25, 64, 96), 24,
              generator)
    jitter = transformer.tokens.reshape(2, 4, 6, 4)[:, layout.mask(4)] - packed[:, layout.mask(4)]
    assert (jitter.abs() < 0.15 * 6).all()
    assert bool((jitter != 0).any()) == bool(layout.mask(4).any())
    # Predicting zeros leaves the squared velocity n - x, averaged over noisy tokens only.
    generator = torch.Generator().manual_seed(0)
    torch.randn(2, generator=generator)
    noise = torch.randn(latents.shape, generator=generator).permute(0, 2, 3, 4, 1)
    target = (noise - latents.permute(0, 2, 3, 4, 1)).reshape(2, 4, 6, 4)
    assert loss.item() == pytest.approx((target[:, ~layout.mask(4)] ** 2).mean().item(), rel=1e-5)


def test_flow_loss_shift_moves_the_noise_levels_towards_pure_noise() -> None:
    latents = torch.randn(64, 4, 2, 1, 1)  # (B, C, f, h, w)
    levels = {}
    for shift in (1.0, 4.0):
        transformer = _Recorder()
        flow_loss(transformer, FakeVae(), latents, torch.zeros(64, 5, 8),
                  torch.ones(64, 5, dtype=torch.bool), Layout("none"),
                  torch.zeros(64, 3, 9, 32, 32), 24, torch.Generator().manual_seed(3),
                  shift=shift)
        levels[shift] = transformer.timestep[:, 0] / 1000.0  # (B,) sigma of each clip
    u = levels[1.0]  # the same draws, shifted: s' = 4 s / (1 + 3 s)
    assert torch.allclose(levels[4.0], 4 * u / (1 + 3 * u), atol=1e-6)
    assert levels[4.0].median() > 0.7 > 0.6 > levels[1.0].median()


def test_an_appended_pin_is_encoded_alone_at_its_frame_time() -> None:
    class Vae(FakeVae):
        def encode(self, video):
            assert video.shape[2] == 1  # one pixel frame, as the pipeline encodes a still
            dist = type("Dist", (), {"mode": lambda _: torch.ones(2, 4, 1, 2, 3)})()
            return type("Out", (), {"latent_dist": dist})()

    transformer = _Recorder()
    flow_loss(transformer, Vae(), torch.randn(2, 4, 4, 2, 3), torch.zeros(2, 5, 8),
              torch.ones(2, 5, dtype=torch.bool), Layout("last", appended=24),
              torch.zeros(2, 3, 25, 64, 96), 24, torch.Generator().manual_seed(0))
    assert transformer.tokens.shape == (2, 30, 4)  # 6 prepended + 24 clip tokens
    assert (transformer.timestep[:, :6] == 0).all() and (transformer.timestep[:, 6:] > 0).all()
    assert torch.allclose(transformer.coords[:, 0, :6], torch.tensor(24 / 24))  # seconds


def test_an_appended_clip_is_given_as_the_pipeline_gives_it(run: Path) -> None:
    # A bridge's end or an extend backward pins a clip at a frame k > 0; LTXConditionPipeline
    # prepends its first two latent frames at times k, k+1.. and puts the rest in place. The
    # training loss must build the same tokens, clean marks and coordinates.
    from diffusers import LTXConditionPipeline

    pipe = LTXConditionPipeline.from_pretrained(run / "pipeline")
    video = torch.rand(1, 3, 25, 32, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    layout = Layout("last", ((6, 1),), appended=16, appended_frames=9)  # 3 latent frames
    latents = encode_latents(pipe.vae, video)  # (1, C, 7, 2, 4)
    transformer = _Recorder()
    flow_loss(transformer, pipe.vae, latents, torch.zeros(1, 5, 64),
              torch.ones(1, 5, dtype=torch.bool), layout, video, 24,
              torch.Generator().manual_seed(0), cond_noise=0.0)
    with torch.no_grad():
        tokens, cond_mask, ids, extra = pipe.prepare_latents(
            [video[:, :, 16:]], [1.0], [16], 1, latents.shape[1], 32, 64, 25,
            generator=torch.Generator().manual_seed(0), device="cpu", dtype=torch.float32)
    assert extra == 2 * 8 and transformer.tokens.shape == tokens.shape
    assert torch.equal(transformer.timestep == 0, cond_mask > 0)
    assert torch.allclose(transformer.coords[:, 0] * 24, ids[:, 0].float())
    assert torch.equal(transformer.coords[:, 1:], ids[:, 1:].float())
    clean = cond_mask > 0
    assert torch.allclose(transformer.tokens[clean], tokens[clean], atol=1e-5)


def test_cfg_dropout_replaces_captions_with_empty_at_the_rate() -> None:
    captions = [f"a red circle moves left {i}" for i in range(20000)]
    dropped = drop_captions(captions, np.random.default_rng(7), 0.1)
    empty = sum(c == "" for c in dropped)
    assert abs(empty / len(captions) - 0.1) < 0.006  # about 4 standard deviations
    assert all(d in ("", c) for c, d in zip(captions, dropped))
    assert drop_captions(captions[:50], np.random.default_rng(7), 0.0) == captions[:50]
    assert drop_captions(captions[:50], np.random.default_rng(7), 1.0) == [""] * 50
    assert dropped == drop_captions(captions, np.random.default_rng(7), 0.1)  # seeded


class _Replay:
    """A stand-in VAE whose reconstruction is a fixed video, to read what vae_loss weighs."""

    def __init__(self, recon: torch.Tensor) -> None:
        self.recon = recon

    def encode(self, video: torch.Tensor) -> object:
        dist = type("Dist", (), {"mode": lambda _: video})()
        return type("Encoded", (), {"latent_dist": dist})()

    def decode(self, latents: torch.Tensor) -> object:
        return type("Decoded", (), {"sample": self.recon})()


def test_vae_loss_weighs_the_object_pixels_it_finds() -> None:
    from engine.mini.losses import object_mask, vae_loss

    video = torch.full((2, 3, 9, 32, 64), -0.5)  # (B, 3, F, H, W) a flat backdrop
    video[:, :, :, 10:16, 20:26] = 0.8  # a 6x6 object in every frame
    mask = object_mask(video)
    assert mask.shape == (2, 1, 9, 32, 64) and mask.sum().item() == 2 * 9 * 36
    # A reconstruction that loses the object: the backdrop is exact, the object is backdrop.
    recon = torch.full_like(video, -0.5)
    plain, info = vae_loss(_Replay(recon), video)
    weighted, again = vae_loss(_Replay(recon), video, object_weight=20.0)
    assert info == again and info["object_psnr"] < 5 < info["psnr"]
    share = 36 / (32 * 64)
    assert plain.item() == pytest.approx(1.3**2 * share, rel=1e-4)
    assert weighted.item() == pytest.approx(1.3**2 * 21 * share / (1 + 20 * share), rel=1e-4)
    # A halo: the object exact, its colour smeared 2 pixels around it. Weighing the object alone
    # does not see it any more than plain MSE does; weighing its 2-pixel rim too weighs it up.
    halo = video.clone()
    halo[:, :, :, 8:18, 18:28] = 0.8
    halo[:, :, :, 10:16, 20:26] = 0.8
    ring = (10 * 10 - 36) / (32 * 64)
    alone, _ = vae_loss(_Replay(halo), video, object_weight=20.0)
    rimmed, _ = vae_loss(_Replay(halo), video, object_weight=20.0, rim=2)
    assert alone.item() == pytest.approx(1.3**2 * ring / (1 + 20 * share), rel=1e-4)
    assert rimmed.item() == pytest.approx(1.3**2 * 21 * ring / (1 + 20 * (share + ring)),
                                          rel=1e-4)


def test_a_run_resumed_with_text_attention_gets_the_neighbour_bias(tmp_path: Path) -> None:
    from transformers import T5Config, T5EncoderModel

    from engine.mini.parts import attend_to_neighbours

    out = tmp_path / "run"
    key = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"
    train(out, "--steps", "1", "--stage", "transformer", "--override",
           json.dumps({**json.loads(TINY), "text_attention": 0}))
    random_bias = _weights(out, "text_encoder")[key]
    train(out, "--resume", "--steps", "1", "--stage", "transformer", "--override",
           json.dumps({"text_attention": 8.0}))
    bias = _weights(out, "text_encoder")[key]
    assert not torch.equal(bias, random_bias)
    probe = T5EncoderModel(T5Config(vocab_size=8, num_layers=1, num_heads=bias.shape[1],
                                    relative_attention_num_buckets=bias.shape[0]))
    attend_to_neighbours(probe, 8.0)
    expected = probe.encoder.block[0].layer[0].SelfAttention.relative_attention_bias.weight
    assert torch.equal(bias, expected.detach())
    assert _state(out)["preset"]["text_attention"] == 8.0


def test_object_cells_mark_the_latent_cells_an_object_covers() -> None:
    video = -torch.ones(1, 3, 9, 64, 96)  # (B, C, F, H, W): a black background
    video[0, :, 0, 40:50, 70:80] = 1.0  # frame 0: one white square, in cell (1, 2) of 32x32 cells
    video[0, :, 6, 0:5, 0:5] = 1.0  # frame 6 (latent frame 2 with 4x time): cell (0, 0)
    cells = object_cells(video, 3, 2, 3).reshape(3, 2, 3)  # (f, h, w)
    expected = torch.zeros(3, 2, 3)
    expected[0, 1, 2] = expected[2, 0, 0] = 1.0
    assert torch.equal(cells, expected)


def test_the_decoder_stage_leaves_the_encoder_and_the_build_takes_its_decoder(
        run: Path, tmp_path: Path) -> None:
    import argparse
    import shutil

    from safetensors.torch import load_file, save_file

    from engine.mini import build

    out = tmp_path / "run"
    shutil.copytree(run, out)
    before = _weights(out, "vae")
    train(out, "--resume", "--steps", "2", "--stage", "decoder", "--override",
           json.dumps({**json.loads(TINY), "object_rim": 2, "lr": {"decoder": 7e-5},
                       "decay": {"decoder": 0.5}}))  # the last --override wins
    after = _weights(out, "vae")
    assert _state(out)["stages"]["decoder"]["step"] == 5
    assert _state(out)["stages"]["vae"]["step"] == 3
    assert all(torch.equal(before[k], v) for k, v in after.items() if not k.startswith("decoder."))
    assert any(not torch.equal(before[k], v) for k, v in after.items() if k.startswith("decoder."))
    assert (out / "checkpoints" / "vae000003-transformer0000003-decoder000005").is_dir()
    # The run's own checkpoint, with the decoder taken from the copy that trained it on.
    build.main(argparse.Namespace(checkpoint=str(run / "checkpoint"), out=str(tmp_path / "m"),
                                  decoder_from=str(out / "checkpoint")))
    built = {k: v for shard in (tmp_path / "m" / "vae").glob("*.safetensors")
             for k, v in load_file(shard).items()}
    assert all(torch.equal(built[k], v) for k, v in after.items())
    index = json.loads((tmp_path / "m" / "model_index.json").read_text())
    assert index["_frameloom_description"].endswith("decoder 5 more steps")
    assert index["_frameloom_trained"]["steps"]["decoder"] == 5
    recipe = index["_frameloom_trained"]["recipe"]
    assert recipe["object_rim"] == 2  # the decoder run's, and its rate; the rest the run's
    assert (recipe["lr"]["decoder"], recipe["decay"]["decoder"]) == (7e-5, 0.5)
    assert recipe["lr"]["transformer"] == _state(run)["preset"]["lr"]["transformer"]
    # A VAE with another encoder is refused: the transformer never saw its latents.
    name = next(k for k in after if k.startswith("encoder."))
    save_file({**after, name: after[name] + 1.0}, str(out / "checkpoint" / "vae.safetensors"))
    with pytest.raises(ValueError, match="another VAE encoder"):
        build.main(argparse.Namespace(checkpoint=str(run / "checkpoint"), out=str(tmp_path / "n"),
                                      decoder_from=str(out / "checkpoint")))


def test_a_run_starts_from_a_built_model_at_its_steps_with_its_weights(run: Path,
                                                                      tmp_path: Path) -> None:
    # For a run whose checkpoints are lost: the shipped folder is the starting point.
    from engine.mini.build import parts_from_model

    model = run / "pipeline"
    parts, _, state = parts_from_model(model)
    assert {s: p["step"] for s, p in state["stages"].items()} == {
        "vae": 3, "transformer": 3, "decoder": 3}
    assert state["calibrated"] == 3  # the saved latent scale is kept, not measured again
    from diffusers import LTXVideoTransformer3DModel

    saved = LTXVideoTransformer3DModel.from_pretrained(model / "transformer").state_dict()
    assert all(torch.equal(saved[k], v) for k, v in parts.transformer.state_dict().items())
    out = tmp_path / "run"
    train(out, "--resume", "--from-model", str(model), "--steps", "1", "--stage", "transformer")
    assert _state(out)["stages"]["transformer"]["step"] == 4
    trained = _weights(out, "transformer")
    assert any(not torch.equal(saved[k], v) for k, v in trained.items())
    # The average is its own copy: after a step it lies between the loaded and trained weights.
    average = _weights(out, "transformer_ema")
    assert any(not torch.equal(average[k], v) for k, v in trained.items())
    # Resumed again, the run's own checkpoint wins over the model folder.
    train(out, "--resume", "--from-model", str(model), "--steps", "1", "--stage", "transformer")
    assert _state(out)["stages"]["transformer"]["step"] == 5


def test_a_folder_without_a_training_record_is_refused(tmp_path: Path) -> None:
    from engine.mini.build import parts_from_model

    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "LTXPipeline"}))
    with pytest.raises(ValueError, match="not a frameloom-mini build"):
        parts_from_model(tmp_path)
    with pytest.raises(ValueError, match="no readable model_index.json"):
        parts_from_model(tmp_path / "missing")
    (tmp_path / "model_index.json").write_text("[not json")
    with pytest.raises(ValueError, match="no readable model_index.json"):
        parts_from_model(tmp_path)


def test_a_built_model_records_its_recipe_and_a_run_from_it_keeps_it(run: Path,
                                                                      tmp_path: Path) -> None:
    # A world or loss weight given by --override once is not lost by the next --from-model run.
    import shutil

    from engine.mini.build import RECIPE, parts_from_model
    from engine.mini.parts import PRESETS

    model = tmp_path / "model"
    shutil.copytree(run / "pipeline", model)
    index = json.loads((model / "model_index.json").read_text())
    assert set(index["_frameloom_trained"]["recipe"]) == set(RECIPE)
    index["_frameloom_trained"]["recipe"].update(
        start_spread=0.35, object_rim=4, unknown=1, ema=0.995,
        lr={"vae": 2e-4, "transformer": 1.5e-4}, decay={"transformer": 0.93},
        image_share=0.5, image_crop=[96, 96])
    (model / "model_index.json").write_text(json.dumps(index))
    _, preset, _ = parts_from_model(model)
    assert (preset.start_spread, preset.object_rim, preset.ema) == (0.35, 4, 0.995)
    assert (preset.image_share, preset.image_crop) == (0.5, (96, 96))
    assert (preset.lr["vae"], preset.lr["transformer"]) == (2e-4, 1.5e-4)
    assert preset.decay["transformer"] == 0.93
    # The command line wins, and a rate it gives leaves the other recorded ones in place.
    _, preset, _ = parts_from_model(model, start_spread=0.6, lr={"transformer": 1e-4})
    assert (preset.start_spread, preset.object_rim) == (0.6, 4)
    assert (preset.lr["vae"], preset.lr["transformer"]) == (2e-4, 1e-4)
    # A value of the wrong kind is left out, not a traceback: the preset's own stands.
    index["_frameloom_trained"]["recipe"].update(ema="high", lr=3, decay={"transformer": "x"},
                                                 image_crop=[96, -1])
    (model / "model_index.json").write_text(json.dumps(index))
    _, preset, _ = parts_from_model(model)
    assert (preset.start_spread, preset.ema) == (0.35, PRESETS["cpu"].ema)
    assert preset.image_crop == PRESETS["cpu"].image_crop
    assert (preset.lr, preset.decay) == (PRESETS["cpu"].lr, PRESETS["cpu"].decay)
    index["_frameloom_trained"]["recipe"] = "garbled"  # read as no recipe, not a traceback
    (model / "model_index.json").write_text(json.dumps(index))
    assert parts_from_model(model)[1].start_spread == 1.0
    del index["_frameloom_trained"]["recipe"]  # a folder built before the record had one
    (model / "model_index.json").write_text(json.dumps(index))
    _, preset, _ = parts_from_model(model)
    assert (preset.start_spread, preset.object_rim) == (1.0, 0)


def test_a_run_from_a_built_model_can_grow_its_transformer_without_changing_it(
        run: Path, tmp_path: Path) -> None:
    # More layers for a model that stopped improving at its depth: the new blocks start as
    # identity, so the grown transformer predicts exactly what the saved one did.
    from engine.mini.build import NotAModel, parts_from_model
    from engine.mini.losses import _coords

    model = run / "pipeline"
    saved, _, _ = parts_from_model(model)
    depth = len(saved.transformer.transformer_blocks)
    grown, preset, _ = parts_from_model(model, transformer={"num_layers": depth + 2})
    assert preset.transformer["num_layers"] == depth + 2
    assert len(grown.transformer.transformer_blocks) == depth + 2
    torch.manual_seed(0)
    f, h, w = 3, 2, 4
    inputs = dict(hidden_states=torch.randn(1, f * h * w, 32),
                  encoder_hidden_states=torch.randn(1, 48, 64),
                  timestep=torch.full((1, f * h * w), 600.0),
                  encoder_attention_mask=torch.ones(1, 48, dtype=torch.bool),
                  video_coords=_coords(1, f, h, w, 0, saved.vae), return_dict=False)
    with torch.no_grad():
        before, after = (parts.transformer(**inputs)[0] for parts in (saved, grown))
    assert torch.allclose(before, after, atol=1e-6)
    # One step trains it, and the run's next start from its build keeps the depth.
    out = tmp_path / "run"
    train(out, "--resume", "--from-model", str(model), "--steps", "1", "--stage", "transformer",
           "--override", json.dumps({**json.loads(TINY),
                                     "transformer": {"num_layers": depth + 2}}))
    assert parts_from_model(out / "pipeline")[1].transformer["num_layers"] == depth + 2
    with pytest.raises(NotAModel, match="not drop them"):
        parts_from_model(out / "pipeline", transformer={"num_layers": depth})


@pytest.mark.parametrize("layout", [Layout("first_last", ((0, 1),), appended=24),
                                    Layout("first_last", ((0, 2), (6, 1)), appended=16,
                                           appended_frames=9)])
def test_a_dissolve_keeps_each_pinned_end_and_travels_between_them(layout: Layout) -> None:
    # A bridge between two scenes: the head is clip i's own frames, the tail clip i + 1's.
    from engine.mini.batches import dissolve

    video = torch.stack([torch.full((3, 25, 4, 4), value) for value in (-1.0, 0.5, 1.0)])
    out = dissolve(video, layout, ratio=4)
    head = 1 + 4 * (sum(n for s, n in layout.windows if s == 0) - 1)
    assert torch.equal(out[:, :, :head], video[:, :, :head])
    assert torch.equal(out[:, :, layout.appended:], video.roll(-1, dims=0)[:, :, layout.appended:])
    middle = out[0, 0, head:layout.appended, 0, 0]  # -1 towards 0.5, without a jump
    assert (middle.diff() > 0).all() and middle.diff().max() < 0.5
    assert middle.min() > -1.0 and middle.max() < 0.5


def test_bridge_share_trains_on_dissolves(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Only batches pinned at both ends dissolve (the seed makes the run the same every time).
    import engine.mini.train as training

    calls: list[Layout] = []
    original = training.dissolve
    monkeypatch.setattr(training, "dissolve", lambda *a: calls.append(a[1]) or original(*a))
    train(tmp_path / "run", "--steps", "8", "--stage", "transformer", "--override", json.dumps(
        {**json.loads(TINY), "bridge_share": 1.0, "condition_rate": 1.0}))
    assert calls and all(layout.kind == "first_last" for layout in calls)


def test_stills_take_one_frame_of_each_clip() -> None:
    from engine.mini.batches import stills

    video = torch.arange(2 * 5, dtype=torch.float32).view(2, 1, 5, 1, 1).expand(2, 3, 5, 2, 2)
    out = stills(video, np.random.default_rng(0))
    assert out.shape == (2, 3, 1, 2, 2)
    for clip in range(2):  # every pixel of a still is the same frame of its own clip
        frame = out[clip, 0, 0, 0, 0]
        assert torch.all(out[clip] == frame) and clip * 5 <= frame < clip * 5 + 5


def _trained_shapes(run: Path, monkeypatch: pytest.MonkeyPatch, **override: Any
                    ) -> list[tuple[int, ...]]:
    """The batch shape of each of 6 transformer steps of a tiny run with ``override``."""
    import engine.mini.train as training

    shapes: list[tuple[int, ...]] = []
    original = training.transformer_loss
    monkeypatch.setattr(training, "transformer_loss",
                        lambda parts, preset, video, *a: shapes.append(tuple(video.shape))
                        or original(parts, preset, video, *a))
    train(run, "--steps", "6", "--stage", "transformer", "--override", json.dumps(
        {**json.loads(TINY), **override}))
    return shapes


def test_image_share_trains_on_stills_of_the_image_batch(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = _trained_shapes(tmp_path / "run", monkeypatch, image_share=0.5, image_batch=6)
    assert len(shapes) == 6
    assert {s[:3] for s in shapes} == {(6, 3, 1), (4, 3, 17)}  # both kinds, seeded


def test_still_crops_centre_each_still_s_object_and_drop_crowded_captions() -> None:
    from engine.mini.batches import still_crops
    from engine.mini.captions import Scene, Thing

    stills = -torch.ones(3, 3, 1, 64, 96)  # black backgrounds in [-1, 1]
    for index, (y, x) in enumerate([(10, 12), (40, 70), (30, 48)]):
        stills[index, :, 0, y - 3:y + 3, x - 3:x + 3] = 1.0  # a white object, 6 pixels wide
    one = Scene(background="black", objects=(Thing("square", "white", "moves", "left"),))
    two = Scene(background="black", objects=one.objects * 2)
    cut, texts = still_crops(stills, ["a", "b", "c"], [one, one, two], (32, 32),
                             np.random.default_rng(0), jitter=0.0)
    assert cut.shape == (3, 3, 1, 32, 32) and texts == ["a", "b", ""]
    for still in cut:  # each object in its own window, centred unless an edge stops it
        assert int((still[0, 0] > 0).sum()) == 36
    assert np.nonzero(cut[1, 0, 0].numpy() > 0)[0].mean() == pytest.approx(15.5)
    assert np.nonzero(cut[1, 0, 0].numpy() > 0)[1].mean() == pytest.approx(15.5)


def test_image_crop_trains_on_windows_of_the_stills(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = _trained_shapes(tmp_path / "run", monkeypatch, image_share=0.5, image_batch=6,
                             image_crop=[32, 32])
    assert {s for s in shapes if s[2] == 1} == {(6, 3, 1, 32, 32)}


def test_a_signal_ends_the_run_at_a_step_boundary_with_its_checkpoint_saved(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # SIGTERM (a closed session, `kill`) used to lose everything since the last 10-minute save.
    from engine.mini import train as training

    monkeypatch.setattr(training, "_STOP", [])
    losses = []
    real_loss = training.transformer_loss

    def loss_then_signal(*args: Any) -> Any:
        losses.append(1)
        if len(losses) == 2:
            training._STOP.append(15)  # what the SIGTERM handler does
        return real_loss(*args)

    monkeypatch.setattr(training, "transformer_loss", loss_then_signal)
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as stopped:
        train(out, "--stage", "transformer", "--steps", "5")
    assert stopped.value.code == 128 + 15
    assert _state(out)["stages"]["transformer"]["step"] == 2
    assert _state(out)["stages"]["transformer"]["done"] is False
    training._STOP.clear()
    train(out, "--resume", "--stage", "transformer", "--steps", "3")
    assert _state(out)["stages"]["transformer"]["step"] == 5


def test_the_signal_handler_asks_once_then_interrupts(monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    from engine.mini import train as training

    monkeypatch.setattr(training, "_STOP", [])
    handlers: dict[int, Any] = {}
    monkeypatch.setattr(signal, "signal", lambda number, handler: handlers.update({number:
                                                                                   handler}))
    training.stop_on_signals()
    assert set(handlers) == {signal.SIGTERM, signal.SIGINT}
    handlers[signal.SIGTERM](signal.SIGTERM, None)
    assert training._STOP == [signal.SIGTERM]
    with pytest.raises(KeyboardInterrupt):
        handlers[signal.SIGINT](signal.SIGINT, None)
