"""Preview proxies in the window: built in the background for the project's clips, shown as
busy in the status bar, picked up by the viewer, stopped on close; failures are one sentence."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from studio.document import persistence
from studio.errors import MediaError
from studio.media import proxy
from studio.media.proxy import ProxyBuilder, find_proxy
from studio.ui.window.main_window import MainWindow
from studio.ui.window.prompts import Prompts


def _window(qtbot: QtBot, project: Path, builder: ProxyBuilder | None = None) -> MainWindow:
    window = MainWindow(persistence.open_project(project), proxies=builder,
                        prompts=Prompts(confirm_close=lambda _name: "discard"))
    qtbot.addWidget(window)
    return window


def _digest(window: MainWindow, media_id: str) -> str:
    return window.project.media[media_id].fingerprint.digest


def test_the_projects_clips_get_proxies_and_the_viewer_reads_them(
        qtbot: QtBot, sample_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, sample_project)
    ready: list[str] = []
    window.proxies.ready.connect(ready.append)
    qtbot.waitUntil(lambda: window.proxies.idle, timeout=30000)
    clips = {_digest(window, m) for m in ("media-clip-1", "media-clip-2")}
    assert all(find_proxy(d) is not None for d in clips)
    assert set(ready) <= clips and not window.status_bar.proxy_label.isVisible()
    used: list[Path] = []
    monkeypatch.setattr(proxy, "touch", used.append)
    window.timeline.set_playhead(200)  # clip 2
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 200, timeout=15000)
    assert find_proxy(_digest(window, "media-clip-2")) in used  # the clip at frame 200
    assert set(used) <= {find_proxy(d) for d in clips}
    window.close()


def test_an_imported_clip_is_built_while_the_status_bar_says_so(
        qtbot: QtBot, sample_project: Path, tmp_path: Path) -> None:
    gate = threading.Event()
    built: list[str] = []

    def gated(path: Path, key: str, *, stop: threading.Event) -> Path | None:
        gate.wait(30)
        built.append(key)
        return proxy.build_proxy(path, key, stop=stop)

    window = _window(qtbot, sample_project, ProxyBuilder(build=gated))
    window.show()
    qtbot.waitUntil(lambda: window.status_bar.proxy_label.isVisible(), timeout=15000)
    assert window.status_bar.proxy_label.text() == "Making preview proxies: 2 clips to go"
    gate.set()
    qtbot.waitUntil(lambda: window.proxies.idle, timeout=30000)
    assert not window.status_bar.proxy_label.isVisible() and len(built) == 2
    copy = Path(shutil.copy(sample_project.parent / "media" / "clip-1.mp4",
                            tmp_path / "again.mp4"))
    assert window.import_media([copy])  # the same content: its proxy is there already
    assert window.proxies.idle and len(built) == 2
    window.close()


def test_a_clip_whose_proxy_fails_is_one_sentence_and_still_plays(
        qtbot: QtBot, sample_project: Path) -> None:
    def broken(path: Path, key: str, *, stop: threading.Event) -> Path | None:
        raise MediaError(f"Cannot write the preview proxy of {path.name}: disk full.")

    window = _window(qtbot, sample_project, ProxyBuilder(build=broken))
    qtbot.waitUntil(lambda: window.proxies.idle, timeout=30000)
    assert window.statusBar().currentMessage() in {
        f"No preview proxy for {name}: cannot write the preview proxy of {name}: disk full; "
        "the viewer shows the original, which is slower to scrub."
        for name in ("clip-1.mp4", "clip-2.mp4")}
    window.timeline.set_playhead(200)
    qtbot.waitUntil(lambda: window.viewer.shown_frame == 200, timeout=15000)
    assert window.viewer.error == ""
    window.close()


def test_an_unexpected_failure_is_one_sentence_too(qtbot: QtBot, sample_project: Path) -> None:
    def buggy(path: Path, key: str, *, stop: threading.Event) -> Path | None:
        raise ValueError("codec parameters out of range")

    window = _window(qtbot, sample_project, ProxyBuilder(build=buggy))
    qtbot.waitUntil(lambda: window.proxies.idle, timeout=30000)
    assert window.statusBar().currentMessage().endswith(
        ": ValueError: codec parameters out of range; the viewer shows the original, which is "
        "slower to scrub.")
    window.close()


def test_offline_clips_wait_for_their_relink(qtbot: QtBot, sample_project: Path,
                                             tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (sample_project.parent / "media" / "clip-2.mp4").rename(moved / "clip-2.mp4")
    window = MainWindow(persistence.open_project(sample_project),
                        prompts=Prompts(confirm_close=lambda _name: "discard",
                                        search_folder=lambda: moved))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.proxies.idle, timeout=30000)
    digest = _digest(window, "media-clip-2")
    assert find_proxy(digest) is None
    window.action_set["relink"].trigger()
    qtbot.waitUntil(lambda: find_proxy(digest) is not None and window.proxies.idle,
                    timeout=30000)
    window.close()


def test_closing_the_window_abandons_a_long_build_at_once(qtbot: QtBot,
                                                          sample_project: Path) -> None:
    stopped = threading.Event()

    def endless(path: Path, key: str, *, stop: threading.Event) -> Path | None:
        while not stop.wait(0.01):  # a very long clip
            pass
        stopped.set()
        return None

    window = _window(qtbot, sample_project, ProxyBuilder(build=endless))
    qtbot.waitUntil(lambda: not window.proxies.idle, timeout=15000)
    began = time.monotonic()
    window.close()
    assert stopped.wait(5) and time.monotonic() - began < 5
