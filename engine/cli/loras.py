"""``frameloom-engine models add-lora / loras / remove-lora``, and ``--lora NAME[:STRENGTH]``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

LORA_ACTIONS = ("add-lora", "loras", "remove-lora")


def add_lora_parsers(actions: Any) -> None:
    """Add the LoRA actions to ``models``' subparsers."""
    add = actions.add_parser("add-lora", help="add a LoRA (safetensors) to an installed model, "
                             "checked against its transformer (copied)")
    add.add_argument("model_id", metavar="MODEL")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--name", help="the name shots use it by (the file's name by default)")
    listing = actions.add_parser("loras", help="the LoRAs added to a model")
    listing.add_argument("model_id", metavar="MODEL")
    listing.add_argument("--json", action="store_true", dest="loras_json")
    remove = actions.add_parser("remove-lora", help="delete a LoRA added to a model")
    remove.add_argument("model_id", metavar="MODEL")
    remove.add_argument("name", metavar="NAME")


def run_lora_action(args: argparse.Namespace) -> int:
    """Run one LoRA action; raises LoraError (or ModelError) with one sentence when refused."""
    from engine.models import loras

    if args.models_action == "add-lora":
        added = loras.add_lora(args.model_id, args.file, args.name)
        print(f"Added the LoRA {added.name} to {added.model_id} ({added.layers} layers); use it "
              f"with --lora {added.name}[:STRENGTH].")
    elif args.models_action == "remove-lora":
        loras.remove_lora(args.model_id, args.name)
        print(f"Removed the LoRA {args.name} from {args.model_id}.")
    else:
        found = loras.list_loras(args.model_id)
        if args.loras_json:
            print(json.dumps([{"name": f.name, "path": str(f.path), "size": f.size,
                               "layers": f.layers} for f in found], indent=2))
        elif not found:
            print(f"{args.model_id} has no LoRAs; add one with `frameloom-engine models "
                  f"add-lora {args.model_id} FILE`.", file=sys.stderr)
        for lora in found if not args.loras_json else []:
            print(f"{lora.name}\t{lora.layers} layers\t{lora.size / 1e6:.1f} MB\t{lora.path}")
    return 0


def parse_lora(text: str) -> dict[str, Any]:
    """``--lora NAME[:STRENGTH]`` as a LoraChoice dict (strength 1 when not given).

    Raises
    ------
    engine.cli.main.UsageError
        If STRENGTH is not a number.
    """
    from engine.cli.main import UsageError

    name, colon, strength = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        return {"name": name.strip(), "strength": float(strength) if colon else 1.0}
    except ValueError:
        raise UsageError(f"--lora {text!r} is not NAME[:STRENGTH], such as --lora "
                         "film-grain:0.8.") from None
