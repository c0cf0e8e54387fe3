"""Reading one table of ``settings.toml``, the settings file the studio and the engine share."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

SETTINGS_FILE = "settings.toml"


class SettingsFileError(ValueError):
    """The settings file cannot be used; the message is one sentence naming the file."""


def read_section(path: Path, name: str) -> dict[str, Any]:
    """The table ``[name]`` of the settings file at ``path``; empty when the file or table is
    absent.

    Raises
    ------
    SettingsFileError
        If the file exists but is not valid TOML, or ``name`` is not a table.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsFileError(f"The settings file {path} cannot be read ({exc}); fix or "
                                "remove it.") from None
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SettingsFileError(f"[{name}] in {path} must be a table of settings.")
    return value
