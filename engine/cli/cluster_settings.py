"""``serve``'s cluster options: its ``--cluster*`` flags over the ``[cluster]`` table of
``settings.toml`` (the file the studio shares, so the engine the studio starts uses it too)."""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from engine.paths import settings_path
from engine.protocol.settings import SettingsFileError, read_section

# key in [cluster] -> (serve flag, what it must be)
KEYS = {"address": ("--cluster", "HOST:PORT of the Ray head (its GCS port, 6379 by default) "
                    "or \"auto\""),
        "tries": ("--cluster-tries", "a whole number of runs, 1 or more"),
        "home": ("--cluster-home", "a folder path (FRAMELOOM_HOME on the cluster's machines)"),
        "torch_threads": ("--torch-threads", "a whole number of threads, 1 or more"),
        "shared": ("--cluster-shared", "a folder path (one every machine of the cluster has at "
                   "the same path)")}
_ADDRESS = re.compile(r"[^\s:]+:\d{1,5}")


class ClusterSettingsError(Exception):
    """A ``[cluster]`` setting that cannot be used; one sentence naming the file and key."""


def cluster_settings() -> dict[str, Any]:
    """The ``[cluster]`` table, each value checked; empty when there is none.

    Raises
    ------
    ClusterSettingsError
        If the file is unreadable, a key is unknown or a value is malformed.
    """
    path = settings_path()
    try:
        table = read_section(path, "cluster")
    except SettingsFileError as exc:
        raise ClusterSettingsError(str(exc)) from None
    for key, value in table.items():
        if key not in KEYS:
            raise ClusterSettingsError(
                f"{key} in [cluster] of {path} is not a setting; the settings are "
                + ", ".join(KEYS) + ".")
        if not _valid(key, value):
            raise ClusterSettingsError(f"{key} = {value!r} in [cluster] of {path} must be "
                                       f"{KEYS[key][1]}; fix it or pass {KEYS[key][0]}.")
    return dict(table)


def _valid(key: str, value: object) -> bool:
    if key in ("tries", "torch_threads"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if not isinstance(value, str) or not value.strip():
        return False
    return key != "address" or value == "auto" or bool(_ADDRESS.fullmatch(value))


def cluster_options(args: argparse.Namespace) -> dict[str, Any] | None:
    """``serve``'s cluster options for :class:`engine.service.cluster.ClusterScheduler`: each
    flag given wins over its ``[cluster]`` setting; None to run on the local worker (neither
    ``--cluster`` nor ``address`` in the settings, or ``--no-cluster``).

    Raises
    ------
    ClusterSettingsError
        If the settings are needed and malformed (they are not read with ``--no-cluster``).
    """
    from engine.service.cluster import MAX_TRIES  # Ray's scheduler, loaded for serve only

    if args.no_cluster:
        return None
    settings = cluster_settings()
    address = args.cluster or settings.get("address")
    if address is None:
        return None
    home = args.cluster_home or settings.get("home")
    env = {"FRAMELOOM_HOME": os.path.expanduser(home)} if home else {}
    if os.environ.get("FRAMELOOM_ENGINE_FAULTS") == "1":  # tests' fault injection reaches actors
        env["FRAMELOOM_ENGINE_FAULTS"] = "1"
    tries = args.cluster_tries if args.cluster_tries is not None else settings.get("tries")
    threads = args.torch_threads if args.torch_threads is not None else settings.get(
        "torch_threads")
    shared = args.cluster_shared or settings.get("shared")
    return {"address": address, "max_tries": max(1, tries or MAX_TRIES),
            "torch_threads": threads, "worker_env": env,
            "shared_folder": os.path.expanduser(shared) if shared else None}
