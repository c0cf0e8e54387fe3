"""The command line's progress lines: tqdm on stderr for denoising steps and downloads."""

from __future__ import annotations

import sys
from typing import Never

from tqdm import tqdm


class StepBar:
    """Steps of a job (each window of an operation in turn) on one tqdm line on stderr.

    ``update`` takes absolute counts as the engine reports them; a new window (another label or
    total) starts a new line. tqdm redraws at most ten times a second.
    """

    def __init__(self) -> None:
        self._bar: tqdm[Never] | None = None
        self._label = ""

    def update(self, step: int, total: int, eta_s: float | None = None, label: str = "") -> None:
        """Show ``step`` of ``total``, with the engine's own estimate of the time left."""
        bar = self._bar
        if bar is None or bar.total != total or label != self._label:
            self.close()
            self._label = label
            bar = self._bar = tqdm(total=total, desc=label or "generating", unit="step",
                                   file=sys.stderr,
                                   bar_format="{desc} {bar:30} step {n}/{total}{postfix}")
        if eta_s is not None:
            bar.set_postfix_str(f"about {eta_s:.0f} s left", refresh=False)
        bar.update(step - bar.n)

    def close(self) -> None:
        """End the line (an error printed next starts on its own)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class ByteBar:
    """A download's bytes on one tqdm line on stderr, called as ``(done, total)``."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: tqdm[Never] | None = None  # drawn from the first bytes on, not before

    def __call__(self, done: int, total: int) -> None:
        bar = self._bar
        if bar is None:
            bar = self._bar = tqdm(desc=self._label, unit="B", unit_scale=True,
                                   unit_divisor=1024, file=sys.stderr)
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        """End the line, if one was drawn."""
        if self._bar is not None:
            self._bar.close()
