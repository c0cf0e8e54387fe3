"""Exact time: integer frame counts at a rational frame rate, ranges, and timecode text."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import DocumentError

#: Common rates, so users never type 29.97 and get a float.
STANDARD_RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "48": Fraction(48),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}


def parse_rate(value: object) -> Fraction:
    """Read a frame rate from ``"24"``, ``"30000/1001"``, ``"29.97"``, an int or a Fraction.

    Raises
    ------
    DocumentError
        If the value is not a positive rate below 1000 fps.
    """
    if isinstance(value, bool):
        raise DocumentError(f"Frame rate {value!r} is not a number.")
    try:
        if isinstance(value, str) and value in STANDARD_RATES:
            rate = STANDARD_RATES[value]
        elif isinstance(value, str) and (len(value) > 40 or "e" in value.lower()):
            raise ValueError  # Fraction("1e999999999") would spend minutes building the number
        elif isinstance(value, (int, Fraction, str)):
            rate = Fraction(value)
        else:
            raise TypeError
    except (TypeError, ValueError, ZeroDivisionError):
        raise DocumentError(
            f"Frame rate {value!r} is not a number like 24 or 30000/1001.") from None
    if not 0 < rate < 1000:
        raise DocumentError(f"Frame rate {rate} fps is outside 0-1000 fps.")
    return rate


def format_rate(rate: Fraction) -> str:
    """``Fraction(30000, 1001)`` -> ``"30000/1001"``; ``Fraction(24)`` -> ``"24"``."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


@dataclass(frozen=True, slots=True)
class FrameRange:
    """A half-open range of frames ``[start, start + duration)``."""

    start: int
    duration: int

    def __post_init__(self) -> None:
        if type(self.start) is not int or type(self.duration) is not int:
            raise DocumentError("A frame range needs whole-number start and duration.")
        if self.duration < 0:
            raise DocumentError(f"A frame range cannot have a negative duration ({self.duration}).")

    @property
    def end(self) -> int:
        """First frame after the range."""
        return self.start + self.duration

    def contains(self, frame: int) -> bool:
        """Whether ``frame`` lies inside the range."""
        return self.start <= frame < self.end


def frames_to_timecode(frame: int, rate: Fraction) -> str:
    """Format a frame count as ``HH:MM:SS:FF`` (non-drop-frame, nominal rate rounded up)."""
    nominal = -(-rate.numerator // rate.denominator)  # ceil: 29.97 counts 30 frames a second
    sign = "-" if frame < 0 else ""
    frame = abs(frame)
    ff = frame % nominal
    seconds = frame // nominal
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:{ff:02d}"


def seconds_to_frames(seconds: float | Fraction, rate: Fraction) -> int:
    """Round a duration in seconds to the nearest whole frame at ``rate``."""
    return round(Fraction(seconds) * rate)
