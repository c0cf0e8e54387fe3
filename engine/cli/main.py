"""The ``frameloom-engine`` command: serve, inspect and drive the engine, or generate in-process."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Sequence
from importlib import metadata
from typing import Any

SUBCOMMANDS = ("serve", "status", "jobs", "cancel", "stop", "models", "submit", "retry",
               "generate")
DEFAULT_MODEL = "frameloom-mini"
_CLIP_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}


class UsageError(Exception):
    """A command-line value that cannot be used; one sentence."""


def version() -> str:
    """The installed ``frameloom`` distribution's version, or ``"0.0.0"`` when not installed."""
    try:
        return metadata.version("frameloom")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def _model_rules(model_id: str) -> str:
    """What ``model_id`` makes by default and its size and frame rules, for ``--help``."""
    from engine.models.installed import ModelError, find_model

    try:
        info = find_model(model_id)
    except (ModelError, OSError):
        return f"{model_id} is not installed here."
    d, c = info.defaults, info.constraints
    fps = f"always {c.fps}" if c.fps else f"{d.fps} by default"
    return (f"{model_id} (the default model) makes {d.width}x{d.height}, {d.frames} frames, by "
            f"default; --width and --height must be multiples of {c.size_multiple} (others are "
            f"rounded, with a note), --frames {c.rule_text} up to {c.max_frames} (others are "
            f"fitted), fps {fps}" + (f"; long shots chain windows of up to {c.window} frames "
                                    "(--window)" if c.window else "") + ".")


def _request_flags(parser: argparse.ArgumentParser, *, rules: bool = False) -> None:
    from engine.protocol.requests import MEMORY_PROFILES

    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="model id (see `frameloom-engine models`); frameloom-mini, the "
                             "built-in model, by default")
    parser.add_argument("--prompt", help="what to generate; required")
    parser.add_argument("--negative", default="", help="negative prompt")
    size = parser.add_argument_group(
        "size and length", "each defaults to the model's own (`frameloom-engine models list` "
        "shows every model's defaults and rules in its MAKES and RULES columns); an operation "
        "takes its source clip's size, rounded to the model's rules. "
        + (_model_rules(DEFAULT_MODEL) if rules else ""))
    size.add_argument("--width", type=int, help="pixels; a multiple of the model's size rule")
    size.add_argument("--height", type=int, help="pixels; a multiple of the model's size rule")
    size.add_argument("--frames", type=int, help="frames; fitted to the model's frame rule "
                      "(past the window a model names, made as a long shot)")
    size.add_argument("--fps", type=int, help="frames per second")
    parser.add_argument("--steps", type=int, default=20, help="denoising steps (default 20)")
    parser.add_argument("--guidance", type=float, default=3.0,
                        help="classifier-free guidance scale (default 3.0)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--lora", action="append", default=[], metavar="NAME[:STRENGTH]",
                        help="apply a LoRA added to the model (`models add-lora`), at STRENGTH "
                             "(default 1; 0 leaves the model as it is); repeatable")
    parser.add_argument("--attention", default="native", help="attention backend: native "
                        "(default), math, or on a CUDA GPU cudnn, flash, sage")
    parser.add_argument("--memory-profile", dest="memory_profile", default="auto",
                        choices=["auto", *MEMORY_PROFILES],
                        help="how the model is placed (auto: the engine chooses from free "
                             "memory; sequential is group offloading with CUDA streams)")
    parser.add_argument("--compile", action="store_true", help="compile the transformer's "
                        "repeated blocks first (the first such job takes minutes to compile)")
    parser.add_argument("--draft", action="store_true",
                        help="a quick draft: half the size and steps, steps cached; the take "
                             "records the full settings, so `generate --from TAKE --final` "
                             "makes its final")
    parser.add_argument("--pin", action="append", default=[], metavar="PATH[@FRAME][#START:COUNT]",
                        help="hold an image (or COUNT frames of a clip from START) at FRAME; "
                             "repeatable")
    parser.add_argument("-o", "--output", help="where to write the MP4 (an existing folder; "
                        "by default frameloom-SEED.mp4 here, or -2, -3... if that exists)")


def _parser(*, rules: bool = False) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frameloom-engine",
        description="Frameloom's generation engine: runs video models in a background process.")
    parser.add_argument("--version", action="version", version=f"frameloom-engine {version()}")
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(SUBCOMMANDS) + "}")
    serve = sub.add_parser("serve", help="run the engine in the foreground")
    serve.add_argument("--heartbeat", type=float, default=2.0, metavar="SECONDS")
    serve.add_argument("--cancel-grace", type=float, default=10.0, metavar="SECONDS",
                       help="how long a cancelled step may run before the worker is killed")
    serve.add_argument("--preview-every", type=float, default=2.0, metavar="SECONDS")
    serve.add_argument("--parent-pid", type=int, metavar="PID",
                       help="stop when this process ends (for a studio or a test harness)")
    cluster = serve.add_argument_group(
        "cluster", "each flag wins over its key in the [cluster] table of settings.toml "
        "(address, home, shared, tries, torch_threads)")
    cluster.add_argument("--cluster", metavar="ADDRESS",
                         help="run jobs on the Ray cluster whose head is at HOST:PORT (or auto: "
                              "the one started on this machine) instead of the local worker")
    cluster.add_argument("--no-cluster", action="store_true",
                         help="run jobs on the local worker even if settings.toml names a "
                              "cluster")
    cluster.add_argument("--cluster-home", metavar="PATH",
                         help="FRAMELOOM_HOME on the cluster's nodes, where their models are "
                              "(default: each node's own)")
    cluster.add_argument("--cluster-shared", metavar="PATH",
                         help="a folder every machine of the cluster has at the same path: "
                              "inputs inside it are read there instead of sent as bytes")
    cluster.add_argument("--cluster-tries", type=int, metavar="N",
                         help="runs a job gets when its node dies under it (default 3)")
    cluster.add_argument("--torch-threads", type=int, metavar="N",
                         help="torch threads in each cluster actor (default: torch's own)")
    sub.add_parser("status", help="is the engine running, and what is it doing")
    jobs = sub.add_parser("jobs", help="list the jobs")
    jobs.add_argument("--json", action="store_true")
    cancel = sub.add_parser("cancel", help="cancel a queued or running job")
    cancel.add_argument("job_id")
    sub.add_parser("stop", help="stop the running engine")
    from engine.cli.models import add_models_parser

    add_models_parser(sub)
    submit = sub.add_parser("submit", help="queue a job on the running engine")
    _request_flags(submit, rules=rules)
    from engine.cli.generate import add_generate_flags

    add_generate_flags(submit, queued=True)
    submit.add_argument("--id", help="job id (a new one by default)")
    submit.add_argument("--wait", action="store_true",
                        help="show progress until the job ends; non-zero exit if it fails "
                             "(-o needs it)")
    retry = sub.add_parser("retry", help="queue a failed, cancelled or interrupted job's "
                                         "request again, under a new id")
    retry.add_argument("job_id", metavar="ID")
    retry.add_argument("--wait", action="store_true",
                       help="show progress until the new job ends (-o needs it)")
    retry.add_argument("-o", "--output", help="where to copy the take (with --wait)")
    generate = sub.add_parser("generate", help="run one job in this process and write an MP4")
    _request_flags(generate, rules=rules)
    add_generate_flags(generate)
    return parser


def parse_pin(text: str, target_default: int = 0) -> dict[str, Any]:
    """Read ``PATH[@FRAME][#START:COUNT]`` as a pin dict (a clip with no range pins frame 0)."""
    from pathlib import Path

    path, _, clip_range = text.partition("#")
    path, at, frame = path.rpartition("@") if "@" in path else (path, "", "")
    try:
        pin: dict[str, Any] = {"path": str(Path(path).expanduser().resolve()),
                               "target_frame": int(frame) if at else target_default}
        if clip_range:
            start, _, count = clip_range.partition(":")
            pin.update(frame_start=int(start), frame_count=int(count or 1))
        elif Path(path).suffix.lower() in _CLIP_SUFFIXES:
            pin.update(frame_start=0, frame_count=1)
    except ValueError:
        raise UsageError(f"--pin {text!r} is not PATH[@FRAME][#START:COUNT].") from None
    return pin


def resolve_size(args: argparse.Namespace) -> tuple[int, int, int, int]:
    """Width, height, frames and fps: the flags where given, else the model's defaults.

    An operation with no ``--width``/``--height`` takes its first source clip's size, rounded to
    the model's size multiple (a note on stderr says so when it rounds), and with no ``--fps``
    the clip's frame rate (unless the model makes one rate only), so the take matches the clip
    it continues.

    Raises
    ------
    UsageError
        If a source clip cannot be read.
    """
    from engine.models.installed import ModelError, find_model

    try:
        info = find_model(args.model)
    except ModelError:
        # An unknown model fails later with its own sentence (and the job's exit status), after
        # the prompt policy has had its say; any size will do until then.
        return (args.width or 512, args.height or 288, args.frames or 49, args.fps or 24)
    defaults = info.defaults
    width, height, fps = args.width, args.height, args.fps or info.constraints.fps
    source = _first_source(args)
    if source is not None and width is None and height is None:
        from engine.cli.generate import source_size

        width, height = source_size(source, info.constraints.size_multiple)
    if source is not None and not fps:
        from engine.cli.generate import source_rate

        fps = source_rate(source)
    return (width or defaults.width, height or defaults.height, args.frames or defaults.frames,
            fps or defaults.fps)


def _first_source(args: argparse.Namespace) -> str | None:
    for name in ("extend_forward", "extend_backward", "loop", "retake"):
        if getattr(args, name, None):
            return str(getattr(args, name))
    bridge = getattr(args, "bridge", None)
    return str(bridge[0]) if bridge else None


def build_request(args: argparse.Namespace) -> Any:
    """The GenerationRequest the request flags describe (sizes resolved by resolve_size)."""
    from engine.cli.loras import parse_lora
    from engine.protocol.requests import GenerationRequest

    if args.prompt is None:
        raise UsageError("--prompt is required"
                         + (" (or --from TAKE.mp4)." if args.command == "generate" else "."))
    if not args.prompt.strip():
        raise UsageError("--prompt is empty; say what to generate, such as --prompt "
                         "\"a red kite over the sea\".")
    for text in getattr(args, "prompt_at", None) or []:
        if not text.partition(":")[2].strip():
            raise UsageError(f"--prompt-at {text!r} has no prompt after its SECONDS:; give "
                             "SECONDS:TEXT.")
    width, height, frames, fps = resolve_size(args)
    return GenerationRequest.from_dict({
        "model_id": args.model, "prompt": args.prompt, "negative_prompt": args.negative,
        "width": width, "height": height, "frames": frames, "fps": fps,
        "seed": args.seed, "steps": args.steps, "guidance": args.guidance,
        "pins": [parse_pin(text) for text in args.pin], "draft": args.draft,
        "loras": [parse_lora(text) for text in args.lora], "attention": args.attention,
        "compile": args.compile, "profile": args.memory_profile})


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        from engine.cli.cluster_settings import cluster_options
        from engine.service.server import serve

        return serve(heartbeat_s=args.heartbeat, cancel_grace_s=args.cancel_grace,
                     preview_every_s=args.preview_every, version=version(),
                     parent_pid=args.parent_pid, cluster=cluster_options(args))
    if args.command == "generate":
        from engine.cli.generate import run_generate

        return run_generate(args, None if args.from_take else build_request(args))
    if args.command == "models":
        from engine.cli.models import run_models

        return run_models(args)
    from engine.cli import running as commands
    if args.command in ("submit", "retry") and args.output and not args.wait:
        # Without --wait the command ends before the take exists, so -o could not be honoured.
        raise UsageError("-o needs --wait, since without it the command ends before the take "
                         "exists; add --wait, or find the take later with "
                         "`frameloom-engine jobs`.")
    if args.command == "submit":
        from engine.cli.generate import operation_spec_from_args

        request = build_request(args)
        return commands.submit(request, args.id or uuid.uuid4().hex[:12],
                               operation=operation_spec_from_args(args, request),
                               wait=args.wait, output=args.output)
    if args.command == "retry":
        return commands.retry(args.job_id, uuid.uuid4().hex[:12], wait=args.wait,
                              output=args.output)
    handlers = {"status": lambda: commands.status(),
                "jobs": lambda: commands.jobs(as_json=args.json),
                "cancel": lambda: commands.cancel(args.job_id),
                "stop": lambda: commands.stop()}
    return int(handlers[args.command]())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``frameloom-engine`` command line; returns the exit status.

    Expected failures print one ``frameloom-engine: <sentence>`` line on stderr and return
    the status of :mod:`engine.cli.exits`: 2 for a bad flag value or a refused request, 3 when
    the engine is not running, 1 when the work failed.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    from engine.cli import exits

    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        # The model's rules are read (from its files) only for a --help that shows them.
        args = _parser(rules=bool({"-h", "--help"} & set(arguments))).parse_args(arguments)
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else exits.DONE
    if args.command is None:
        print("frameloom-engine: name a command (" + ", ".join(SUBCOMMANDS) + "); see --help.",
              file=sys.stderr)
        return exits.USAGE
    from engine.cli.client import ControlError
    from engine.cli.cluster_settings import ClusterSettingsError
    from engine.protocol.requests import RequestError

    try:
        return _run(args)
    except ControlError as exc:
        print(f"frameloom-engine: {exits.flag_words(str(exc))}", file=sys.stderr)
        return exits.NO_ENGINE if exc.code == "unavailable" else exits.status_for(exc.code)
    except (UsageError, RequestError, exits.OutputPathError, ClusterSettingsError) as exc:
        print(f"frameloom-engine: {exits.flag_words(str(exc))}", file=sys.stderr)
        return exits.USAGE
    except KeyboardInterrupt:
        return exits.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
