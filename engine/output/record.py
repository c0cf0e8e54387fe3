"""What a take records so it can be made again: versions, the model's revision, the pins' files."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from engine.paths import loras_dir
from engine.protocol.requests import GenerationRequest, RequestError

_EDGE = 1 << 20  # bytes hashed at each end of a file, as the studio's media fingerprints do


def frameloom_version() -> str:
    """The installed Frameloom's version (``0.0.0`` from a source tree that is not installed)."""
    try:
        return metadata.version("frameloom")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def fingerprint(path: str | Path) -> str:
    """``sha256:<hex>`` of a file's size and its first and last MiB: cheap, and enough to tell
    whether a pinned file is still the one a take was made from."""
    file = Path(path)
    size = file.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with open(file, "rb") as handle:
        digest.update(handle.read(_EDGE))
        if size > _EDGE:
            handle.seek(max(_EDGE, size - _EDGE))
            digest.update(handle.read(_EDGE))
    return f"sha256:{digest.hexdigest()}"


def model_revision(folder: Path) -> str:
    """The model's revision: the Hub commit it was pulled at, or a fingerprint of its files.

    A folder ``frameloom-engine models pull`` filled carries huggingface_hub's download
    metadata, whose first line is the commit; any other folder is identified by the
    fingerprints of its configs and weights (``local:sha256:...``).
    """
    return _model_revision(folder.resolve())


@lru_cache(maxsize=16)
def _model_revision(folder: Path) -> str:
    marker = folder / ".cache" / "huggingface" / "download" / "model_index.json.metadata"
    try:
        commit = marker.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError):
        commit = ""
    if commit:
        return f"hub:{commit}"
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder)
        if file.is_file() and not relative.parts[0].startswith(".") and (
                file.suffix in (".json", ".safetensors", ".txt", ".model")):
            digest.update(f"{relative.as_posix()}={fingerprint(file)}\n".encode())
    return f"local:sha256:{digest.hexdigest()}"


def provenance(request: GenerationRequest, model_folder: Path) -> dict[str, Any]:
    """Settings a take records beyond its request: versions, model revision, pin fingerprints
    (and its LoRAs' files' fingerprints, when it has LoRAs).

    A pin whose file is gone is recorded with a None fingerprint rather than failing the job.
    """
    recorded = {"frameloom_version": frameloom_version(),
                "model_revision": model_revision(model_folder),
                "pin_fingerprints": _fingerprints(pin.path for pin in request.pins)}
    if request.loras:
        recorded["lora_fingerprints"] = _fingerprints(_lora_file(request, lora.name)
                                                      for lora in request.loras)
    return recorded


def _lora_file(request: GenerationRequest, name: str) -> Path:
    return loras_dir(request.model_id) / f"{name}.safetensors"


def _fingerprints(paths: Iterable[str | Path]) -> list[str | None]:
    found: list[str | None] = []
    for path in paths:
        try:
            found.append(fingerprint(path))
        except OSError:
            found.append(None)
    return found


def request_from_settings(settings: dict[str, Any]) -> GenerationRequest:
    """The request a take's settings describe (the keys a request has; the rest is ignored).

    Raises
    ------
    RequestError
        If the settings do not describe a request (a file Frameloom did not make, say).
    """
    names = {f.name for f in dataclasses.fields(GenerationRequest)}
    fields = {k: v for k, v in settings.items() if k in names}
    if not fields:
        raise RequestError("The file carries no Frameloom generation settings.")
    return GenerationRequest.from_dict(fields)


def changes_since(settings: dict[str, Any], request: GenerationRequest,
                  model_folder: Path) -> list[str]:
    """Why a re-run may not match the take bit for bit: a changed model or pinned file."""
    notes = []
    recorded = settings.get("model_revision")
    if recorded and recorded != model_revision(model_folder):
        notes.append(f"the model {request.model_id} is not the revision the take was made with "
                     f"({recorded})")
    pins = zip(request.pins, _fingerprints(pin.path for pin in request.pins),
               settings.get("pin_fingerprints") or [], strict=False)
    notes += [f"the pinned file {pin.path} has changed or is missing"
              for pin, now, before in pins if before and now != before]
    loras = zip(request.loras, _fingerprints(_lora_file(request, lora.name)
                                             for lora in request.loras),
                settings.get("lora_fingerprints") or [], strict=False)
    notes += [f"the LoRA {lora.name} of {request.model_id} has changed or is missing"
              for lora, now, before in loras if before and now != before]
    return notes


def map_strings(value: Any, swap: Callable[[str], str]) -> Any:
    """``value`` (JSON-shaped) with every string passed through ``swap``: the node's paths in a
    take's settings become the engine's again."""
    if isinstance(value, str):
        return swap(value)
    if isinstance(value, list):
        return [map_strings(item, swap) for item in value]
    if isinstance(value, dict):
        return {key: map_strings(item, swap) for key, item in value.items()}
    return value
