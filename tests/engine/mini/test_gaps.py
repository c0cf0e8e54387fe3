"""The latent-gap diagnostic measures its pairs on the shipped VAE and prints its table."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from engine.mini.gaps import CHANGES, DEFAULT_MODEL, _clip, main, measure  # noqa: E402


class _Identity:
    """A 'VAE' whose normalized latents are the pixels themselves."""

    latents_mean, latents_std = torch.zeros(3), torch.ones(3)
    config = type("Config", (), {"scaling_factor": 1.0})

    def encode(self, video: torch.Tensor):  # type: ignore[no-untyped-def]
        dist = type("Dist", (), {"mode": lambda _: video})()
        return type("Out", (), {"latent_dist": dist})()


def test_gaps_are_root_mean_square_differences_of_the_pairs() -> None:
    gaps = measure(_Identity(), pairs=(("red", "blue"),))
    assert set(gaps) == set(CHANGES)
    circle = _clip("circle", "red", "blue", None).astype(np.float64) / 127.5
    square = _clip("square", "red", "blue", None).astype(np.float64) / 127.5
    expected = float(np.sqrt(((square - circle) ** 2).mean()))
    assert gaps["square"]["pixels"] == pytest.approx(expected, rel=1e-5)
    for gap in gaps.values():  # an identity encoder leaves the pixels' gap as it is
        assert gap["latents"] == pytest.approx(gap["pixels"], rel=1e-5)
        assert gap["pixels"] > 0.01


def test_it_prints_a_row_per_change_for_the_shipped_model(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    assert main(["--model", str(DEFAULT_MODEL), "--pairs", "1"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| a")]
    assert len(rows) == len(CHANGES)
    assert rows[-1].startswith("| another colour") and rows[-1].endswith("| 1.00 | 1.00 |")
