"""Fixtures of the engine-link tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.document import persistence
from studio.document.model import Project


@pytest.fixture
def opened(sample_project: Path) -> tuple[Project, Path]:
    """The sample project, opened, and its folder."""
    return persistence.open_project(sample_project).project, sample_project.parent
