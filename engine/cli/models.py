"""``frameloom-engine models``: list, pull, add, verify and remove the models the engine can run,
and add LoRAs to them (:mod:`engine.cli.loras`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engine.cli.loras import LORA_ACTIONS, add_lora_parsers, run_lora_action
from engine.models.profiles import PROFILES

_ACTIONS = ("list", "pull", "remove", "verify", "add", *LORA_ACTIONS)


def add_models_parser(sub: Any) -> None:
    """Add the ``models`` subcommand (and its own subcommands) to the command line's subparsers."""
    models = sub.add_parser("models", help="list, download, add, check and remove models",
                            description="Without an action, lists the models (like `list`).")
    models.add_argument("--json", action="store_true", help="print the list as JSON")
    actions = models.add_subparsers(dest="models_action", metavar="{" + ",".join(_ACTIONS) + "}")
    listing = actions.add_parser("list", help="the catalog and the installed models")
    # Its own dest: a subparser's default would overwrite `models --json` otherwise.
    listing.add_argument("--json", action="store_true", dest="list_json")
    pull = actions.add_parser("pull", help="download a catalog model (resumes if stopped)")
    pull.add_argument("model_id", metavar="ID")
    pull.add_argument("--accept-licence", action="store_true",
                      help="accept the model's licence terms (shown first); a restricted "
                           "licence is not downloaded without it")
    remove = actions.add_parser("remove", help="delete a downloaded model or unlink an added one")
    remove.add_argument("model_id", metavar="ID")
    verify = actions.add_parser("verify", help="check an installed model's files")
    verify.add_argument("model_id", metavar="ID")
    add = actions.add_parser("add", help="register a local diffusers folder (linked, not copied)")
    add.add_argument("path", metavar="PATH")
    add.add_argument("--id", dest="new_id", metavar="ID", help="the id to list it under")
    add_lora_parsers(actions)


def _gigabytes(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e9:.1f} GB"


def _vram(entry: Any) -> str:
    """The catalog's GPU memory per profile, fastest first, as ``40/36/14/10``."""
    if entry is None:
        return "-"
    return "/".join(f"{entry.min_vram_gib[p]:g}" for p in PROFILES if p in entry.min_vram_gib)


def _list(as_json: bool) -> int:
    from engine.models.store import installed

    statuses = installed()
    if as_json:
        print(json.dumps([status.to_dict() for status in statuses], indent=2, sort_keys=True))
        return 0
    print(f"{'ID':<28} {'FAMILY':<9} {'STATUS':<14} {'SIZE':>9}  {'VRAM GIB':<12} "
          f"{'MAKES':<18} {'RULES':<12} {'LICENCE':<34} DESCRIPTION")
    for status in statuses:
        size = status.size_on_disk if status.path else (
            status.entry.size_bytes if status.entry else None)
        approx = "~" if status.path is None and size is not None else ""
        description = status.entry.description if status.entry else (
            status.info.description if status.info else "")
        licence = status.entry.licence if status.entry else "-"
        makes = rules = "-"
        if status.info is not None:  # installed: its own defaults and rules, from its configs
            d, c = status.info.defaults, status.info.constraints
            makes = f"{d.width}x{d.height} {d.frames}f@{d.fps}"
            rules = f"x{c.size_multiple} {c.rule_text}"
        print(f"{status.id:<28} {status.family:<9} {status.status:<14} "
              f"{approx + _gigabytes(size):>9}  {_vram(status.entry):<12} {makes:<18} "
              f"{rules:<12} {licence:<34} {description}")
    print(f"VRAM GIB: the GPU memory each memory profile needs ({', '.join(PROFILES)}); these "
          "and ~ sizes are the catalog's figures, several of them estimates (each entry's "
          "description says which).")
    return 0


def _act(args: argparse.Namespace) -> int:
    from engine.models import store as model_store
    if args.models_action == "pull":
        from engine.cli.progress import ByteBar
        from engine.models.licences import licence_terms

        terms = licence_terms(args.model_id)
        if terms is not None:  # shown before anything is fetched, accepted or not
            print("\n".join(terms.lines()), flush=True)
        accepted = bool(args.accept_licence)
        if terms is not None and terms.restricted and not accepted:
            raise model_store.ModelStoreError(terms.refusal(), "Read them and run the command "
                                                               "again with --accept-licence.")
        line = ByteBar(f"Downloading {args.model_id}")
        try:
            path = model_store.pull(args.model_id, progress=line, accept_licence=accepted)
        finally:
            line.close()
        agreed = " (its licence terms accepted)" if terms and terms.restricted else ""
        print(f"Installed {args.model_id} in {path}{agreed}.")
    elif args.models_action == "remove":
        model_store.remove(args.model_id)
        print(f"Removed {args.model_id}.")
    elif args.models_action == "verify":
        problems = model_store.verify(args.model_id)
        for problem in problems:
            print(problem)
        if problems:
            print(f"frameloom-engine: {args.model_id} has {len(problems)} problem(s); pull it "
                  "again or remove it.", file=sys.stderr)
            return 1
        print(f"{args.model_id}: all files are in place and readable.")
    else:
        path = model_store.add(args.path, args.new_id)
        print(f"Added {path.name} (linked to {path.resolve()}).")
    return 0


def run_models(args: argparse.Namespace) -> int:
    """Run ``models`` and its actions; no engine is needed.

    Expected failures print one ``frameloom-engine: <sentence> <hint>`` line on stderr and
    return 2, as the rest of the command line does.
    """
    from engine.models.installed import ModelError
    from engine.models.store import ModelStoreError

    action = getattr(args, "models_action", None)
    try:
        if action in (None, "list"):
            return _list(bool(args.json or getattr(args, "list_json", False)))
        if action in LORA_ACTIONS:
            return run_lora_action(args)
        return _act(args)
    except (ModelStoreError, ModelError) as exc:  # a LoraError is a ModelError
        print(f"frameloom-engine: {exc}", file=sys.stderr)
        return 2
