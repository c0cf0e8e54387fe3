"""Import boundaries: the contracts hold and can fail; Qt-free code runs without Qt."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("PySide6", "shiboken6", "qasync", "torch", "diffusers", "transformers", "ray")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the project in ``cwd`` (it reads ``cwd/pyproject.toml``)."""
    suffix = ".exe" if sys.platform == "win32" else ""
    exe = Path(sys.executable).with_name("lint-imports" + suffix)
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


def test_every_contract_can_fail(tmp_path: Path) -> None:
    """One forbidden import per contract in a copy of the tree, and every contract reports it."""
    import tomllib

    shutil.copy(REPO / "pyproject.toml", tmp_path)
    for package in ("studio", "engine"):
        shutil.copytree(REPO / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    new_files = {
        "studio/document/bad.py": "import PySide6.QtCore\n",  # Qt in the document
        "studio/media/bad.py": "import qasync\n",  # Qt in another Qt-free studio package
        "engine/bad.py": "from studio.document import model\n",
        "studio/render/bad_ml.py": "import torch\n",
        # engine.jobs.store, not engine.cli: the CLI reaches the ML stack and breaks more.
        "studio/bad_engine.py": "import engine.jobs.store\n",
        "studio/talks.py": "from engine import protocol\n",  # the one allowed import
        "engine/protocol/bad.py": "import platformdirs\n",
        "engine/models/bad.py": "import engine.backends\n",  # a lower package reaching up
    }
    # Inside each layered package, its lowest module reaching up to its highest.
    appended = {
        "engine/protocol/fields.py": "engine.protocol.messages",
        "engine/jobs/records.py": "engine.jobs.store",
        "engine/operations/planner.py": "engine.operations.runner",
        "engine/models/profiles.py": "engine.models.store",
        "engine/backends/common.py": "engine.backends.ltx",
        "engine/worker/faults.py": "engine.worker.child",
        "engine/service/log.py": "engine.service.server",
        "engine/cluster/inputs.py": "engine.cluster.actor",
    }
    for name, text in new_files.items():
        (tmp_path / name).write_text(text)
    for name, module in appended.items():
        with (tmp_path / name).open("a", encoding="utf-8") as handle:
            handle.write(f"\nimport {module}  # noqa\n")

    result = _lint_imports(tmp_path)
    out = result.stdout
    assert result.returncode != 0, out
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"]
    assert out.count(" BROKEN") == len(contracts), out
    assert "Contracts: 0 kept" in out, out


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
                if not info.name.endswith(".__main__"):  # running it is the command itself
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
        from engine.cli.main import main as engine_main
        from studio.app import main as studio_main
        assert studio_main(["--version"]) == 0 and engine_main(["--version"]) == 0
        print("imported", " ".join(sorted(names)))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    imported = result.stdout.split("imported ", 1)[1].split()
    for name in ("studio.document.persistence", "studio.document.edits", "engine.cli.main",
                 "studio.app", "studio.sample"):
        assert name in imported


# The studio imports engine.protocol, so every module of that package must be stdlib-only: it may
# import the standard library and its own siblings, nothing else of ours or anyone's.
PROTOCOL = sorted(path.stem for path in (REPO / "engine" / "protocol").glob("*.py"))


@pytest.mark.parametrize("module", PROTOCOL)
def test_engine_protocol_is_stdlib_only(module: str) -> None:
    tree = ast.parse((REPO / "engine" / "protocol" / f"{module}.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module}
    relative = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level]
    outside = sorted(n for n in imported if not n.startswith("engine.protocol.")
                     and n.partition(".")[0] not in sys.stdlib_module_names | {"__future__"})
    assert not outside and not relative, (
        f"engine.protocol.{module} must use the stdlib only: {outside}")
