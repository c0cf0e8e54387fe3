"""Preview proxies: which clips get one, building them in the background, stopping, pruning."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from studio import paths
from studio.document.fingerprint import fingerprint_file
from studio.errors import MediaError
from studio.media import proxy
from studio.media.probe import probe_clip
from studio.media.proxy import ProxyBuilder, build_proxy, find_proxy, prune, wants_proxy
from studio.media.reader import open_reader
from studio.sample import read_frame_code


@pytest.fixture
def builder():
    made = ProxyBuilder()
    yield made
    made.shutdown(wait=True)


@pytest.mark.parametrize(("name", "wanted"), [
    ("cfr.mp4", True),  # a keyframe every 12 frames: a random frame is up to 11 decodes away
    ("prores.mov", False),  # every frame a keyframe, and smaller than a proxy
    ("one-frame.mp4", False),
])
def test_which_clips_want_a_proxy(media: dict[str, Path], name: str, wanted: bool) -> None:
    assert wants_proxy(*probe_clip(media[name])) is wanted


def test_a_clip_bigger_than_a_proxy_wants_one(media: dict[str, Path]) -> None:
    info, index = probe_clip(media["prores.mov"])
    assert wants_proxy(info, index, longest=160)


def test_the_builder_makes_one_in_the_background_and_then_has_it(
        builder: ProxyBuilder, media: dict[str, Path]) -> None:
    clip = media["vfr.mp4"]
    fingerprint = fingerprint_file(clip)
    made = builder.request(clip, fingerprint).result(timeout=60)
    assert made is not None and made.parent == paths.cache_dir() / "proxies"
    assert made == find_proxy(fingerprint.digest)
    again = builder.request(clip, fingerprint)
    assert again.done() and again.result() == made
    with open_reader(clip, key=fingerprint.digest) as reader:  # frame n is frame n, VFR too
        assert [read_frame_code(reader.frame(i, size=(160, 90))) for i in (59, 0, 31)] == \
            [59, 0, 31]
        assert reader.proxy_reads == 3


def test_a_clip_that_needs_none_gets_none(builder: ProxyBuilder,
                                          media: dict[str, Path]) -> None:
    clip = media["prores.mov"]
    assert builder.request(clip, fingerprint_file(clip)).result(timeout=60) is None
    assert not (paths.cache_dir() / "proxies").exists()


def test_an_unreadable_clip_fails_its_future_with_a_sentence(
        builder: ProxyBuilder, media: dict[str, Path]) -> None:
    bad = media["truncated.mp4"]
    future = builder.request(bad, fingerprint_file(bad))
    with pytest.raises(MediaError, match="truncated.mp4"):
        future.result(timeout=60)


class _StopAfter(threading.Event):
    """An event that reads as set from its ``n``-th check on."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.checks = n, 0

    def is_set(self) -> bool:
        self.checks += 1
        return self.checks >= self.n or super().is_set()


def test_a_stopped_build_leaves_nothing(media: dict[str, Path]) -> None:
    stop = _StopAfter(10)
    assert build_proxy(media["cfr.mp4"], "stopped", stop=stop) is None
    assert stop.checks == 10  # it stopped within a frame of being told
    assert find_proxy("stopped") is None
    assert list((paths.cache_dir() / "proxies").iterdir()) == []  # no temporary file either


def test_shutdown_abandons_the_build_in_flight_quickly(media: dict[str, Path]) -> None:
    started = threading.Event()

    def slow(path: Path, key: str, *, stop: threading.Event) -> Path | None:
        started.set()
        while not stop.is_set():  # a long clip, one frame at a time
            time.sleep(0.01)
        return None

    builder = ProxyBuilder(build=slow)
    clip = media["cfr.mp4"]
    first = builder.request(clip, fingerprint_file(clip))
    queued = builder.request(media["vfr.mp4"], fingerprint_file(media["vfr.mp4"]))
    assert started.wait(30)
    began = time.monotonic()
    builder.shutdown(wait=True)
    assert time.monotonic() - began < 5
    assert first.result() is None and queued.cancelled()


def test_prune_drops_the_least_recently_used_first(tmp_path: Path) -> None:
    folder = paths.cache_dir() / "proxies"
    folder.mkdir(parents=True)
    files = []
    for n in range(4):
        path = folder / f"{n}.mkv"
        path.write_bytes(b"x" * 1000)
        os.utime(path, ns=(n * 10**9, n * 10**9))  # 0 is the oldest
        files.append(path)
    proxy.touch(files[0])  # just used: now the newest, by its access time
    assert files[0].stat().st_mtime_ns == 0  # probes of it, cached by mtime, stay valid
    deleted = prune(budget=2500, keep=files[1])
    assert deleted == [files[2], files[3]]  # 1 is kept although older; 0 was used last
    assert sorted(folder.iterdir()) == [files[0], files[1]]
