"""The ``frameloom-engine`` command: help, version and usage errors without the ML stack."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from engine.cli import main as cli


def test_help_names_the_subcommands_without_torch() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from engine.cli.main import main; "
                               "code = main(['--help']); "
                               "assert 'torch' not in sys.modules; sys.exit(code)"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # argparse wraps to the terminal's width
    assert "{" + ",".join(cli.SUBCOMMANDS) + "}" in text


def test_version_is_the_distribution_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"frameloom-engine {metadata.version('frameloom')}"


def test_version_falls_back_when_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert cli.version() == "0.0.0"


def test_no_command_is_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frameloom-engine: ") and err.count("\n") == 1
