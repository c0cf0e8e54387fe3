"""Frame-accurate reading: the frame asked for is the frame returned, in every codec."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from studio.errors import MediaError
from studio.media import FrameCache, open_reader
from studio.media.proxy import build_proxy
from studio.sample import read_frame_code


def code(frame: np.ndarray, rotation: int = 0) -> int:
    """The embedded frame number, after turning a rotated frame back to how it was coded."""
    return read_frame_code(np.rot90(frame, rotation // 90))


@pytest.mark.parametrize("name", ["cfr.mp4", "vfr.mp4"])
@pytest.mark.parametrize("fast", [True, False])
def test_random_access_is_frame_exact(media: dict[str, Path], name: str, fast: bool) -> None:
    rng = random.Random(f"{name}{fast}")
    with open_reader(media[name], fast=fast) as reader:
        wanted = [rng.randrange(reader.info.frames) for _ in range(60)]
        wanted += [0, reader.info.frames - 1, 11, 12, 13, 12, 11]  # GOP edges, backwards
        assert [code(reader.frame(i)) for i in wanted] == wanted


@pytest.mark.parametrize("name", ["hevc.mp4", "prores.mov", "vp9.webm", "av1.mkv",
                                  "audio.mp4", "one-frame.mp4"])
def test_every_codec_is_frame_exact(media: dict[str, Path], name: str) -> None:
    with open_reader(media[name]) as reader:
        frames = reader.info.frames
        wanted = [frames - 1, 0, frames // 2, frames // 3, frames - 1]
        assert [code(reader.frame(i)) for i in wanted] == wanted
        assert reader.frame(0).shape == (180, 320, 3) and reader.frame(0).dtype == np.uint8


def test_sequential_reads_do_not_seek(media: dict[str, Path]) -> None:
    with open_reader(media["cfr.mp4"]) as reader, open_reader(media["cfr.mp4"]) as single:
        run = list(reader.frames())
        assert reader.seeks == 1  # the first read only
        assert [code(f) for f in run] == list(range(96))
        for i in (95, 40, 7, 41):
            assert np.array_equal(single.frame(i), run[i])


def test_short_forward_jumps_decode_on(media: dict[str, Path]) -> None:
    with open_reader(media["cfr.mp4"]) as reader:
        reader.frame(13)
        seeks = reader.seeks
        reader.frame(17)  # same GOP (12-23): decode on
        reader.frame(23)
        assert reader.seeks == seeks
        reader.frame(60)  # keyframes in between: seeking is cheaper
        reader.frame(2)  # backwards: must seek
        assert reader.seeks == seeks + 2
        assert code(reader.frame(3)) == 3


def test_fast_and_plain_decoding_agree(media: dict[str, Path]) -> None:
    with open_reader(media["cfr.mp4"]) as fast, open_reader(media["cfr.mp4"],
                                                            fast=False) as plain:
        for i in (50, 23, 24, 90, 5):
            assert np.array_equal(fast.frame(i), plain.frame(i))


def test_rotated_clip_is_turned_upright(media: dict[str, Path]) -> None:
    with open_reader(media["rotated.mp4"]) as reader:
        frame = reader.frame(5)
        assert frame.shape == (320, 180, 3)
        assert code(frame, reader.info.rotation) == 5
        assert reader.frame(7, size=(90, 160)).shape == (160, 90, 3)


def test_size_scales_frames(media: dict[str, Path]) -> None:
    with open_reader(media["cfr.mp4"]) as reader:
        small = reader.frame(77, size=(160, 90))
        assert small.shape == (90, 160, 3) and code(small) == 77


def test_out_of_range_names_the_file(media: dict[str, Path]) -> None:
    with open_reader(media["cfr.mp4"]) as reader:
        for bad in (-1, 96, 10**9):
            with pytest.raises(MediaError, match=r"cfr\.mp4 has no frame"):
                reader.frame(bad)


def test_stills_give_one_picture_for_any_index(media: dict[str, Path]) -> None:
    with open_reader(media["still.webp"]) as reader:
        assert np.array_equal(reader.frame(0), reader.frame(500))
        assert reader.frame(3).shape == (32, 64, 3)
        assert reader.frame(3, size=(16, 8)).shape == (8, 16, 3)


def test_exif_orientation_is_applied(media: dict[str, Path]) -> None:
    with open_reader(media["exif6.jpg"]) as reader:
        image = reader.frame(0).astype(int)
    assert image.shape == (64, 32, 3)
    # Stored red|green over blue|black; orientation 6 turns it clockwise: blue|red over black|green.
    assert image[4, 4].argmax() == 2 and image[4, 28].argmax() == 0
    assert image[60, 28].argmax() == 1 and image[60, 4].sum() < 60


def test_alpha_is_composited_on_black(media: dict[str, Path]) -> None:
    with open_reader(media["alpha.png"]) as reader:
        assert reader.info.has_alpha
        image = reader.frame(0)
    assert image[:, :32].max() == 0  # fully transparent half
    assert tuple(image[4, 60]) == (0, 255, 0)


def test_frame_cache_serves_and_bounds(media: dict[str, Path]) -> None:
    cache = FrameCache(max_bytes=3 * 320 * 180 * 3)
    with open_reader(media["cfr.mp4"], cache=cache) as reader:
        first = reader.frame(30)
        decoded = reader.decoded
        assert reader.frame(30) is first and reader.decoded == decoded
        assert not first.flags.writeable
        for i in range(40, 46):
            reader.frame(i)
    assert len(cache) == 3 and cache.nbytes <= cache.max_bytes
    assert cache.get(("elsewhere", 30, None)) is None


def test_frame_cache_is_thread_safe() -> None:
    cache = FrameCache(max_bytes=50 * 100)

    def hammer(seed: int) -> None:
        for n in range(2000):
            cache.put(("k", (seed * n) % 97, None), np.zeros(100, np.uint8))
            cache.get(("k", n % 97, None))

    threads = [threading.Thread(target=hammer, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 50 and cache.nbytes == 100 * len(cache)


def test_proxy_serves_small_sizes_exactly(media: dict[str, Path]) -> None:
    build_proxy(media["cfr.mp4"])
    with open_reader(media["cfr.mp4"]) as reader:
        for i in (70, 3, 95, 40):
            assert code(reader.frame(i, size=(160, 90))) == i
        assert reader.proxy_reads == 4 and reader.seeks == 0
        assert code(reader.frame(5, size=(480, 270))) == 5  # bigger than the proxy: original
        assert reader.proxy_reads == 4


def test_damaged_middle_gives_frames_or_error_never_hangs(media: dict[str, Path],
                                                          tmp_path: Path) -> None:
    data = bytearray(media["vp9.webm"].read_bytes())
    middle = len(data) // 2
    data[middle:middle + 2000] = bytes(random.Random(1).randrange(256) for _ in range(2000))
    damaged = tmp_path / "damaged.webm"
    damaged.write_bytes(bytes(data))
    started = time.monotonic()
    try:
        with open_reader(damaged) as reader:
            for i in range(reader.info.frames - 1, -1, -3):
                try:
                    reader.frame(i)
                except MediaError as exc:
                    assert "damaged.webm" in str(exc) and f"frame {i}" in str(exc)
    except MediaError as exc:
        assert "damaged.webm" in str(exc)
    assert time.monotonic() - started < 10
