"""LoRAs added to installed models: checked against the model's transformer, kept, listed, found.

A LoRA is a safetensors file of low-rank weights for some of a transformer's layers. Adding one
reads only its header and the model's transformer headers (no weights are loaded): every layer
it changes must be one of the transformer's, with the same input and output sizes, so a LoRA
for another family (or another size of the same family) is refused in one sentence before any
job uses it. It is copied to ``<data dir>/loras/<model id>/<name>.safetensors``, outside the
model's folder, so the model's revision (``engine.output.record.model_revision``) stays as it
was. Only LoRAs in diffusers' (PEFT's) layer naming are accepted: ``transformer.<layer>.lora_A``
/ ``lora_B``, as ``save_lora_weights`` writes them; files in other trainers' naming are refused.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.models.installed import ModelError, find_model
from engine.paths import loras_dir
from engine.protocol.files import atomic_output

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_LORA_KEY = re.compile(r"(?P<layer>.+)\.(?P<part>lora_A|lora_B)(?:\.[^.]+)?\.weight")
_MAX_HEADER = 100 << 20  # safetensors' own limit on a header


class LoraError(ModelError):
    """A LoRA that cannot be added, found or removed; one sentence and a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message} {hint}".strip())
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class LoraInfo:
    """A LoRA added to a model: its name, file, size in bytes and the layers it changes."""

    model_id: str
    name: str
    path: Path
    size: int
    layers: int


def read_header(path: Path) -> dict[str, Any]:
    """The tensors a safetensors file holds, name -> ``{"dtype", "shape", ...}``, from its header.

    Raises
    ------
    ValueError
        If the file is not a readable safetensors file.
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        start = handle.read(8)
        if len(start) != 8:
            raise ValueError("it is shorter than a safetensors header")
        (length,) = struct.unpack("<Q", start)
        if not 2 <= length <= min(_MAX_HEADER, size - 8):
            raise ValueError("its header length is impossible")
        header = json.loads(handle.read(length).decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("its header is not a JSON object")
    tensors = {name: entry for name, entry in header.items() if name != "__metadata__"}
    if not all(isinstance(e, dict) and isinstance(e.get("shape"), list) for e in tensors.values()):
        raise ValueError("its header does not describe tensors")
    return tensors


def _transformer_shapes(model_folder: Path) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for weights in sorted((model_folder / "transformer").glob("*.safetensors")):
        shapes.update({name: entry["shape"] for name, entry in read_header(weights).items()})
    return shapes


def check_lora(path: Path, model_id: str) -> int:
    """Check that ``path`` is a LoRA for ``model_id``'s transformer; the number of its layers.

    Raises
    ------
    LoraError
        If the file is missing, not readable safetensors, holds no LoRA layers, or changes
        layers the model's transformer does not have (or has with other sizes).
    """
    info = find_model(model_id)
    if not path.is_file():
        raise LoraError(f"There is no file at {path}.", "Check the path.")
    try:
        tensors = read_header(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise LoraError(f"The file {path.name} is not a readable safetensors file ({exc}).",
                        "Add the LoRA's .safetensors file, downloaded again if it is damaged."
                        ) from None
    found: dict[str, dict[str, list[int]]] = {}
    for name, entry in tensors.items():
        match = _LORA_KEY.fullmatch(name)
        if match:
            layer = match["layer"].removeprefix("transformer.")
            found.setdefault(layer, {})[match["part"]] = entry["shape"]
    if not found:
        raise LoraError(f"The file {path.name} holds no LoRA layers (lora_A and lora_B "
                        "weights in diffusers' naming).",
                        "Add a LoRA saved by diffusers or PEFT for this model.")
    shapes = _transformer_shapes(info.path)
    for layer, parts in sorted(found.items()):
        base = shapes.get(f"{layer}.weight")
        down, up = parts.get("lora_A"), parts.get("lora_B")
        if base is None or down is None or up is None or len(base) != 2 \
                or (up[0], down[-1]) != (base[0], base[1]):
            raise LoraError(f"The LoRA {path.name} is not for {model_id}: its layer {layer} is "
                            f"not a layer of that model's transformer of the same size.",
                            f"Add it to the model it was trained for, or pick a LoRA made for "
                            f"{model_id} ({info.family}).")
    return len(found)


def lora_folder(model_id: str) -> Path:
    """Where the LoRAs added to ``model_id`` are kept."""
    return loras_dir(model_id)


def add_lora(model_id: str, source: Path | str, name: str | None = None) -> LoraInfo:
    """Check a LoRA file against ``model_id`` (:func:`check_lora`) and keep a copy of it.

    Raises
    ------
    LoraError
        If the file is refused, the name is not a plain one, or the model has a LoRA of that
        name already.
    """
    path = Path(source).expanduser().resolve()
    name = name or path.stem
    if not _NAME.fullmatch(name):
        raise LoraError(f"The name {name!r} is not a plain name.",
                        "Use letters, digits, dots, dashes and underscores (--name NAME).")
    layers = check_lora(path, model_id)
    target = lora_folder(model_id) / f"{name}.safetensors"
    if target.exists():
        raise LoraError(f"{model_id} has a LoRA called {name} already.",
                        "Choose another name with --name, or remove that one first.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target) as temp:
        shutil.copyfile(path, temp)
    return LoraInfo(model_id, name, target, target.stat().st_size, layers)


def list_loras(model_id: str) -> list[LoraInfo]:
    """The LoRAs added to ``model_id``, by name (each re-read from its header)."""
    found = []
    for path in sorted(lora_folder(model_id).glob("*.safetensors")):
        try:
            layers = len({m["layer"] for n in read_header(path) if (m := _LORA_KEY.fullmatch(n))})
        except (OSError, ValueError, UnicodeDecodeError):
            layers = 0
        found.append(LoraInfo(model_id, path.stem, path, path.stat().st_size, layers))
    return found


def lora_path(model_id: str, name: str) -> Path:
    """The file of LoRA ``name`` added to ``model_id``.

    Raises
    ------
    LoraError
        If the model has no LoRA of that name.
    """
    path = lora_folder(model_id) / f"{name}.safetensors"
    if not _NAME.fullmatch(name) or not path.is_file():
        raise LoraError(f"{model_id} has no LoRA called {name!r}.",
                        f"Add it with `frameloom-engine models add-lora {model_id} FILE`, or "
                        "see the ones there are with `frameloom-engine models loras "
                        f"{model_id}`.")
    return path


def remove_lora(model_id: str, name: str) -> None:
    """Delete LoRA ``name`` of ``model_id``; raises LoraError if there is none."""
    lora_path(model_id, name).unlink()
