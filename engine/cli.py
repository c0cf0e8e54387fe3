"""The ``frameloom-engine`` command; for now only ``--help`` and ``--version``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import metadata

SUBCOMMANDS = ("serve", "generate", "submit", "jobs", "cancel", "models")


def version() -> str:
    """The installed ``frameloom`` distribution's version, or ``"0.0.0"`` when not installed."""
    try:
        return metadata.version("frameloom")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frameloom-engine",
        description="Frameloom's generation engine: runs video models in a background process.",
        epilog=f"The subcommands ({', '.join(SUBCOMMANDS)}) arrive with the engine service; "
               "this version has none yet.")
    parser.add_argument("--version", action="version", version=f"frameloom-engine {version()}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``frameloom-engine`` command line; returns the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    try:
        _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else 0
    print(f"frameloom-engine: nothing to do yet; the {', '.join(SUBCOMMANDS)} commands arrive "
          "with the engine service (see --help).", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
