"""Fixtures of the document tests: the golden project saved to a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from document_factory import golden_project
from studio.document.model import Project
from studio.document.persistence import save_project


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Project, Path]:
    """The golden project and the file it was just saved to, in a folder of its own."""
    project = golden_project()
    return project, save_project(project, tmp_path / "Golden v1")
