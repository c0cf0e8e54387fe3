"""Test-only fault injection for the worker: hung steps, crashes and out-of-memory errors.

Off unless the engine runs with ``FRAMELOOM_ENGINE_FAULTS=1``; then a prompt containing
``[fault NAME=N]`` triggers the fault in that job only, so one test can mix failing and
healthy jobs on the same engine. Users' prompts never trigger anything: the variable is unset.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

ENV = "FRAMELOOM_ENGINE_FAULTS"
KINDS = ("hang_at_step", "crash_at_step", "oom_attempts", "sleep_per_step_ms")
_TOKEN = re.compile(r"\[fault ([a-z_]+)=(\d+)\]")


@dataclass(frozen=True)
class Faults:
    """Whether fault tokens in prompts are honoured."""

    enabled: bool = False

    @classmethod
    def from_env(cls) -> Faults:
        """Read ``FRAMELOOM_ENGINE_FAULTS`` (``1`` turns injection on)."""
        return cls(enabled=os.environ.get(ENV) == "1")

    def for_prompt(self, prompt: str) -> dict[str, int]:
        """The faults a prompt asks for (none when injection is off).

        Raises
        ------
        ValueError
            For an unknown fault name, so a typo in a test fails loudly.
        """
        if not self.enabled:
            return {}
        faults = {name: int(value) for name, value in _TOKEN.findall(prompt)}
        unknown = set(faults) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault {sorted(unknown)[0]!r}; known: {', '.join(KINDS)}")
        return faults

    @staticmethod
    def inject(faults: dict[str, int], step: int, attempt: int) -> None:
        """Act out the faults at the end of denoising step ``step`` of attempt ``attempt``."""
        if not faults:
            return
        if "sleep_per_step_ms" in faults:
            time.sleep(faults["sleep_per_step_ms"] / 1000)
        if faults.get("hang_at_step") == step:
            while True:  # like a hung GPU kernel: deaf to the cancel flag
                time.sleep(3600)
        if faults.get("crash_at_step") == step:
            os._exit(70)
        if step == 1 and attempt <= faults.get("oom_attempts", 0):
            import torch

            raise torch.OutOfMemoryError("CUDA out of memory (injected by a test)")
