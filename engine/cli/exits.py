"""``frameloom-engine``'s exit statuses, its wording of request errors, and its output paths.

The statuses are the README's table, shared with ``frameloom`` (``studio/app.py``): 0 done,
1 the work itself failed after it started, 2 a usage or input error (nothing was started),
3 the engine is not running, 130 interrupted.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

DONE, FAILED, USAGE, NO_ENGINE, INTERRUPTED = 0, 1, 2, 3, 130

# Failure codes (the engine's refusals, the worker's and the backends') that mean the request
# or its files were wrong, not the run: the same exit status as a bad flag.
_INPUT_CODES = frozenset({
    "bad_request", "unknown_model", "missing_media", "bad_pin", "unsupported_pins",
    "prompt_refused", "prompt_policy_invalid", "unknown_job", "cannot_cancel", "job_conflict",
    "wrong_family", "unknown_family", "unsupported_pipeline", "missing_files",
    "not_safetensors", "unsupported_size", "unknown_lora", "bad_lora", "unsupported_lora",
    "unsupported_attention", "unsupported_compile", "unsupported_profile"})

_FLAGS = {"model_id": "--model", "negative_prompt": "--negative", "prompt": "--prompt",
          "width": "--width", "height": "--height", "frames": "--frames", "fps": "--fps",
          "seed": "--seed", "steps": "--steps", "guidance": "--guidance", "pins": "--pin",
          "draft": "--draft", "attention": "--attention",
          "compile": "--compile", "profile": "--memory-profile"}
_PIN_PARTS = {"target_frame": "FRAME", "frame_start": "START", "frame_count": "COUNT",
              "path": "PATH"}


def status_for(code: str | None) -> int:
    """The exit status of a failure with this engine code: USAGE for input, else FAILED."""
    return USAGE if code in _INPUT_CODES else FAILED


def flag_words(message: str) -> str:
    """A request error in the command line's words: ``pins[0].target_frame`` is ``--pin #1's
    FRAME``, and a leading field name is its flag (``steps must be...`` is ``--steps must``)."""
    def pin(match: re.Match[str]) -> str:
        part = _PIN_PARTS.get(match.group(2) or "", match.group(2))
        name = f"--pin #{int(match.group(1)) + 1}"
        return f"{name}'s {part}" if part else name

    message = re.sub(r"\bpins\[(\d+)\](?:\.(\w+))?", pin, message)
    field = re.match(r"(\w+)(?= )", message)
    if field and field.group(1) in _FLAGS:
        message = _FLAGS[field.group(1)] + message[field.end():]
    return message


def run_words(text: str) -> str:
    """An engine hint for a job run in this process, where nothing is submitted."""
    return (text.replace("then submit the job again", "then run the command again")
            .replace("submit it again", "run it again").replace("then submit again",
                                                                 "then run the command again"))


class OutputPathError(Exception):
    """An output path that cannot be written; one sentence."""


def check_output(path: str | os.PathLike[str], flag: str = "-o") -> Path:
    """``path`` (absolute) if an MP4 can be written there, checked before anything runs.

    Raises
    ------
    OutputPathError
        If it is a folder, or its folder is missing (never created) or not writable.
    """
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise OutputPathError(f"{flag} {path} is a folder; name a file in it, such as "
                              f"{target / 'take.mp4'}.")
    if not target.parent.is_dir():
        raise OutputPathError(f"The output folder {target.parent} does not exist; create it "
                              "first.")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise OutputPathError(f"The output folder {target.parent} is not writable; pick "
                              f"another {flag}.")
    return target


def default_output(seed: int, folder: Path | None = None) -> Path:
    """``frameloom-<seed>.mp4`` in ``folder`` (the working folder), or ``-2``, ``-3``... after
    it: the first name not taken, so a second run never overwrites the first one's take."""
    folder = Path.cwd() if folder is None else folder
    target, n = folder / f"frameloom-{seed}.mp4", 1
    while target.exists():
        n += 1
        target = folder / f"frameloom-{seed}-{n}.mp4"
    return check_output(target)
