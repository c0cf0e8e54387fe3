"""The studio's settings file: ``settings.toml`` in its data folder, read fresh on each use."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.paths import data_dir

FILE_NAME = "settings.toml"


class SettingsError(StudioError):
    """A settings file that cannot be read; the message names the file and the problem."""


def settings_path() -> Path:
    """Where the settings file is (it need not exist)."""
    return data_dir() / FILE_NAME


def section(name: str) -> dict[str, Any]:
    """One table of the settings file, such as ``[signing]``; empty when absent.

    Raises
    ------
    SettingsError
        If the file exists but is not valid TOML, or the section is not a table.
    """
    path = settings_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"The settings file {path} cannot be read ({exc}); fix or remove "
                            "it.") from None
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SettingsError(f"[{name}] in {path} must be a table of settings.")
    return value


def path_setting(section_name: str, key: str) -> Path | None:
    """A file path from the settings (``~`` expanded), or None when it is not set."""
    value = section(section_name).get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{key} in [{section_name}] of {settings_path()} must be a path.")
    return Path(value).expanduser()
