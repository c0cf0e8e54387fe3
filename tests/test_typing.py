"""The whole tree type-checks under the ``[tool.mypy]`` configuration in pyproject.toml (strict,
with its short list of commented exceptions), and that configuration does report errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# One cache for the whole run (git-ignored): a warm cache turns a ~10 s check into ~1 s.
CACHE = ROOT / ".mypy_cache"


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(CACHE), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=280)


def test_tree_is_strictly_typed() -> None:
    # No file arguments: mypy checks the `files` pyproject.toml lists, with its settings.
    result = _mypy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_configuration_reports_errors(tmp_path: Path) -> None:
    # An unannotated function is an error only under strict, so this also shows the
    # configuration mypy read is the strict one.
    bad = tmp_path / "badly_typed.py"
    bad.write_text('def double(x):\n    return x * 2\n\n\ncount: int = "three"\n')
    result = _mypy("--config-file", str(ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[no-untyped-def]" in result.stdout
    assert "[assignment]" in result.stdout
