"""The engine's log: stderr kept on disk, and kept on when the console's reader is gone."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from engine.service import log


class _GoneConsole(io.StringIO):
    """A stderr whose reader went away, as a killed studio's pipe: every write fails."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_the_log_goes_on_when_the_console_is_gone(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAMELOOM_HOME", str(tmp_path))
    console = io.StringIO()
    monkeypatch.setattr(sys, "stderr", console)
    path = log.tee_stderr()
    print("serving", file=sys.stderr)
    assert console.getvalue() == "serving\n"
    monkeypatch.setattr(sys.stderr, "_console", _GoneConsole())
    print("process 7 is gone; stopping.", file=sys.stderr, flush=True)  # no BrokenPipeError
    print("stopped", file=sys.stderr)
    sys.stderr._file.close()  # type: ignore[attr-defined]
    assert path.read_text() == "serving\nprocess 7 is gone; stopping.\nstopped\n"
