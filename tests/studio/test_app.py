"""The ``frameloom`` command: version and help without Qt, sample, info, and one-sentence errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio import __version__, app
from studio.document import edits, persistence

REPO = Path(__file__).resolve().parents[2]


def _python(code: str, *args: str,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env=env)


def _one_sentence_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("frameloom: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_neither_qt_nor_torch(flag: str) -> None:
    result = _python(
        "import sys; from studio.app import main; code = main([sys.argv[1]]); "
        "heavy = sorted({'PySide6', 'torch', 'diffusers', 'av', 'cv2'} & set(sys.modules)); "
        "print('heavy:', heavy); sys.exit(code)", flag)
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout
    if flag == "--version":
        assert f"frameloom {__version__}" in result.stdout
    else:
        assert all(word in result.stdout for word in ("sample", "info", "--screenshot"))


def test_sample_then_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["sample", str(tmp_path / "demo")]) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and "Sample.frameloom" in line and "00:00:09:00" in line
    assert app.main(["info", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "512x288, 24 fps, 00:00:09:00 (216 frames)" in out
    assert "00:00:03:12  shot" in out and '"a red circle moves right' in out
    assert "crossfade" in out and "gap" in out
    assert out.count("online") == 4 and "Read-only" not in out and "autosave" not in out


def test_info_notes_offline_media_read_only_and_recovery(
        sample_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_project.parent / "media" / "clip-2.mp4").unlink()
    project = persistence.load_project(sample_project)
    edits.set_project(project, name="Sample, edited")
    persistence.autosave(project, sample_project)
    assert app.main(["info", str(sample_project)]) == 0
    out = capsys.readouterr().out
    assert "Clip 2  [offline]" in out and "offline  clip   clip-2.mp4" in out
    assert "An autosave newer than this file exists" in out

    data = json.loads(sample_project.read_text())
    data["schema_version"] = 99
    sample_project.write_text(json.dumps(data))
    assert app.main(["info", str(sample_project)]) == 0
    assert "Read-only: This project was saved by a newer Frameloom" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["info", "open"])
def test_missing_project_is_one_sentence(command: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main([command, str(tmp_path / "nope.frameloom")]) == 2
    assert "There is no file or folder at" in _one_sentence_error(capsys)


def test_malformed_project_is_one_sentence(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.frameloom"
    bad.write_text('{"schema_version": 1, "project": {')
    assert app.main(["info", str(bad)]) == 2
    assert f"Cannot open {bad}" in _one_sentence_error(capsys)
    assert app.main([str(bad)]) == 2  # "open" is the default command
    _one_sentence_error(capsys)


def test_folder_without_project_is_one_sentence(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert app.main(["info", str(tmp_path)]) == 2
    assert "holds no .frameloom project file" in _one_sentence_error(capsys)


def test_sample_into_a_file_is_one_sentence(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert app.main(["sample", str(blocker)]) == 2
    assert str(blocker) in _one_sentence_error(capsys)


def test_no_display_is_one_sentence_without_qt(sample_project: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux can lack a display server")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = _python("import sys; from studio.app import main; code = main(sys.argv[1:]); "
                     "assert 'PySide6' not in sys.modules; sys.exit(code)",
                     str(sample_project), env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("frameloom: No display is available")
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr and result.stderr.count("\n") == 1


def _no_display_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_no_display_with_screenshot_if_headless_draws_the_window(sample_project: Path,
                                                                 tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux can lack a display server")
    (tmp_path / "shots").mkdir()
    shot = tmp_path / "shots" / "window.png"
    result = subprocess.run([sys.executable, "-m", "studio.app", str(sample_project.parent),
                             "--no-engine", "--screenshot-if-headless", str(shot)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, env=_no_display_env())
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"frameloom: no display is available, so the window is "
                                    f"drawn into {shot} instead.")
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # Not the offscreen screen's cramped 800 x 800: the size a desktop would show it at.
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1600, 1000)
    assert [p.name for p in shot.parent.iterdir()] == ["window.png"]


@pytest.mark.parametrize("platform", ["offscreen", "minimal"])
def test_screenshot_if_headless_draws_the_window_where_qt_draws_unseen(
        sample_project: Path, tmp_path: Path, platform: str) -> None:
    # QT_QPA_PLATFORM=offscreen counts as a display Qt can open, but nobody sees it: the window
    # used to open there and wait forever for a user who could not close it.
    shot = tmp_path / "window.png"
    env = {**_no_display_env(), "QT_QPA_PLATFORM": platform, "DISPLAY": ":99"}
    result = subprocess.run([sys.executable, "-m", "studio.app", str(sample_project.parent),
                             "--no-engine", "--screenshot-if-headless", str(shot)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "the window is drawn into" in result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_screenshot_if_headless_into_a_folder_is_refused_before_qt(sample_project: Path,
                                                                   tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux can lack a display server")
    (tmp_path / "shots").mkdir()
    result = _python("import sys; from studio.app import main; code = main(sys.argv[1:]); "
                     "assert 'PySide6' not in sys.modules; sys.exit(code)",
                     str(sample_project), "--screenshot-if-headless", str(tmp_path / "shots"),
                     env=_no_display_env())
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"frameloom: --screenshot-if-headless {tmp_path / 'shots'} is a "
                             f"folder; name a file in it, such as "
                             f"{tmp_path / 'shots' / 'out.png'}.\n")
    assert list((tmp_path / "shots").iterdir()) == []


def test_unreachable_display_is_one_line_not_a_qt_abort(sample_project: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("X11 displays are a Linux matter here")
    env = {k: v for k, v in os.environ.items()
           if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")}
    env["DISPLAY"] = ":7391"  # no X server listens there
    result = subprocess.run([sys.executable, "-m", "studio.app", str(sample_project)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("frameloom: Qt could not start a window system here")
    assert result.stderr.count("\n") == 1 and "QT_QPA_PLATFORM=offscreen" in result.stderr


def test_screenshot_renders_the_window(sample_project: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "studio.app", str(sample_project.parent),
                             "--screenshot", str(shot)], cwd=REPO, capture_output=True,
                            text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import cv2

    height, width = cv2.imread(str(shot)).shape[:2]
    # Offscreen (no screen a desktop would have: Qt's is 800x800), the window is drawn at
    # launch.OFFSCREEN_SIZE rather than at 80% of that screen.
    assert (width, height) == (1600, 1000)
    # The studio started its engine, and stopped it when the window closed.
    home = Path(os.environ["FRAMELOOM_HOME"])
    assert "serving on" in (home / "data" / "engine.log").read_text()
    assert not (home / "runtime" / "engine.sock").exists()


def test_sigterm_closes_the_studio_and_its_engine_and_a_killed_studio_leaves_none(
        sample_project: Path) -> None:
    # SIGTERM (a logout, `kill`) closes the window as closing it does, asking nothing, and
    # stops the engine it started; a studio killed outright leaves no engine behind either
    # (the engine watches the studio's process: serve --parent-pid).
    import signal
    import time

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    socket = Path(os.environ["FRAMELOOM_HOME"]) / "runtime" / "engine.sock"

    def studio() -> subprocess.Popen[str]:
        process = subprocess.Popen([sys.executable, "-m", "studio.app", str(sample_project)],
                                   cwd=REPO, env=env, text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while not socket.exists():  # the engine it started is serving
            assert process.poll() is None and time.monotonic() < deadline, process.stderr
            time.sleep(0.2)
        return process

    process = studio()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr and not socket.exists()

    process = studio()
    process.kill()
    process.communicate(timeout=10)
    deadline = time.monotonic() + 30
    while socket.exists():
        assert time.monotonic() < deadline, "the engine outlived the studio that started it"
        time.sleep(0.2)


def test_no_engine_opens_an_editor_only(sample_project: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "studio.app", str(sample_project),
                             "--no-engine", "--screenshot", str(shot)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert shot.stat().st_size > 0
    assert not (Path(os.environ["FRAMELOOM_HOME"]) / "data" / "engine.log").exists()
