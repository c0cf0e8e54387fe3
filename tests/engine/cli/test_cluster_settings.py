"""``serve`` reads ``[cluster]`` from settings.toml when no flag says otherwise; a malformed
value is one sentence naming the file and key, and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main as cli
from engine.cli.cluster_settings import ClusterSettingsError, cluster_options
from engine.paths import settings_path


def _settings(text: str) -> Path:
    path = settings_path()
    path.write_text(text, encoding="utf-8")
    return path


def _options(*flags: str) -> dict[str, Any] | None:
    return cluster_options(cli._parser().parse_args(["serve", *flags]))


def test_no_settings_and_no_flag_run_on_the_local_worker() -> None:
    assert _options() is None
    _settings("[signing]\nsign_exports = true\n")
    assert _options() is None


def test_the_settings_name_the_cluster_and_each_flag_wins_over_its_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRAMELOOM_ENGINE_FAULTS", raising=False)
    _settings('[cluster]\naddress = "10.0.0.5:6379"\ntries = 5\nhome = "/srv/frameloom"\n'
              'torch_threads = 2\nshared = "/mnt/film"\n')
    assert _options() == {"address": "10.0.0.5:6379", "max_tries": 5, "torch_threads": 2,
                          "worker_env": {"FRAMELOOM_HOME": "/srv/frameloom"},
                          "shared_folder": "/mnt/film"}
    assert _options("--cluster", "auto", "--cluster-tries", "1", "--cluster-home", "/x",
                    "--torch-threads", "4", "--cluster-shared", "/y") == {
        "address": "auto", "max_tries": 1, "torch_threads": 4,
        "worker_env": {"FRAMELOOM_HOME": "/x"}, "shared_folder": "/y"}
    assert _options("--no-cluster") is None


def test_keys_other_than_the_address_alone_do_not_start_a_cluster() -> None:
    _settings("[cluster]\ntries = 2\n")
    assert _options() is None
    assert _options("--cluster", "auto")["max_tries"] == 2  # type: ignore[index]


@pytest.mark.parametrize(("table", "words"), [
    ('address = "head-without-port"', "address = 'head-without-port' in [cluster] of"),
    ('address = ""', "must be HOST:PORT"),
    ("address = 6379", "address = 6379 in [cluster]"),
    ("tries = 0", "tries = 0 in [cluster] of"),
    ('tries = "3"', "must be a whole number of runs"),
    ("torch_threads = true", "torch_threads = True in [cluster]"),
    ('adress = "10.0.0.5:6379"', "adress in [cluster] of"),
    ("shared = 1", "shared = 1 in [cluster] of"),
    ('address = "10.0.0.5:6379', "cannot be read"),
])
def test_a_malformed_setting_is_one_sentence_naming_the_file(table: str, words: str) -> None:
    path = _settings(f"[cluster]\n{table}\n")
    with pytest.raises(ClusterSettingsError) as caught:
        _options()
    message = str(caught.value)
    assert words in message and str(path) in message and message.endswith(".")
    assert _options("--no-cluster") is None  # the way around a broken file, without editing it


def _serve(home: Path, table: str) -> subprocess.CompletedProcess[str]:
    """``serve`` in a process of its own with ``[cluster]`` holding ``table``."""
    (home / "data").mkdir()
    (home / "data" / "settings.toml").write_text(f"[cluster]\n{table}\n")
    return subprocess.run([sys.executable, "-m", "engine.cli", "serve"],
                          env={**os.environ, "FRAMELOOM_HOME": str(home)},
                          capture_output=True, text=True, timeout=60)


def test_serve_with_a_malformed_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    done = _serve(tmp_path, 'address = "head:port"')
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "address = 'head:port' in [cluster] of" in lines[0], done.stderr
    assert lines[0].startswith("frameloom-engine: ")


def test_serve_uses_the_address_in_the_settings(tmp_path: Path) -> None:
    done = _serve(tmp_path, 'address = "127.0.0.1:1"')
    assert done.returncode == 2
    assert "No Ray cluster answers at 127.0.0.1:1" in done.stderr, done.stderr
