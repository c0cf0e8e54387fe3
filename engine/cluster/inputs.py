"""A job's input files travel with it: packed as bytes on the engine, unpacked on the node."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.protocol.requests import OPERATION_KEY


def input_paths(request: Mapping[str, Any]) -> list[str]:
    """Every file a stored request reads: its pins' paths and its operation's source clips."""
    paths = [str(pin["path"]) for pin in request.get("pins") or ()]
    paths += [str(clip) for clip in (request.get(OPERATION_KEY) or {}).get("clips") or ()]
    return list(dict.fromkeys(paths))


def pack_inputs(request: Mapping[str, Any], shared: Path | None = None) -> dict[str, bytes]:
    """The bytes of every input file, by its path on the engine's machine; files inside
    ``shared`` (a folder every machine of the cluster has at the same path) are left out, so
    the node reads them where they are.

    Raises
    ------
    OSError
        If a file cannot be read (moved or deleted since it was submitted).
    """
    def travels(path: str) -> bool:
        return shared is None or not Path(path).resolve().is_relative_to(shared.resolve())

    return {path: Path(path).read_bytes() for path in input_paths(request) if travels(path)}


def remap_request(request: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """A copy of a stored request with each input path replaced through ``mapping``."""
    def swap(path: object) -> object:
        return mapping.get(str(path), path)

    copy = dict(request)
    copy["pins"] = [{**pin, "path": swap(pin["path"])} for pin in request.get("pins") or ()]
    operation = request.get(OPERATION_KEY)
    if operation is not None:
        copy[OPERATION_KEY] = {**operation,
                               "clips": [swap(c) for c in operation.get("clips") or ()]}
    return copy


def unpack_inputs(inputs: Mapping[str, bytes], folder: Path) -> dict[str, str]:
    """Write the packed files into ``folder``; returns engine path -> path on this node.

    Each keeps its suffix (the decoders pick a reader by it) under a name from its path's hash.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mapping: dict[str, str] = {}
    for path, data in inputs.items():
        local = folder / (hashlib.sha1(path.encode()).hexdigest()[:16] + Path(path).suffix)
        local.write_bytes(data)
        mapping[path] = str(local)
    return mapping
