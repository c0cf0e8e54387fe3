"""A shot's fast paths (attention backend, regional compilation) in the document and its job."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.document import edits, serialize
from studio.document.errors import EditError
from studio.document.model import GeneratedSpec, Project
from studio.engine_link.takes import request_for


def test_fast_paths_are_saved_when_set_and_sent_with_the_job(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    spec: GeneratedSpec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    encoded = serialize.encode(spec)
    assert "attention" not in encoded and "compile" not in encoded  # older files as before
    request, _ = request_for(project, folder, "shot-1")
    assert (request.attention, request.compile) == ("native", False)
    edits.set_spec(project, "shot-1", attention="math", compile=True)
    spec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    assert serialize.decode(serialize.encode(spec), GeneratedSpec) == spec
    request, _ = request_for(project, folder, "shot-1")
    assert (request.attention, request.compile) == ("math", True)
    with pytest.raises(EditError, match="Attention must be one of native, math, cudnn, flash, "
                                        "sage, not 'warp'"):
        edits.set_spec(project, "shot-1", attention="warp")


def test_drift_retries_are_saved_when_set_and_sent_with_the_job(
        opened: tuple[Project, Path]) -> None:
    project, folder = opened
    spec: GeneratedSpec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    assert "drift_retries" not in serialize.encode(spec)  # older files as before
    assert request_for(project, folder, "shot-1")[1].retries is None
    edits.set_spec(project, "shot-1", drift_retries=3)
    spec = project.find("shot-1")[2].generation.spec  # type: ignore[union-attr]
    assert serialize.encode(spec)["drift_retries"] == 3
    assert serialize.decode(serialize.encode(spec), GeneratedSpec) == spec
    assert request_for(project, folder, "shot-1")[1].retries == 3
    with pytest.raises(EditError, match="between 0 and 8, not 9"):
        edits.set_spec(project, "shot-1", drift_retries=9)
