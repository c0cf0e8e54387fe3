"""Regional compilation for a job that asks for it: ``torch.compile`` on each of a transformer's
repeated blocks (diffusers' ``compile_repeated_blocks``), kept while the pipeline stays loaded
and undone for a job that does not ask for it, so an exact job runs the eager model it records.

The first compiled job pays for compiling (about a minute for a tiny model on two CPU cores;
torch reuses the compiled code for later jobs of the same shapes). Compiled blocks compute the
same attention with fused kernels, so their frames may differ by a level from eager ones; the
take records ``compile`` so ``--from`` makes it again the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.backends import BackendError

_TRANSFORMERS = ("transformer", "transformer_2")


def _blocks(pipe: Any) -> list[Any]:
    """The repeated blocks of the pipeline's transformers (what regional compilation compiles)."""
    found = []
    for name in _TRANSFORMERS:
        model = getattr(pipe, name, None)
        kinds = set(getattr(model, "_repeated_blocks", ()) or ())
        found += [m for m in (model.modules() if model is not None else ())
                  if type(m).__name__ in kinds]
    return found


def _uncompile(pipe: Any) -> None:
    # nn.Module.compile keeps the compiled call in _compiled_call_impl; without it the module
    # calls its eager forward again (torch has no public way back).
    for block in _blocks(pipe):
        block._compiled_call_impl = None


@contextmanager
def compiled_blocks(pipe: Any, compile_blocks: bool) -> Iterator[None]:
    """While the block runs, the transformers' repeated blocks are compiled if asked for and
    eager otherwise.

    Raises
    ------
    BackendError
        If the transformer has no repeated blocks to compile, or torch cannot compile them here
        (no C++ compiler, say); the blocks are eager again afterwards.
    """
    if not compile_blocks:
        _uncompile(pipe)
        yield
        return
    if not _blocks(pipe):
        raise BackendError("unsupported_compile", "This model's transformer names no repeated "
                           "blocks, so it cannot be compiled by region.", "Turn compile off.")
    for name in _TRANSFORMERS:
        model = getattr(pipe, name, None)
        if model is not None and getattr(model, "_repeated_blocks", None):
            model.compile_repeated_blocks(fullgraph=True)
    import torch

    try:
        yield
    except torch._dynamo.exc.TorchDynamoException as exc:  # raised at the first call
        _uncompile(pipe)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BackendError("unsupported_compile", f"torch could not compile the model's blocks "
                           f"here ({first}).", "Turn compile off, or install a C++ compiler "
                           "for torch's inductor.") from None
