"""The chain of project-file upgrades, one function per file-format version step."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import ProjectFileError

#: The file format this Frameloom writes (the top-level ``schema_version``).
SCHEMA_VERSION = 1

#: ``UPGRADES[v]`` turns the dict of a format-``v`` file into a format ``v + 1`` one. It may
#: change its argument in place and must return the result; :func:`upgrade` sets the new
#: ``schema_version`` itself. Empty while format 1 is the only one.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed project file up to :data:`SCHEMA_VERSION`.

    A file newer than this Frameloom is returned unchanged: it cannot be upgraded, and the
    caller opens it read-only.

    Parameters
    ----------
    data
        The whole parsed file, with its ``schema_version``.

    Returns
    -------
    dict
        The file as this version writes it.

    Raises
    ------
    ProjectFileError
        If ``schema_version`` is missing, not a whole number or below 1, if a step of the chain
        is missing, or if a step finds the file malformed.
    """
    version = data.get("schema_version")
    if type(version) is not int:
        shown = json.dumps(version) if isinstance(version, (str, int, float, type(None))) \
            else type(version).__name__
        raise ProjectFileError(f"Its schema_version {shown[:40]} is not a file format number.")
    if version < 1:
        raise ProjectFileError(f"File format {version} is not one Frameloom knows "
                               f"(formats start at 1).")
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise ProjectFileError(f"This Frameloom cannot upgrade file format {version} "
                                   f"to format {version + 1}.")
        try:
            data = step(data)
            data["schema_version"] = version + 1
        # Upgrade steps read what older versions wrote; a damaged file shows up as one of these.
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ProjectFileError(f"It could not be upgraded from file format {version} "
                                   f"({type(exc).__name__}: {exc}).") from None
        version += 1
    return data
