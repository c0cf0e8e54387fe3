"""The studio's settings file: ``settings.toml`` in its data folder, read fresh on each use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.protocol import SETTINGS_FILE, SettingsFileError, read_section
from studio.errors import StudioError
from studio.paths import data_dir

FILE_NAME = SETTINGS_FILE


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
    try:
        return read_section(settings_path(), name)
    except SettingsFileError as exc:
        raise SettingsError(str(exc)) from None


def path_setting(section_name: str, key: str) -> Path | None:
    """A file path from the settings (``~`` expanded), or None when it is not set."""
    value = section(section_name).get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(f"{key} in [{section_name}] of {settings_path()} must be a path.")
    return Path(value).expanduser()
