"""Where the studio keeps its data, cache and state; ``FRAMELOOM_HOME`` moves them all."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from engine.protocol import frameloom_home

APP = "frameloom"


def _base(kind: str) -> Path:
    home = frameloom_home()  # the engine's own reading of FRAMELOOM_HOME, ~ expanded
    if home is not None:
        path = home / kind
    else:
        path = Path({"data": platformdirs.user_data_dir, "cache": platformdirs.user_cache_dir,
                     "state": platformdirs.user_state_dir}[kind](APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Long-lived user data (recent projects, settings)."""
    return _base("data")


def cache_dir() -> Path:
    """Thumbnails, proxies: anything that can be deleted at any time."""
    return _base("cache")


def state_dir() -> Path:
    """Recovery files of projects that were never saved, logs."""
    return _base("state")
