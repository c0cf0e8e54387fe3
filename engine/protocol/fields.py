"""Check JSON values against dataclass type hints, for requests and protocol messages alike."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any


class _FromDict(typing.Protocol):
    """A request or protocol dataclass: it builds itself from a JSON object."""

    def from_dict(self, data: Any, *, where: str = "") -> Any: ...


class FieldError(ValueError):
    """A value that does not fit its field; the message is one sentence starting with the field."""


def _describe(hint: Any) -> str:
    """Name a type hint in words, for error messages a user may read."""
    if hint is type(None):
        return "null"
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return " or ".join(_describe(a) for a in args)
    origin = typing.get_origin(hint)
    if origin is tuple:
        return "a list"
    if origin is dict or hint is dict:
        return "an object"
    words = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    return words.get(hint, "an object" if dataclasses.is_dataclass(hint) else str(hint))


def coerce(value: Any, hint: Any, name: str) -> Any:
    """Check ``value`` against a type hint, converting JSON shapes to the dataclass ones.

    Lists become tuples, objects become nested dataclasses (through their ``from_dict``) and
    integers become floats where a float is expected. Both request and protocol dataclasses use it.

    Parameters
    ----------
    value
        The value to check, from JSON or from Python.
    hint
        A resolved type hint: ``str``, ``int``, ``float``, ``bool``, ``Any``, ``X | None``,
        ``tuple[X, ...]``, ``dict[str, X]`` or a dataclass with ``from_dict``.
    name
        The field's name, which starts the error message.

    Returns
    -------
    Any
        The value, converted.

    Raises
    ------
    FieldError
        If the value does not fit the hint.
    """
    if hint is Any:
        return value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, types.UnionType) or origin is typing.Union:
        for arm in args:
            try:
                return coerce(value, arm, name)
            except FieldError:
                continue
        raise FieldError(f"{name} must be {_describe(hint)}, got {type(value).__name__}.")
    ok = True
    if hint is type(None):
        ok = value is None
    elif hint is bool or hint is str:
        ok = type(value) is hint
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            try:
                value = float(value)
            except OverflowError:  # a huge JSON integer has no float
                ok = False
            if ok and not math.isfinite(value):
                raise FieldError(f"{name} must be a finite number, got {value}.")
    elif origin is tuple:
        if not isinstance(value, (list, tuple)):
            ok = False
        else:
            return tuple(coerce(item, args[0], f"{name}[{i}]") for i, item in enumerate(value))
    elif origin is dict or hint is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            ok = False
        else:
            inner = args[1] if args else Any
            return {k: coerce(v, inner, f"{name}.{k}") for k, v in value.items()}
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if isinstance(value, dict):
            # Every dataclass a request or message nests has from_dict (see the docstring).
            return typing.cast(_FromDict, hint).from_dict(value, where=f"{name}.")
        ok = isinstance(value, hint)
    else:  # a hint this checker was never taught: a programming error, not bad input
        raise TypeError(f"coerce() does not know the type hint {hint!r}")
    if not ok:
        raise FieldError(f"{name} must be {_describe(hint)}, got {type(value).__name__}.")
    return value


def build(cls: type[Any], data: Any, where: str = "") -> Any:
    """Build dataclass ``cls`` from a JSON object, refusing unknown and missing keys.

    Parameters
    ----------
    cls
        A dataclass whose ``__post_init__`` checks its fields.
    data
        The decoded JSON object.
    where
        A prefix for field names in error messages, such as ``"pins[0]."``.

    Raises
    ------
    FieldError
        Naming the first field that is unknown, missing or wrong.
    """
    label = where.rstrip(".") or cls.__name__
    if not isinstance(data, dict):
        raise FieldError(f"{label} must be an object, got {type(data).__name__}.")
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise FieldError(f"{where}{unknown[0]} is not a field of {cls.__name__}.")
    for f in known.values():
        if f.name not in data and f.default is dataclasses.MISSING \
                and f.default_factory is dataclasses.MISSING:
            raise FieldError(f"{where}{f.name} is missing.")
    try:
        return cls(**data)
    except FieldError as exc:
        # __post_init__ names bare fields; the prefix says where in a nested object they are.
        raise type(exc)(f"{where}{exc}") from None


def check_fields(obj: Any) -> None:
    """Coerce every field of a frozen dataclass to its hint, in place."""
    hints = _hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        converted = coerce(value, hints[f.name], f.name)
        if converted is not value:
            object.__setattr__(obj, f.name, converted)  # frozen: the only way to normalise


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of ``cls``, cached because resolving them parses annotations."""
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]
