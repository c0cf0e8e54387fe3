"""The ``frameloom`` command: open the studio, write the sample, summarise, render, sign, verify,
register the desktop launcher."""

# Only the standard library is imported up here, so --help, --version and the commands that
# need no window run without a display, Qt or torch; each command imports what it needs.

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from studio import __version__

if TYPE_CHECKING:
    from studio.document.persistence import OpenedProject

COMMANDS = ("open", "sample", "info", "render", "export-otio", "sign", "verify",
            "install-desktop")
HEADLESS_HINT = ("No display is available to open the studio window; run it with "
                 "QT_QPA_PLATFORM=offscreen for a headless window (e.g. with --screenshot), "
                 "or add --screenshot-if-headless OUT.png.")

# The exit statuses of both commands (frameloom-engine's are in engine/cli/exits.py; the
# README's command sections hold the table): 0 done, 1 the work itself failed, 2 a usage or
# input error (nothing was started), 3 the engine is not running, 130 interrupted.
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure the command reports as one sentence and exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="frameloom",
        usage="%(prog)s [-h] [--version] [{" + ",".join(COMMANDS) + "}] ...",
        description="Frameloom, a local video studio.",
        epilog="With no command, 'open' is assumed: frameloom [PROJECT] [--screenshot OUT.png] "
               "opens PROJECT (a .frameloom file or its folder) in the studio window.")
    parser.add_argument("--version", action="version", version=f"frameloom {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    open_ = commands.add_parser("open", help="open the studio window (the default)")
    open_.add_argument("project", nargs="?", type=Path,
                       help="a .frameloom file or a project folder; none starts a new project")
    open_.add_argument("--screenshot", type=Path, metavar="OUT.png",
                       help="save a PNG of the window once it is shown (and the engine is "
                            "up), then exit")
    open_.add_argument("--no-engine", action="store_true",
                       help="edit only: do not start the engine (nothing can be generated)")
    open_.add_argument("--screenshot-if-headless", type=Path, metavar="OUT.png",
                       help="where no display is available, draw the window offscreen into "
                            "this PNG and exit 0 instead of failing; with a display the window "
                            "opens as usual")
    sample = commands.add_parser("sample", help="write the procedural sample project")
    sample.add_argument("folder", type=Path, metavar="DIR", help="folder to write it into")
    sample.add_argument("--take", type=Path, metavar="FILE.mp4",
                        help="a generated video to give the sample's shot as its take (the "
                             "README's command makes one with frameloom-mini)")
    info = commands.add_parser("info", help="print a summary of a project or .otio file")
    info.add_argument("project", type=Path,
                      help="a .frameloom file, a project folder or an .otio file")
    _add_render_parser(commands)
    otio = commands.add_parser("export-otio", help="write a project's timeline as an .otio file")
    otio.add_argument("project", type=Path, metavar="PROJECT",
                      help="a project folder or a .frameloom file")
    otio.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.otio",
                      help="the .otio file to write (media referenced by absolute file:// URLs)")
    from studio.provenance.cli import add_parsers

    add_parsers(commands)
    desktop = commands.add_parser(
        "install-desktop", help="add Frameloom to the desktop's application launcher (Linux)",
        description="Copy the launcher entry (running this frameloom) and the icon into "
                    "$XDG_DATA_HOME (default ~/.local/share): applications/ and "
                    "icons/hicolor/scalable/apps/.")
    desktop.add_argument("--uninstall", action="store_true",
                         help="remove the launcher entry and icon instead")
    return parser


def _add_render_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    render = commands.add_parser("render", help="render a project or .otio file to a video file")
    render.add_argument("project", type=Path, metavar="PROJECT",
                        help="a project folder, a .frameloom file or an .otio file")
    render.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                        help="output file (.mp4, or .mov for ProRes)")
    render.add_argument("--codec", choices=("h264", "h265", "prores"), default="h264")
    render.add_argument("--crf", type=int, default=18, help="x264/x265 quality, 0-51 (default 18)")
    render.add_argument("--preset", default="medium", help="x264/x265 preset (default medium)")
    render.add_argument("--width", type=int, help="output width (default: the project's)")
    render.add_argument("--height", type=int, help="output height (default: the project's)")
    render.add_argument("--fps", help="output frame rate, e.g. 30 or 30000/1001")
    signing = render.add_mutually_exclusive_group()
    signing.add_argument("--sign", action="store_true", default=None,
                         help="sign the export with a C2PA manifest (default: sign_exports in "
                              "[signing] of the settings file)")
    signing.add_argument("--no-sign", dest="sign", action="store_false",
                         help="write it unsigned whatever the settings say")
    render.add_argument("--cert", type=Path, metavar="CHAIN.pem",
                        help="signing certificate chain (as for 'frameloom sign')")
    render.add_argument("--key", type=Path, metavar="KEY.pem", help="its private key")


def _with_default_command(argv: list[str]) -> list[str]:
    """Put ``open`` in front unless a command (or top-level help/version) is given."""
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    return ["open", *argv]


def _has_display() -> bool:
    """Whether Qt can open a window here; False where it would abort for lack of a display."""
    if not sys.platform.startswith("linux"):
        return True
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True  # offscreen, minimal, vnc, eglfs...: no display server needed
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _draws_offscreen() -> bool:
    """Whether Qt is asked to draw where nobody sees it (``QT_QPA_PLATFORM`` offscreen or
    minimal): a window opened there would wait, unseen, for a user who cannot close it."""
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    return platform in ("offscreen", "minimal")


def _open(path: Path) -> OpenedProject:
    from studio.document import persistence

    if not path.exists():
        raise CommandError(f"There is no file or folder at {path}.")
    return persistence.open_project(path)


def _cmd_sample(args: argparse.Namespace) -> int:
    from studio.document import persistence
    from studio.outline import frames_text
    from studio.sample import make_sample_project

    path = make_sample_project(args.folder)
    if args.take is not None:
        from studio.engine_link.takes import GenerationSetupError
        from studio.sample import add_sample_take

        try:
            add_sample_take(path, args.take)
        except GenerationSetupError as exc:
            raise CommandError(str(exc)) from None
    project = persistence.open_project(path).project
    items = sum(len(t.items) for t in project.timeline.tracks)
    print(f"Wrote the sample project {path}: {len(project.media)} media files, {items} timeline "
          f"entries, {frames_text(project.timeline.duration, project.rate)}.")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from studio.outline import summary

    if args.project.suffix.lower() != ".otio":
        print(summary(_open(args.project)))
        return 0
    from studio.document.persistence import OpenedProject, media_status
    from studio.render.cli import load_for_render

    project, folder = load_for_render(args.project)  # as `render` reads it
    report = project.metadata.get("otio_import", {})
    skipped = report.get("skipped", [])
    notes = [*report.get("notes", []), *([f"Not imported: {'; '.join(skipped)}."]
                                         if skipped else [])]
    print(summary(OpenedProject(project, args.project, message=" ".join(notes) or None,
                                media_status=media_status(project, folder))))
    return 0


def _cmd_export_otio(args: argparse.Namespace) -> int:
    from studio.outline import frames_text, rate_text
    from studio.render.cli import check_output
    from studio.render.licences import export_licences, restricted_note
    from studio.render.otio_export import export_otio

    out = check_output(args.output, (".otio",))
    opened = _open(args.project)
    export_otio(opened.project, opened.path, out)
    project = opened.project
    note = restricted_note(export_licences(project, opened.path.parent))
    if note:
        print(note)
    print(f"Wrote {out}: {len(project.timeline.tracks)} track(s), "
          f"{frames_text(project.timeline.duration, project.rate)} at {rate_text(project.rate)}.")
    return 0


def _cmd_install_desktop(args: argparse.Namespace) -> int:
    from studio.desktop import install, uninstall, xdg_data_home

    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise CommandError("install-desktop registers the launcher on Linux desktops; on "
                           "Windows and macOS build the bundle as packaging/README.md says.")
    data_home = xdg_data_home()
    if args.uninstall:
        removed = uninstall(data_home)
        print(f"Removed {' and '.join(map(str, removed))}." if removed else
              f"The Frameloom launcher is not installed in {data_home}; nothing to remove.")
        return 0
    entry, icon = install(data_home)
    print(f"Installed the Frameloom launcher {entry} and its icon {icon}.")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from studio.render.cli import render_command

    return render_command(args.project, args.output, codec=args.codec, crf=args.crf,
                          preset=args.preset, width=args.width, height=args.height, fps=args.fps,
                          sign=args.sign, cert=args.cert, key=args.key)


def _cmd_sign(args: argparse.Namespace) -> int:
    from studio.provenance.cli import sign_command

    return sign_command(args)


def _cmd_verify(args: argparse.Namespace) -> int:
    from studio.provenance.cli import verify_command

    return verify_command(args)


def _cmd_open(args: argparse.Namespace) -> int:
    opened = _open(args.project) if args.project is not None else None
    screenshot = args.screenshot
    unseen = args.screenshot_if_headless is not None and screenshot is None and _draws_offscreen()
    if not _has_display() or unseen:
        if args.screenshot_if_headless is None:
            raise CommandError(HEADLESS_HINT)
        from studio.render.cli import check_output

        screenshot = check_output(args.screenshot_if_headless, (".png",),
                                  "--screenshot-if-headless")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # asked for: draw the window without one
        print(f"frameloom: no display is available, so the window is drawn into {screenshot} "
              "instead.", file=sys.stderr)
    from studio.ui.window.launch import run

    return run(opened, screenshot=screenshot, engine=not args.no_engine)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``frameloom`` command line; returns the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    from studio.errors import StudioError

    try:
        args = _parser().parse_args(
            _with_default_command(list(sys.argv[1:] if argv is None else argv)))
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed them
        return exc.code if isinstance(exc.code, int) else 0
    handler = {"open": _cmd_open, "sample": _cmd_sample, "info": _cmd_info,
               "render": _cmd_render, "export-otio": _cmd_export_otio, "sign": _cmd_sign,
               "verify": _cmd_verify, "install-desktop": _cmd_install_desktop}[args.command]
    try:
        return handler(args)
    except (CommandError, StudioError) as exc:
        message = str(exc)
    except OSError as exc:
        message = _describe_os_error(exc)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    print(f"frameloom: {message}", file=sys.stderr)
    return EXIT_USAGE


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        return f"Cannot use {exc.filename}: {reason}."
    return f"{reason.rstrip('.')}."


if __name__ == "__main__":
    sys.exit(main())
