"""``frameloom-engine models``: list, add, verify, remove and pull, end to end and in-process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest

from engine.cli import main as cli
from engine.models.catalog import CATALOG
from engine.paths import models_dir


def engine(home: Path, *args: str, offline: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``frameloom-engine ARGS`` in a fresh process with its own FRAMELOOM_HOME."""
    env = {**os.environ, "FRAMELOOM_HOME": str(home), "HF_HOME": str(home / "hf")}
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_models_end_to_end(tiny_ltx_dir: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = engine(home, "models", "add", str(tiny_ltx_dir), "--id", "mine")
    assert added.returncode == 0 and "Added mine" in added.stdout, added.stderr
    listed = json.loads(engine(home, "models", "list", "--json").stdout)
    by_id = {model["id"]: model for model in listed}
    assert [entry.id for entry in CATALOG] == [model["id"] for model in listed][:len(CATALOG)]
    assert by_id["mine"]["status"] == "linked" and by_id["mine"]["constraints"]["frame_rule"]
    assert by_id["wan2.1-t2v-1.3b"]["status"] == "not installed"
    checked = engine(home, "models", "verify", "mine")
    assert checked.returncode == 0 and "all files are in place" in checked.stdout
    removed = engine(home, "models", "remove", "mine")
    assert removed.returncode == 0 and (tiny_ltx_dir / "model_index.json").is_file()
    gone = engine(home, "models", "verify", "mine")
    assert gone.returncode == 2 and gone.stderr.startswith("frameloom-engine: ")


def test_pull_offline_fails_with_one_sentence(tmp_path: Path) -> None:
    result = engine(tmp_path, "models", "pull", "wan2.1-t2v-1.3b", offline=True)
    assert result.returncode == 2
    assert result.stderr.startswith("frameloom-engine: The model could not be downloaded")
    assert "HF_HUB_OFFLINE" in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["models"], ["models", "--json"], ["models", "list"],
                                  ["models", "list", "--json"]])
def test_models_without_an_action_lists(argv: list[str],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    if "--json" in argv:
        assert {model["id"] for model in json.loads(out)} >= {entry.id for entry in CATALOG}
    else:
        assert all(entry.id in out for entry in CATALOG) and "not installed" in out


def test_pull_in_process_installs_and_verify_flags_a_broken_file(
        monkeypatch: pytest.MonkeyPatch, tiny_ltx_dir: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def snapshot_download(repo_id: str, **kwargs: object) -> str:
        shutil.copytree(tiny_ltx_dir, str(kwargs["local_dir"]), dirs_exist_ok=True)
        return str(kwargs["local_dir"])

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    assert cli.main(["models", "pull", "ltx-video-0.9.7-distilled", "--accept-licence"]) == 0
    assert "Installed ltx-video-0.9.7-distilled" in capsys.readouterr().out
    (models_dir() / "ltx-video-0.9.7-distilled" / "vae" / "extra.pt").write_bytes(b"pickle")
    assert cli.main(["models", "verify", "ltx-video-0.9.7-distilled"]) == 1
    captured = capsys.readouterr()
    assert "vae/extra.pt is a pickle file" in captured.out
    assert captured.err.startswith("frameloom-engine: ")


def test_add_a_folder_without_model_index_is_refused(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["models", "add", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frameloom-engine: ") and "no model_index.json" in err
    assert err.count("\n") == 1
