"""Where the engine keeps its job store, caches, socket and models; ``FRAMELOOM_HOME`` moves all."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs

from engine.protocol.settings import SETTINGS_FILE
from engine.protocol.transport import HOME_ENV, default_runtime_dir, frameloom_home

__all__ = ["APP", "HOME_ENV", "cache_dir", "data_dir", "log_path", "models_dir", "runtime_dir",
           "settings_path"]

APP = "frameloom"
_PRIVATE = 0o700
_home = frameloom_home


def _make(path: Path, *, private: bool) -> Path:
    """Create ``path`` and its parents; an existing private folder is tightened too."""
    path.mkdir(parents=True, exist_ok=True, mode=_PRIVATE if private else 0o777)
    if private and sys.platform != "win32":
        info = path.stat()
        if info.st_uid != os.getuid():
            # Someone else created the folder first: trusting it would let them read the
            # token or plant a socket, so refuse instead of falling back silently.
            raise PermissionError(f"The folder {path} belongs to another user, so the engine "
                                  "cannot keep private files there.")
        if stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(_PRIVATE)
    return path


def _folder(name: str, platform_dir: Callable[..., str], *, private: bool,
            below: str = "") -> Path:
    """``$FRAMELOOM_HOME/<name>``, else ``platform_dir``'s Frameloom folder (/``below``), made."""
    home = _home()
    path = home / name if home else Path(platform_dir(APP, appauthor=False)) / below
    return _make(path, private=private)


def data_dir() -> Path:
    """Long-lived engine data: the job store (private, mode 0700).

    Returns
    -------
    Path
        ``$FRAMELOOM_HOME/data`` or the platform's user data folder for Frameloom.
    """
    # The job store holds the users' prompts; nobody else on the machine needs to read them.
    return _folder("data", platformdirs.user_data_dir, private=True)


def cache_dir() -> Path:
    """Previews and other files that can be deleted at any time.

    Returns
    -------
    Path
        ``$FRAMELOOM_HOME/cache`` or the platform's user cache folder for Frameloom.
    """
    # The same folder as the studio's cache (studio.paths), so FRAMELOOM_HOME and the default
    # agree; callers keep their files in sub-folders of their own.
    return _folder("cache", platformdirs.user_cache_dir, private=False)


def runtime_dir() -> Path:
    """The socket and token folder: private (mode 0700) and owned by the current user.

    Where it is comes from :func:`engine.protocol.default_runtime_dir`, which clients use too,
    so the engine and the studio always agree on where the socket is.

    Returns
    -------
    Path
        The folder, created if needed.

    Raises
    ------
    PermissionError
        If the folder exists but belongs to another user.
    """
    return _make(default_runtime_dir(), private=True)


def models_dir() -> Path:
    """Downloaded and imported model checkpoints.

    Returns
    -------
    Path
        ``$FRAMELOOM_HOME/models`` or ``models`` in the platform's user data folder.
    """
    return _folder("models", platformdirs.user_data_dir, private=False, below="models")


def loras_dir(model_id: str) -> Path:
    """Where the LoRAs added to model ``model_id`` are kept (``engine.models.loras``); not
    made here.

    Returns
    -------
    Path
        ``loras/<model_id>`` in :func:`data_dir`.
    """
    return data_dir() / "loras" / model_id


def log_path() -> Path:
    """Where the running engine's log is (``engine.log`` in the engine's data folder)."""
    return data_dir() / "engine.log"


def settings_path() -> Path:
    """The settings file the engine shares with the studio (``settings.toml`` in the data
    folder; it need not exist)."""
    return data_dir() / SETTINGS_FILE
