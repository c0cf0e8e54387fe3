"""``frameloom install-desktop``: register the launcher entry and icon in the user's XDG folders.

The files come from ``packaging/linux`` (beside ``studio/`` in a checkout and in the bundle);
the entry's ``Exec=`` is rewritten to the absolute command that started this process, so the
launcher works without ``frameloom`` on the desktop session's PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from engine.protocol import atomic_write
from studio.errors import StudioError

__all__ = ["APP_ID", "PACKAGING", "DesktopError", "exec_line", "install", "installed_paths",
           "uninstall", "xdg_data_home"]

APP_ID = "io.frameloom.Frameloom"
PACKAGING = Path(__file__).resolve().parents[1] / "packaging" / "linux"
_RESERVED = re.compile(r'[\s"\'\\><~|&;$*?#()`]')


class DesktopError(StudioError):
    """The launcher could not be installed or removed; ``str()`` says why and what to do."""


def xdg_data_home(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` where it is unset, empty or relative (as the
    XDG Base Directory specification says)."""
    value = environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def installed_paths(data_home: Path) -> tuple[Path, Path]:
    """Where the entry and the icon go under ``data_home``."""
    return (data_home / "applications" / f"{APP_ID}.desktop",
            data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg")


def _command() -> list[str]:
    """The command that runs this studio: the bundle's executable, the ``frameloom`` script
    of this Python's environment, one on the PATH, or ``python -m studio.app``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.executable).with_name("frameloom")
    found = str(script) if script.is_file() else shutil.which("frameloom")
    return [os.path.abspath(found)] if found else [sys.executable, "-m", "studio.app"]


def _quoted(arg: str) -> str:
    """One argument of an ``Exec=`` value, quoted and escaped as the Desktop Entry spec says."""
    if _RESERVED.search(arg):
        arg = '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'
    # Then the escapes of every string value (a backslash doubles), and %% for a literal %.
    return arg.replace("\\", "\\\\").replace("%", "%%")


def exec_line(command: list[str]) -> str:
    """The ``Exec=`` line that runs ``command`` on the files the launcher is given."""
    return "Exec=" + " ".join(_quoted(arg) for arg in command) + " %f"


def install(data_home: Path, command: list[str] | None = None) -> tuple[Path, Path]:
    """Write the launcher entry (its ``Exec=`` running ``command``, this studio by default)
    and the icon under ``data_home``; returns their paths.

    Raises
    ------
    DesktopError
        If the packaging files are missing or a file cannot be written.
    """
    entry_source, icon_source = PACKAGING / f"{APP_ID}.desktop", PACKAGING / f"{APP_ID}.svg"
    entry, icon = installed_paths(data_home)
    try:
        text = entry_source.read_text(encoding="utf-8")
        icon_data = icon_source.read_bytes()
    except OSError:
        raise DesktopError(f"The launcher files are missing from {PACKAGING}; install "
                           "Frameloom from its source tree or a bundle that has them.") from None
    line = exec_line(command or _command())
    text = re.sub(r"^Exec=.*$", lambda _m: line, text, flags=re.MULTILINE)
    try:
        for path, data in ((entry, text.encode()), (icon, icon_data)):
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data, path.name, mode=0o644)
    except OSError as exc:
        raise DesktopError(f"Could not write {exc.filename or data_home}: "
                           f"{exc.strerror or type(exc).__name__}.") from None
    return entry, icon


def uninstall(data_home: Path) -> list[Path]:
    """Remove the launcher entry and icon from ``data_home``; returns those that were there.

    Raises
    ------
    DesktopError
        If one is there and cannot be removed.
    """
    removed = []
    for path in installed_paths(data_home):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopError(f"Could not remove {path}: "
                               f"{exc.strerror or type(exc).__name__}.") from None
        removed.append(path)
    return removed
