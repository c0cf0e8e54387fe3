"""The one backoff schedule the client's reconnects and the supervisor's restarts share."""

from __future__ import annotations

import pytest

from studio.engine_link.backoff import Backoff


def test_delays_double_from_the_first_up_to_the_cap() -> None:
    backoff = Backoff(0.5, 3.0)
    assert [backoff.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_a_huge_retry_count_stays_at_the_cap() -> None:
    assert Backoff(0.2, 2.0).delay(10_000) == 2.0


def test_a_negative_retry_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        Backoff(0.2, 2.0).delay(-1)
