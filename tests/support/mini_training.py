"""What frameloom-mini's training tests share: the tiny preset override, a short run, and a
stand-in for the VAE where a loss needs only its scaling."""

from __future__ import annotations

import json
from pathlib import Path

import torch

# The CPU preset's models at its smallest bucket, with small batches so the run takes seconds.
TINY = json.dumps({"batch": {"vae": 2, "transformer": 4}, "sizes": [[64, 32], [32, 64]],
                   "frames": 17, "log_every": 1})


def train(out: Path, *extra: str) -> None:
    """``engine.mini.train`` on the CPU preset with :data:`TINY` (later ``--override`` win)."""
    from engine.mini.train import main, parse_args

    main(parse_args(["--preset", "cpu", "--out", str(out), "--override", TINY, *extra]))


class FakeVae:
    """The VAE's compression ratios and latent scaling (identity), nothing else."""

    spatial_compression_ratio, temporal_compression_ratio = 32, 8
    latents_mean, latents_std = torch.zeros(4), torch.ones(4)
    config = type("Config", (), {"scaling_factor": 1.0})
