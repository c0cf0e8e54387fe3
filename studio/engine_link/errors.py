"""Errors of the engine link: an engine's refusal, and an engine that cannot be reached."""

from __future__ import annotations

from studio.errors import StudioError


class EngineError(StudioError):
    """The engine answered a request with an error, or could not be asked at all.

    Parameters
    ----------
    code
        The engine's machine-readable code (``unknown_job``, ``bad_request`` ...) or one of the
        link's own (``not_running``, ``unauthorized``, ``disconnected``, ``gave_up`` ...).
    message
        One sentence saying what happened.
    hint
        One sentence saying what to do, or None.
    """

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        self.code = code
        self.message = message
        self.hint = hint
        super().__init__(" ".join(part for part in (message, hint) if part))


class EngineUnavailable(EngineError):
    """The engine cannot be reached: not running, refusing the token, gone, or given up on."""
