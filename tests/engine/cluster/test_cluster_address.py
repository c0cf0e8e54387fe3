"""``serve --cluster`` with an address no cluster answers at: one sentence and status 2, at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(("address", "sentence"), [
    ("127.0.0.1:1", "No Ray cluster answers at 127.0.0.1:1"),
    ("head-without-port", "The cluster address 'head-without-port' is not HOST:PORT"),
])
def test_a_cluster_that_does_not_answer_is_one_sentence(address: str, sentence: str,
                                                        tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "engine.cli", "serve", "--cluster", address],
                          env={**os.environ, "FRAMELOOM_HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and sentence in lines[0] and "Traceback" not in done.stderr
