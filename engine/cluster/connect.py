"""Joining a Ray cluster as its driver, with every expected failure as one sentence."""

from __future__ import annotations

import socket

_CONNECT_TIMEOUT_S = 5.0


class ClusterError(Exception):
    """The engine cannot use the cluster; the message is one sentence with what to do."""


def connect(address: str) -> bool:
    """Join the Ray cluster at ``address`` (``auto``: the one running on this machine).

    Returns True when this call connected (False: this process had already joined one).

    Raises
    ------
    ClusterError
        If Ray is not installed or no cluster answers there.
    """
    try:
        import ray
    except ImportError:
        raise ClusterError("Ray is not installed, so the engine cannot use a cluster; install "
                           "it with: pip install 'frameloom[cluster]'.") from None
    if ray.is_initialized():
        return False
    if address != "auto":
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ClusterError(f"The cluster address {address!r} is not HOST:PORT (the head's "
                               "GCS port, 6379 by default) or auto.")
        if not head_answers(address):  # a quick check first: ray.init retries for a minute
            raise ClusterError(f"No Ray cluster answers at {address}; start one there with "
                               "'ray start --head' or fix the address.")
    try:
        ray.init(address=address, namespace="frameloom", log_to_driver=False,
                 logging_level="warning")
    except ConnectionError as exc:
        if address == "auto":
            raise ClusterError("No Ray cluster runs on this machine (--cluster auto); start one "
                               "with 'ray start --head' or give its HOST:PORT.") from None
        raise ClusterError(f"The engine could not join the Ray cluster at {address}: "
                           f"{sentence(exc)}") from None
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ClusterError(f"The engine could not join the Ray cluster at {address}: "
                           f"{first[:200]}") from None
    return True


def head_answers(address: str, timeout: float = _CONNECT_TIMEOUT_S) -> bool:
    """Whether anything accepts a TCP connection at ``HOST:PORT`` (the head's GCS port)."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout).close()
    except (OSError, ValueError):
        return False
    return True


def sentence(exc: BaseException) -> str:
    """An exception's first line, short enough for one sentence."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200].rstrip(".") + "."
