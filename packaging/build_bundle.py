"""Build a runnable bundle of the Frameloom studio with PyInstaller.

    pip install -e ".[bundle]"
    python packaging/build_bundle.py [--dist DIST] [--work WORK]

writes ``DIST/frameloom/`` (default ``dist/frameloom/``): the ``frameloom`` executable (on
Windows ``frameloom.exe``) and its ``_internal/`` folder, which runs without a Python install.
Every ``frameloom`` command works from it: ``frameloom PROJECT`` opens the studio,
``--version``, ``render``, ``export-otio``, ``install-desktop``...

**The bundle is the editor.** The engine that generates shots (``frameloom-engine``, with
torch, diffusers and transformers: gigabytes, and built for one GPU stack) is not bundled, so
the bundle builds in minutes and stays a few hundred megabytes. The engine runs from a Python
install (``pip install frameloom``, see the README): the bundled studio starts
``frameloom-engine serve`` from the PATH, or adopts an engine already running; without one it
edits, renders and exports, and says the engine is off. ``frameloom PROJECT --no-engine`` opens
it as an editor only.

It is a one-folder bundle (not ``--onefile``): it starts at once instead of unpacking itself
on every run, and a desktop entry or an installer can point at its executable. Build it on the
platform it is for (PyInstaller does not cross-compile); packaging/README.md has the steps for
Linux, Windows and macOS.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "frameloom"
#: The engine's ML stack, and what only tests, notebooks and the engine use: never bundled
#: (the studio imports none of them; import-linter checks that).
EXCLUDES = (
    "torch", "torchvision", "torchaudio", "diffusers", "transformers", "accelerate",
    "safetensors", "huggingface_hub", "tokenizers", "triton", "sympy", "networkx", "ftfy",
    "engine.backends", "engine.cli", "engine.jobs", "engine.mini", "engine.models",
    "engine.operations", "engine.output", "engine.paths", "engine.policy", "engine.service",
    "engine.worker", "tkinter", "matplotlib", "IPython", "pytest", "hypothesis", "mypy",
)
#: Qt modules the studio does not use (PyInstaller's hooks would pull some of them in).
#: QtMultimedia is used: the viewer's sound (studio.ui.viewer.qt_sink).
QT_EXCLUDES = (
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtPdf",
    "PySide6.QtWebEngineCore", "PySide6.QtOpenGL", "PySide6.Qt3DCore",
)
#: Files the studio reads at run time, as (source under the checkout, folder in the bundle).
DATA = (("resources/icons", "resources/icons"), ("packaging/linux", "packaging/linux"))


def pyinstaller_args(dist: Path, work: Path, icon: Path | None = None) -> list[str]:
    """The PyInstaller command line (after ``pyinstaller``) that builds the bundle; ``icon``
    is the executable's icon on Windows (.ico) and macOS (.icns), unused on Linux."""
    args = [str(ROOT / "packaging" / "frameloom_entry.py"), "--name", NAME, "--onedir",
            "--noconfirm", "--clean", "--log-level", "WARN", "--distpath", str(dist),
            "--workpath", str(work), "--specpath", str(work), "--paths", str(ROOT),
            # OTIO finds its adapters through a plugin manifest; c2pa loads its library
            # with ctypes: neither is visible to the import scan.
            "--collect-all", "opentimelineio", "--collect-binaries", "c2pa"]
    if icon is not None:
        args += ["--icon", str(icon)]
    if sys.platform == "darwin":  # a .app the Finder can open, beside the folder
        args += ["--windowed", "--osx-bundle-identifier", "io.frameloom.Frameloom"]
    for module in EXCLUDES + QT_EXCLUDES:
        args += ["--exclude-module", module]
    for source, target in DATA:
        args += ["--add-data", f"{ROOT / source}{os.pathsep}{target}"]
    return args


def executable(dist: Path) -> Path:
    """The bundle's ``frameloom`` executable under ``dist``."""
    if sys.platform == "darwin":
        return dist / f"{NAME}.app" / "Contents" / "MacOS" / NAME
    return dist / NAME / (f"{NAME}.exe" if sys.platform == "win32" else NAME)


def main(argv: list[str] | None = None) -> int:
    """Build the bundle; returns the exit status (2: PyInstaller is not installed)."""
    parser = argparse.ArgumentParser(prog="python packaging/build_bundle.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the bundle goes (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default build/pyinstaller/)")
    parser.add_argument("--icon", type=Path, metavar="ICON.ico|ICON.icns",
                        help="the executable's icon on Windows or macOS (made from "
                             "packaging/linux/io.frameloom.Frameloom.svg, see "
                             "packaging/README.md)")
    args = parser.parse_args(argv)
    try:
        from PyInstaller.__main__ import run
    except ImportError:
        print("build_bundle: PyInstaller is not installed; run pip install -e \".[bundle]\".",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    run(pyinstaller_args(args.dist.resolve(), args.work.resolve(), args.icon))
    print(f"Built {executable(args.dist.resolve())} in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
