"""A fake engine bridge: the window's generation flow without an engine process.

:class:`FakeBridge` is the real :class:`EngineBridge` (signals, job board) with its requests
answered in process: ``submit`` records the request and queues the job on the board, ``cancel``
cancels it, and :meth:`FakeBridge.emit` feeds the board any other engine event, as the engine's
event stream would.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

from engine.protocol import Cancelled, GenerationRequest, OperationSpec, Queued
from studio.ui.generation.engine_bridge import EngineBridge


class FakeBridge(EngineBridge):
    """An EngineBridge whose engine is this object."""

    def __init__(self) -> None:
        super().__init__(SimpleNamespace())  # type: ignore[arg-type] - no process is started
        self.sent: list[tuple[str, GenerationRequest, OperationSpec | None]] = []
        self.loras_sent: list[tuple[str, str]] = []  # (model id, LoRA file) of add_lora
        self._seq = itertools.count(1)

    def emit(self, kind: type[Any], **fields: Any) -> None:
        """Feed the board one engine event (its ``seq`` is filled in)."""
        self.board.apply(kind(seq=next(self._seq), **fields))

    def submit(self, job_id: str, request: GenerationRequest, *,  # type: ignore[override]
               requeue_if_interrupted: bool = True,
               operation: OperationSpec | None = None) -> None:
        self.sent.append((job_id, request, operation))
        self.emit(Queued, job_id=job_id, position=len(self.sent))

    def add_lora(self, model_id: str, path: str) -> None:  # type: ignore[override]
        self.loras_sent.append((model_id, path))

    def cancel(self, job_id: str) -> None:  # type: ignore[override]
        self.emit(Cancelled, job_id=job_id)
