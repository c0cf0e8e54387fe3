"""``frameloom-engine models``: the models the engine can run."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_models_parser(sub: Any) -> None:
    """Add the ``models`` subcommand to the command line's subparsers."""
    models = sub.add_parser("models", help="list the models the engine can run")
    models.add_argument("--json", action="store_true")


def run_models(args: argparse.Namespace) -> int:
    """List the installed models (read from the models folders; no engine needed)."""
    from engine.models import list_models

    found = [model.to_dict() for model in list_models()]
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True))
        return 0
    for model in found:
        print(f"{model['id']:<24} {model['family']:<6} {model['path']}")
    if not found:
        print("No models installed.")
    return 0
