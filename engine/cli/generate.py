"""``frameloom-engine generate``: run one request or one planned operation in-process, to MP4s."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.cli import exits
from engine.cli.progress import StepBar
from engine.protocol.requests import GenerationRequest, RequestError
from engine.worker.faults import Faults

if TYPE_CHECKING:
    from engine.operations.planner import Operation
    from engine.protocol.requests import FrameRange, OperationSpec

_OPERATION_FLAGS = (("extend_forward", "--extend-forward"),
                    ("extend_backward", "--extend-backward"), ("bridge", "--bridge"),
                    ("loop", "--loop"), ("retake", "--retake"))


def add_generate_flags(parser: argparse.ArgumentParser, *, queued: bool = False) -> None:
    """Flags of ``generate`` beyond the request's own: operations, long shots, the joined file.

    With ``queued`` (for ``submit``) only the operation flags: the engine writes both files.
    """
    group = parser.add_argument_group(
        "operations", "with any of these, -o is the take (the new frames only) and --frames or "
        "--duration its exact length")
    group.add_argument("--extend-forward", metavar="CLIP", help="continue CLIP past its end")
    group.add_argument("--extend-backward", metavar="CLIP", help="lead into CLIP's first frame")
    group.add_argument("--bridge", nargs=2, metavar=("CLIP_A", "CLIP_B"),
                       help="make the frames between CLIP_A's end and CLIP_B's start")
    group.add_argument("--loop", metavar="CLIP", help="make the frames that loop CLIP's end "
                       "back to its start")
    group.add_argument("--retake", metavar="CLIP", help="make CLIP's frames START to END-1 "
                       "(--range) again, pinned to the frames on both sides; --joined is CLIP "
                       "with them in place, every other frame exactly as it was")
    group.add_argument("--range", dest="span", metavar="START:END",
                       help="the frames --retake makes again (END excluded)")
    group.add_argument("--duration", type=float, metavar="SECONDS",
                       help="the take's length; past one window it becomes a long shot")
    group.add_argument("--prompt-at", action="append", default=[], metavar="SECONDS:TEXT",
                       help="from SECONDS into the take, prompt TEXT; --prompt holds until "
                            "the first of them (windows are split where the prompt changes); "
                            "repeatable")
    if not queued:
        group.add_argument("--joined", metavar="OUT2", help="also write the source clips and "
                           "the take joined in time order")
    group.add_argument("--context", type=int, metavar="FRAMES", help="frames pinned from a "
                       "clip or from the previous window (default: one latent chunk plus one)")
    group.add_argument("--window", type=int, metavar="FRAMES", help="longest request of a "
                       "long shot (default: the model's own window, else its longest shot)")
    group.add_argument("--drift-retries", type=int, metavar="N", help="the most times a long "
                       "shot's window whose colour drifts more than 3 Delta E from the first is "
                       "made again with another seed, keeping the least drifted (default 2; 0 "
                       "never)")
    if queued:
        return
    parser.add_argument("--from", dest="from_take", metavar="TAKE.mp4",
                        help="make a take again from the settings it records (the request flags "
                             "are then not needed); -o and --joined say where to write it")
    parser.add_argument("--final", action="store_true",
                        help="with --from DRAFT.mp4: make the draft's final, its recorded "
                             "settings at full size and steps with the same seed")


def source_size(path: str, multiple: int) -> tuple[int, int]:
    """A clip's frame size rounded to the nearest multiple of ``multiple`` (at least one).

    Prints a note on stderr when it rounds, since the take will then be rescaled against it.

    Raises
    ------
    UsageError
        If the clip cannot be opened as a video.
    """
    import av

    from engine.cli.main import UsageError

    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
    except (OSError, av.FFmpegError, IndexError):
        raise UsageError(f"The clip {path} cannot be read as a video.") from None
    fitted = tuple(max(multiple, round(v / multiple) * multiple) for v in (width, height))
    if fitted != (width, height):
        print(f"frameloom-engine: note: the take is {fitted[0]}x{fitted[1]}: {Path(path).name}'s "
              f"{width}x{height} rounded to multiples of {multiple}.", file=sys.stderr)
    return fitted[0], fitted[1]


def source_rate(path: str) -> int | None:
    """A clip's frame rate as a whole number of frames a second; None when it does not say.

    Prints a note on stderr when it rounds (29.97 becomes 30), since the joined file then plays
    the clip's frames at the take's rate.
    """
    import av

    from engine.operations.runner import clip_rate

    try:
        rate = clip_rate(path)
    except (OSError, IndexError, ValueError, av.FFmpegError):
        return None  # the clip's size was read already; the operation says what is wrong
    if not rate:
        return None
    whole = max(1, round(rate))
    if abs(whole - rate) > 0.01:
        print(f"frameloom-engine: note: the take plays at {whole} fps: {Path(path).name}'s "
              f"{rate:.3f} fps rounded.", file=sys.stderr)
    return whole


def run_generate(args: argparse.Namespace, request: GenerationRequest | None) -> int:
    """Run ``frameloom-engine generate`` for parsed arguments and the request they describe.

    Without operation flags this is one request, as the worker runs it; with them the request is
    planned (:mod:`engine.operations.planner`) and run window by window
    (:mod:`engine.operations.runner`). With
    ``--from`` the request (and operation) come from a take's recorded settings instead.
    """
    if args.from_take:
        return run_from(Path(args.from_take), args.output, args.joined, final=args.final)
    if args.final:
        from engine.cli.main import UsageError

        raise UsageError("--final goes with --from DRAFT.mp4, the draft take to make final.")
    assert request is not None
    if not wants_operation(args, request):
        return generate_here(request, args.output)
    from engine.models.installed import ModelError, find_model

    try:
        info = find_model(request.model_id)
    except ModelError as exc:
        print(f"frameloom-engine: {exc}", file=sys.stderr)
        return exits.USAGE
    fps = info.constraints.fps or request.fps
    return run_operation(request, operation_from_args(args, request, fps), args.output,
                         args.joined)


def wants_operation(args: argparse.Namespace, request: GenerationRequest | None = None) -> bool:
    """Whether the flags ask for an operation (or a long shot) rather than one request; also
    when ``request`` is longer than its model's window (:func:`past_window`)."""
    return bool(any(getattr(args, name) for name, _ in _OPERATION_FLAGS) or any(
        getattr(args, name, None) is not None
        for name in ("duration", "joined", "context", "window", "span", "drift_retries"))
        or args.prompt_at) \
        or (request is not None and past_window(request))


def past_window(request: GenerationRequest) -> bool:
    """Whether ``request`` is longer than the window its model chains long shots in.

    Only a model that names its window (frameloom-mini: 49 frames, about twice the clips it was
    trained on) has one shorter than its longest request; made in one window, a longer shot
    holds its objects still (docs/BENCHMARKS.md), so the command line makes it as a long shot
    instead and says so on stderr. A model that cannot be found is left to the request's own
    check, which says so.
    """
    from engine.models.installed import ModelError, find_model

    try:
        window = find_model(request.model_id).constraints.window
    except ModelError:
        return False
    if window is None or request.frames <= window:
        return False
    print(f"frameloom-engine: note: {request.frames} frames is longer than "
          f"{request.model_id}'s {window}-frame window, so the shot is made in windows of "
          f"{window} chained into one take (--window sets another).", file=sys.stderr)
    return True


def operation_spec_from_args(args: argparse.Namespace,
                             request: GenerationRequest) -> OperationSpec | None:
    """The operation the flags describe, as the protocol carries it (None for one request).

    Raises
    ------
    RequestError
        For bad combinations or values, or a model that is not installed (its fps is needed).
    """
    if not wants_operation(args, request):
        return None
    from engine.models.installed import ModelError, find_model
    from engine.protocol.requests import FrameRange, OperationSpec, TimedPrompt

    try:
        fps = find_model(request.model_id).constraints.fps or request.fps
    except ModelError as exc:
        raise RequestError(str(exc)) from None
    op = operation_from_args(args, request, fps)
    return OperationSpec(kind=op.kind, frames=op.frames, clips=tuple(c.path for c in op.clips),
                         context=op.context, window=op.window, retries=op.retries,
                         ranges=tuple(FrameRange(c.start, c.frames) for c in op.clips)
                         if any(c.start for c in op.clips) else (),
                         cues=tuple(TimedPrompt(c.frame, c.prompt) for c in op.cues),
                         span=op.span)


def run_from(take: Path, output: str | None, joined: str | None, *, final: bool = False) -> int:
    """Make a take again from the settings recorded in its file (see :mod:`engine.output.record`).

    With ``final`` the take must be a draft, and its final is made instead: the same recorded
    request without ``draft`` (:func:`engine.protocol.drafts.final_job`).

    Returns
    -------
    int
        As :func:`generate_here`; 2 also when the file cannot be read or records no settings.
    """
    import av

    from engine.models.installed import ModelError, find_model
    from engine.output.record import changes_since, request_from_settings
    from engine.output.video import read_settings
    from engine.protocol.drafts import final_job

    try:
        settings = read_settings(take)
        planned = "windows" in settings
        request = request_from_settings(settings.get("base", {}) if planned else settings)
        if final:
            request = final_job(settings)[0]
        folder = find_model(request.model_id).path
    except (OSError, av.FFmpegError) as exc:
        print(f"frameloom-engine: The take {take} cannot be read ({exc}).", file=sys.stderr)
        return exits.USAGE
    except (RequestError, ModelError) as exc:
        print(f"frameloom-engine: {take} cannot be made again: {exc}", file=sys.stderr)
        return exits.USAGE
    for note in changes_since(settings, request, folder):
        print(f"note: the result may differ from the take: {note}.", file=sys.stderr)
    if not planned:
        return generate_here(request, output)
    from engine.operations.planner import Cue, Operation
    from engine.operations.runner import clips_in
    from engine.protocol.requests import FrameRange

    spec = settings.get("spec") or {}
    try:
        ranges = [(int(start), int(frames)) for start, frames in spec.get("ranges", [])]
        operation = Operation(
            kind=spec["kind"], frames=int(spec["frames"]),
            clips=clips_in(spec.get("clips", []), ranges),
            context=spec.get("context"), window=spec.get("window"),
            retries=spec.get("retries"),
            cues=tuple(Cue(int(frame), str(text)) for frame, text in spec.get("cues", [])),
            span=FrameRange(*spec["span"]) if spec.get("span") else None)
    except (KeyError, TypeError, ValueError) as exc:
        print(f"frameloom-engine: {take} does not record its operation fully ({exc}), so it "
              "cannot be made again.", file=sys.stderr)
        return exits.USAGE
    return run_operation(request, operation, output, joined)


def operation_from_args(args: argparse.Namespace, request: GenerationRequest,
                        fps: int) -> Operation:
    """The operation the flags describe; raises PlanError for bad combinations."""
    from engine.operations.planner import Cue, Operation, PlanError
    from engine.operations.runner import probe_clip

    chosen = [(name, flag) for name, flag in _OPERATION_FLAGS if getattr(args, name)]
    if len(chosen) > 1:
        raise PlanError(f"Use one operation at a time, not {' and '.join(f for _, f in chosen)}.")
    kind = chosen[0][0] if chosen else "shot"
    value = getattr(args, kind) if chosen else None
    paths = value if isinstance(value, list) else [value] if value else []
    if args.duration is not None and not 0 < args.duration <= 3600:
        raise PlanError(f"--duration must be more than 0 and at most 3600 seconds, "
                        f"got {args.duration}.")
    frames = round(args.duration * fps) if args.duration is not None else request.frames
    span = _span(args.span, kind) if kind == "retake" or args.span else None
    if span is not None:
        frames = span.frames
    cues = []
    for text in args.prompt_at:
        seconds, colon, prompt = text.partition(":")
        try:
            at = float(seconds)
        except ValueError:
            at = -1.0
        if not colon or at < 0 or not prompt.strip():
            raise PlanError(f"--prompt-at {text!r} is not SECONDS:TEXT with SECONDS >= 0.")
        cue = Cue(round(at * fps), prompt.strip())
        if cue.frame >= frames:
            raise PlanError(f"--prompt-at {text!r} starts at {at:g} s, past the end of the "
                            f"{frames / fps:g} s take; give a time before it.")
        cues.append(cue)
    return Operation(kind, frames, tuple(probe_clip(p) for p in paths), args.context,
                     args.window, tuple(cues), span, args.drift_retries)


def _span(text: str | None, kind: str) -> FrameRange:
    """``--range START:END`` as the frames it names; raises PlanError in one sentence."""
    from engine.operations.planner import PlanError
    from engine.protocol.requests import FrameRange

    if kind != "retake":
        raise PlanError("--range goes with --retake CLIP; add it, or drop --range.")
    start, colon, end = (text or "").partition(":")
    if not (colon and start.strip().isdigit() and end.strip().isdigit()
            and int(start) < int(end)):
        raise PlanError(f"--retake needs --range START:END with START < END in frames, such "
                        f"as --range 24:48, got {text!r}.")
    return FrameRange(int(start), int(end) - int(start))


def run_operation(request: GenerationRequest, operation: Operation, output: str | None,
                  joined: str | None) -> int:
    """Plan and run ``operation``; prints the take's path (and the joined one's when asked).

    Returns
    -------
    int
        0 when the files are written, 1 when generation failed, 2 when the request was refused
        (its sentence on stderr).

    Raises
    ------
    OutputPathError
        Before anything runs, if ``output`` or ``joined`` cannot be written.
    """
    from engine.backends import BackendError
    from engine.models.installed import ModelError, find_model
    from engine.operations.planner import make_plan
    from engine.operations.runner import clip_rate, replay_settings, run_plan, write_outputs
    from engine.output.video import OutputError
    from engine.policy import refusal

    # The same policy as every engine job, for the base prompt and each timed prompt.
    for prompt in (request.prompt, *(cue.prompt for cue in operation.cues)):
        refused = refusal(prompt, request.negative_prompt)
        if refused is not None:
            _, message, hint = refused
            print(f"frameloom-engine: {message} {hint}", file=sys.stderr)
            return exits.USAGE

    target = exits.check_output(output) if output else exits.default_output(request.seed)
    joined_path = exits.check_output(joined, "--joined") if joined else None
    with tempfile.TemporaryDirectory(prefix="frameloom-plan-") as scratch:
        plan = make_plan(request, find_model(request.model_id).constraints, operation,
                         Path(scratch))
        started = time.perf_counter()
        bar = StepBar()

        def on_step(window: int, windows: int, step: int, total: int, _: Any) -> None:
            done = window * total + step
            eta = (time.perf_counter() - started) / done * (windows * total - done)
            label = f"window {window + 1}/{windows}" if windows > 1 else ""
            bar.update(step, total, eta, label)

        try:
            mended: dict[str, float] = {}
            take = run_plan(plan, on_step, mended=mended)
            written, seams = write_outputs(plan, take, target, joined_path,
                                           replay_settings(request, operation), mended=mended)
        except BackendError as exc:
            bar.close()
            print(f"frameloom-engine: {exc.message} {exits.run_words(exc.hint or '')}".rstrip(),
                  file=sys.stderr)
            return exits.status_for(exc.code)
        except ModelError as exc:
            bar.close()
            print(f"frameloom-engine: {exc}", file=sys.stderr)
            return exits.USAGE
        except OutputError as exc:
            bar.close()
            print(f"frameloom-engine: {exc}", file=sys.stderr)
            return exits.FAILED
    bar.close()
    fps = plan.windows[0].request.fps
    notes = [*plan.notes, *(f"the clip {clip.path} plays at {rate:g} fps, not {fps}; the joined "
                            "file shows its frames at the take's rate."
                            for clip in plan.clips
                            if (rate := clip_rate(clip.path)) and abs(rate - fps) > 0.01)]
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    for line in seam_report(seams):
        print(line, file=sys.stderr)
    for path in written:
        print(path)
    return 0


def seam_report(seams: dict[str, Any]) -> list[str]:
    """What the command line prints of a take's seam record
    (:func:`engine.operations.runner.write_outputs`): a line per join, then a note per end of
    the take colour-matched again and per window of a long shot made again for its drift."""
    lines = [f"seam: {' -> '.join(join['between'])} at frame {join['at']}: jump "
             f"{join['jump']:.2f}x the median change, colour {join['delta_e']:.2f} Delta E "
             f"({join['delta_e_first']:.2f} from the start)"
             f"{'; visible' if join.get('visible') else ''}" for join in seams["joins"]]
    lines += [f"note: the take's {end} was colour-matched again to the clip it meets."
              for end in seams.get("matched", [])]
    lines += [f"note: {name.removesuffix(' made again')} drifted in colour and was made again "
              f"{tries:.0f} time{'s' if tries != 1 else ''} with another seed."
              for name, tries in seams.get("mended", {}).items() if name.endswith(" made again")]
    return lines


def generate_here(request: GenerationRequest, output: str | None) -> int:
    """Generate ``request`` with the same code the worker runs; prints the output path.

    Returns
    -------
    int
        0 when the MP4 is written, 1 when the job failed, 2 when its request or files were
        refused (its sentence and hint on stderr).

    Raises
    ------
    OutputPathError
        Before anything runs, if ``output`` cannot be written.
    """
    from engine.worker.child import Worker

    target = exits.check_output(output) if output else exits.default_output(request.seed)
    outcome: dict[str, Any] = {}
    bar = StepBar()

    def report(message: dict[str, Any]) -> None:
        kind = message["ev"]
        if kind == "progress":
            bar.update(message["step"], message["total"], message["eta_s"])
        elif kind in ("done", "failed", "cancelled"):
            outcome.update(message)

    worker = Worker(report, Faults.from_env())
    worker.run({"job_id": "generate", "request": request.to_dict(), "output": str(target),
                "preview_every_s": float("inf")})
    bar.close()
    if outcome.get("ev") != "done":
        message = exits.flag_words(outcome.get("message", "The job did not finish."))
        hint = exits.run_words(outcome.get("hint") or "")
        print(f"frameloom-engine: {message} {hint}".rstrip(), file=sys.stderr)
        return exits.status_for(outcome.get("code"))
    for note in outcome["settings"].get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    print(target)
    return 0
