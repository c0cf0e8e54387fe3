"""Document <-> JSON-ready dicts, driven by the dataclasses' type hints.

Every object is written with a ``"schema": "Name.1"`` tag, as OpenTimelineIO does. Reading is
strict: wrong types, missing or unknown keys and unknown schemas raise
:class:`ProjectFileError` with the path of the offending value. ``lenient=True`` ignores unknown
keys, for files written by a newer Frameloom that are opened read-only. Fields added since
format 1 (``model.OMIT_DEFAULT``) are left out while they hold their default, so a file
without them means what it meant before they existed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, TypeVar, Union, cast

from . import model
from .errors import DocumentError, ProjectFileError
from .timebase import FrameRange, format_rate, parse_rate

OBJECT_VERSION = 1

#: Every class that can appear in a file, by schema name.
SCHEMAS: dict[str, type] = {cls.__name__: cls for cls in (
    model.Project, model.Timeline, model.Track, model.Clip, model.Still, model.Generated,
    model.Gap, model.AudioItem, model.Transition, model.MediaRef, model.Fingerprint, model.Pin,
    model.GeneratedSpec, model.Generation, model.Take, model.RetakeSource, model.LoraUse,
    model.Marker, FrameRange)}

_HINTS: dict[type, dict[str, Any]] = {}


def _fields(cls: type) -> list[tuple[str, Any, bool]]:
    """``(name, type, required)`` of the fields that belong in a file."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, vars(model) | {"FrameRange": FrameRange})
    return [(f.name, hints[f.name], f.default is dataclasses.MISSING
             and f.default_factory is dataclasses.MISSING)
            for f in dataclasses.fields(cls) if f.compare]


def _left_out(cls: type, name: str, value: Any) -> bool:
    """Whether a field added after format 1 (``model.OMIT_DEFAULT``) holds its default, so a
    file leaves it out and reads as it did before the field existed."""
    found = next(f for f in dataclasses.fields(cls) if f.name == name)
    if not found.metadata.get("omit_default"):
        return False
    if found.default_factory is not dataclasses.MISSING:
        return bool(value == found.default_factory())
    return bool(value == found.default)


# ------------------------------------------------------------------------------------ writing
def encode(value: Any) -> Any:
    """A JSON-ready copy of a document object (or any value inside one)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"schema": f"{type(value).__name__}.{OBJECT_VERSION}"}
        for name, hint, _req in _fields(type(value)):
            field_value = getattr(value, name)
            if _left_out(type(value), name, field_value):
                continue
            if typing.get_args(hint)[1:] == (model.MediaRef,):  # the media pool: a list in files
                out[name] = [encode(v) for v in field_value.values()]
            else:
                out[name] = encode(field_value)
        return out
    if isinstance(value, Fraction):
        return format_rate(value)
    if isinstance(value, Mapping):
        return json.loads(json.dumps(dict(value), allow_nan=False))  # metadata: plain JSON
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def spec_hash(spec: model.GeneratedSpec) -> str:
    """Content hash of a spec: equal settings give equal hashes, whatever the pins' ids."""
    data = encode(spec)

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("id", "schema")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    text = json.dumps(strip(data), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------------ reading
class _Reader:
    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient

    def fail(self, path: str, message: str) -> typing.NoReturn:
        raise ProjectFileError(f"{path or 'project'}: {message}")

    def read(self, data: Any, hint: Any, path: str) -> Any:
        origin = typing.get_origin(hint)
        if hint is Any:
            return data
        if hint is bool:
            if type(data) is not bool:
                self.fail(path, f"expected true or false, got {_show(data)}")
            return data
        if hint is int:
            if type(data) is not int:
                self.fail(path, f"expected a whole number, got {_show(data)}")
            return data
        if hint is float:
            if type(data) not in (int, float):
                self.fail(path, f"expected a number, got {_show(data)}")
            try:
                return float(data)
            except OverflowError:  # a whole number too large for a float
                self.fail(path, "the number is too large")
        if hint is str:
            if not isinstance(data, str):
                self.fail(path, f"expected text, got {_show(data)}")
            return data
        if hint is Fraction:
            try:
                return parse_rate(data)
            except DocumentError as exc:
                self.fail(path, str(exc))
        if origin is typing.Literal:
            if data not in typing.get_args(hint) or not isinstance(data, str):
                allowed = ", ".join(typing.get_args(hint))
                self.fail(path, f"expected one of {allowed}, got {_show(data)}")
            return data
        if origin in (Union, types.UnionType):
            args = typing.get_args(hint)
            if data is None and type(None) in args:
                return None
            classes = [a for a in args if a is not type(None)]
            if len(classes) == 1:
                return self.read(data, classes[0], path)
            return self.read_object(data, classes, path)
        if origin in (tuple, list):
            if not isinstance(data, list):
                self.fail(path, f"expected a list, got {_show(data)}")
            inner = typing.get_args(hint)[0]
            items = [self.read(v, inner, f"{path}[{i}]") for i, v in enumerate(data)]
            return tuple(items) if origin is tuple else items
        if origin in (dict, Mapping, typing.Mapping) or hint in (dict, Mapping):
            args = typing.get_args(hint)
            if args and args[1] is model.MediaRef:
                return self.read_media(data, path)
            if not isinstance(data, dict):
                self.fail(path, f"expected an object, got {_show(data)}")
            return data
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.read_object(data, [hint], path)
        self.fail(path, f"cannot read a value of type {hint}")  # a bug, not bad input

    def read_media(self, data: Any, path: str) -> dict[str, model.MediaRef]:
        if not isinstance(data, list):
            self.fail(path, f"expected a list of media, got {_show(data)}")
        media: dict[str, model.MediaRef] = {}
        for i, entry in enumerate(data):
            ref = self.read_object(entry, [model.MediaRef], f"{path}[{i}]")
            if ref.id in media:
                self.fail(f"{path}[{i}]", f"media id {ref.id!r} is used twice")
            media[ref.id] = ref
        return media

    def read_object(self, data: Any, classes: list[type], path: str) -> Any:
        if not isinstance(data, dict):
            self.fail(path, f"expected an object, got {_show(data)}")
        tag = data.get("schema")
        if not isinstance(tag, str) or "." not in tag:
            self.fail(path, f"has no schema tag like \"{classes[0].__name__}.1\"")
        name, _, version = tag.rpartition(".")
        cls = SCHEMAS.get(name)
        if cls is None or cls not in classes:
            expected = " or ".join(c.__name__ for c in classes)
            self.fail(path, f"expected {expected}, found schema {_show(tag)}")
        if version != str(OBJECT_VERSION) and not self.lenient:
            self.fail(path, f"{name} version {_show(version)} is not one this Frameloom reads")
        fields = _fields(cls)
        known = {"schema"} | {f[0] for f in fields}
        unknown = sorted(set(data) - known)
        if unknown and not self.lenient:
            self.fail(path, f"unknown field {unknown[0]!r} in {name}")
        kwargs: dict[str, Any] = {}
        for fname, hint, required in fields:
            if fname not in data:
                if required:
                    self.fail(path, f"{name} is missing its {fname!r} field")
                continue
            kwargs[fname] = self.read(data[fname], hint, f"{path}.{fname}" if path else fname)
        try:
            return cls(**kwargs)
        except DocumentError as exc:
            self.fail(path, str(exc))


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else \
        type(value).__name__.replace("dict", "an object").replace("list", "a list")
    return text if len(text) <= 40 else text[:37] + "..."


_T = TypeVar("_T")


def decode(data: Any, cls: type[_T], *, lenient: bool = False) -> _T:
    """Build a ``cls`` (e.g. :class:`model.Project`) from :func:`encode`'s output.

    Raises
    ------
    ProjectFileError
        Naming the path and the problem, for any malformed input.
    """
    # read_object builds whichever of its classes fits; given only ``cls``, that is a ``cls``.
    return cast(_T, _Reader(lenient).read_object(data, [cls], ""))
