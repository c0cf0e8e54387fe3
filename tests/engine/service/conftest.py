"""Fixtures: a real engine (``frameloom-engine serve``) per module, or one of a test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine_harness import Engine, link_tiny


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, tiny_ltx_dir: Path) -> Iterator[Engine]:
    """An engine shared by a module's tests (job ids must differ); faults enabled."""
    home = tmp_path_factory.mktemp("eng")
    link_tiny(home, tiny_ltx_dir)
    running = Engine(home).start()
    yield running
    running.kill_group()


@pytest.fixture
def own_engine(tmp_path_factory: pytest.TempPathFactory,
               tiny_ltx_dir: Path) -> Iterator[Engine]:
    """An engine of this test's own, not yet started, for tests that kill it."""
    home = tmp_path_factory.mktemp("eng")
    link_tiny(home, tiny_ltx_dir)
    created = Engine(home)
    yield created
    created.kill_group()
