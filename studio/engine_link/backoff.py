"""Exponential backoff: the wait before each retry, doubling from a first delay up to a cap."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Waits of ``initial``, twice that, four times... never more than ``maximum`` seconds.

    Used by the client's reconnects and the supervisor's restarts, so both back off alike.

    Parameters
    ----------
    initial
        The wait before the first retry, in seconds.
    maximum
        The longest wait, in seconds.
    """

    initial: float
    maximum: float

    def delay(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0 for the first retry), in seconds."""
        if retry < 0:
            raise ValueError(f"retry must be 0 or more, not {retry}")
        # Capping the exponent keeps a long-running count from overflowing the float.
        return min(self.initial * 2.0 ** min(retry, 64), self.maximum)
