"""Where the engine listens and how a client finds it: socket, token, port, runtime folder."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HOME_ENV = "FRAMELOOM_HOME"


def frameloom_home() -> Path | None:
    """``$FRAMELOOM_HOME`` with ``~`` expanded, or None when it is unset or empty.

    The one reading of the variable: the engine's and the studio's folders all derive from it.
    """
    home = os.environ.get(HOME_ENV)
    return Path(home).expanduser() if home else None


SOCKET_NAME = "engine.sock"
TOKEN_NAME = "engine.token"  # mode 0600; holds the token a Hello must present
PORT_NAME = "engine.port"  # the loopback TCP port, where the engine listens on TCP
TRANSPORT_ENV = "FRAMELOOM_ENGINE_TRANSPORT"
LOOPBACK = "127.0.0.1"


def use_tcp() -> bool:
    """Whether the engine listens on loopback TCP (Windows, or ``FRAMELOOM_ENGINE_TRANSPORT=tcp``)
    instead of a Unix socket; the token guards both."""
    return sys.platform == "win32" or os.environ.get(TRANSPORT_ENV) == "tcp"


def endpoint_file(runtime: Path) -> Path:
    """The file whose presence says an engine listens: its socket, or the file naming its port."""
    return runtime / (PORT_NAME if use_tcp() else SOCKET_NAME)


def read_port(runtime: Path) -> int:
    """The TCP port an engine wrote beside its token.

    Raises
    ------
    OSError
        If the file cannot be read.
    ValueError
        If it does not hold a port number.
    """
    port = int((runtime / PORT_NAME).read_text(encoding="ascii").strip())
    if not 0 < port < 65536:
        raise ValueError(f"{port} is not a TCP port")
    return port


def default_runtime_dir() -> Path:
    """The folder of the engine's socket and token, as both sides compute it (not created here).

    ``$FRAMELOOM_HOME/runtime`` when ``FRAMELOOM_HOME`` is set; otherwise
    ``$XDG_RUNTIME_DIR/frameloom`` where that variable is set; otherwise a per-user folder in the
    temp dir. The engine creates it private (mode 0700) and refuses one owned by another user.
    """
    home = frameloom_home()
    if home is not None:
        return home / "runtime"
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and sys.platform != "win32":
        return Path(xdg) / "frameloom"
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"frameloom-runtime-{user}"


