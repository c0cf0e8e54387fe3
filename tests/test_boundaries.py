"""Import boundaries: the import-linter contracts hold, can fail, and Qt-free code runs without Qt."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("PySide6", "shiboken6", "qasync", "torch", "diffusers", "transformers")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the project in ``cwd`` (it reads ``cwd/pyproject.toml``)."""
    exe = Path(sys.executable).with_name("lint-imports" + (".exe" if sys.platform == "win32" else ""))
    # The console script sits beside the interpreter in a venv; importlinter.cli has no
    # __main__, so elsewhere call its entry point directly.
    command = [str(exe)] if exe.exists() else [
        sys.executable, "-c",
        "import sys; from importlinter.cli import lint_imports_command; "
        "sys.exit(lint_imports_command())"]
    return subprocess.run([*command, "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_contracts_are_kept() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_contracts_catch_forbidden_imports(tmp_path: Path) -> None:
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    for package in ("studio", "engine"):
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    bad = {
        "studio/document/bad.py": "import PySide6.QtCore\n",
        "engine/bad.py": "from studio.document import model\n",
        # engine.jobs, not engine.cli: the CLI reaches the ML stack and would break two contracts.
        "studio/bad_engine.py": "import engine.jobs\n",
        "studio/talks.py": "from engine import protocol\n",  # the one allowed import
    }
    if not (tmp_path / "engine/protocol.py").exists():
        bad["engine/protocol.py"] = '"""Messages."""\n'
    for name, text in bad.items():
        (tmp_path / name).write_text(text)

    result = _lint_imports(tmp_path)
    out = result.stdout
    assert result.returncode != 0, out
    assert "studio.document is pure Python: no Qt, no ML stack, no UI BROKEN" in out
    assert "engine never imports Qt or the studio BROKEN" in out
    assert "studio imports nothing from engine but engine.protocol BROKEN" in out
    assert "studio never imports the ML stack KEPT" in out
    assert "studio.bad_engine -> engine.jobs" in out and "studio.talks" not in out


def test_document_engine_and_cli_run_without_qt_or_torch() -> None:
    script = textwrap.dedent(f"""
        import importlib, pkgutil, sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in {HEAVY!r}:
                    raise ModuleNotFoundError(f"{{name}} is not installed (blocked by the test)")

        sys.meta_path.insert(0, Block())
        try:
            import PySide6
            sys.exit("the blocker let PySide6 through")
        except ModuleNotFoundError:
            pass
        import engine, studio, studio.document
        names = []
        for package in (studio.document, engine):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                names.append(info.name)
        # frameloom-mini's training modules are torch scripts (DiT-style, torch at the top);
        # its world and captions are not, since evaluation and samples use them without torch.
        names = [n for n in names if not n.startswith("engine.mini.")
                 or n.rsplit(".", 1)[1] in ("world", "captions")]
        # Every studio module outside studio.ui must do without Qt too.
        names += [f"studio.{{i.name}}" for i in pkgutil.iter_modules(studio.__path__)
                  if i.name not in ("ui", "document")]
        for name in names:
            importlib.import_module(name)
        from engine.cli import main as engine_main
        from studio.app import main as studio_main
        assert studio_main(["--version"]) == 0 and engine_main(["--version"]) == 0
        print("imported", " ".join(sorted(names)))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    imported = result.stdout.split("imported ", 1)[1].split()
    for name in ("studio.document.persistence", "studio.document.edits", "engine.cli",
                 "studio.app", "studio.sample"):
        assert name in imported


# The studio imports engine.protocol, so it and the modules it imports (engine.requests and
# engine.fields, and nothing else of ours) must all be stdlib-only.
SHARED = {"protocol": {"engine.fields", "engine.requests"}, "requests": {"engine.fields"},
          "fields": set()}


@pytest.mark.parametrize("module", sorted(SHARED))
def test_engine_protocol_is_stdlib_only(module: str) -> None:
    path = REPO / "engine" / f"{module}.py"
    if not path.exists():
        pytest.skip(f"engine/{module}.py does not exist yet")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module}
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    outside = sorted(n for n in imported - SHARED[module]
                     if n.partition(".")[0] not in sys.stdlib_module_names | {"__future__"})
    assert not outside and not relative, f"engine.{module} must use the stdlib only: {outside}"
    # ``from engine import x`` names modules too; only the allowed ones may be named.
    named = {f"engine.{alias.name}" for node in ast.walk(tree)
             if isinstance(node, ast.ImportFrom) and node.module == "engine" for alias in node.names}
    assert named <= SHARED[module], f"engine.{module} imports {sorted(named - SHARED[module])}"
