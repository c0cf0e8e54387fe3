"""Random-seek latency of ``frame(i)`` on a 1080p H.264 clip with a 250-frame GOP.

Run ``python bench/seek.py`` (``--help`` for options). It writes a 20 s 1920x1080 30 fps clip
(libx264, yuv420p, keyframes every 250 frames, no scene cuts) to a temporary folder, then times
``frame(i)`` for the same random indices with every reader variant, each with a cold frame cache
(a fresh reader, no FrameCache; the file itself is in the OS page cache for all of them), and
prints one table. Every returned frame is checked against the number drawn into it.

A second table times what a user scrubbing the viewer waits for: ``PreviewFrames.frame(t)`` (the
viewer's worker, 640x360) on a 1920x1080 project holding that clip, for the same random frames,
before and after the clip's proxy is made by ``ProxyBuilder`` (what the studio does on import).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.document import fingerprint
from studio.document.model import Clip, MediaRef, Project, Timeline, Track
from studio.document.timebase import FrameRange
from studio.media.reader import open_reader
from studio.render.preview import PreviewFrames, preview_size
from studio.sample import read_frame_code

if TYPE_CHECKING:
    from numpy.typing import NDArray

WIDTH, HEIGHT, RATE, GOP = 1920, 1080, 30, 250
BITS = 8  # the sample's frame code: frame numbers modulo 256
PROXY_SIZE = (640, 360)


def make_clip(path: Path, frames: int, bframes: int | None = None) -> None:
    """Encode the test clip: a blurred noise texture panning right, the frame code at the bottom.

    ``bframes`` forces that many B-frames between P-frames (``b-adapt=0``); None leaves the
    choice to x264, which picks none for this synthetic pan.
    """
    rng = np.random.default_rng(7)
    texture = rng.integers(0, 256, (HEIGHT, WIDTH + 4 * frames, 3), dtype=np.uint8)
    # cv2's stubs type any result as integer-or-float; uint8 in gives uint8 out.
    texture = cast("NDArray[np.uint8]", cv2.GaussianBlur(texture, (0, 0), 3))
    cell_w, cell_h = WIDTH // BITS, HEIGHT * 24 // 288
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        options: dict[str, object] = {"preset": "veryfast", "crf": "23", "g": str(GOP),
                                      "keyint_min": str(GOP), "sc_threshold": "0"}
        if bframes is not None:
            options.update({"bf": str(bframes), "x264-params": "b-adapt=0"})
        stream.options = options
        for n in range(frames):
            image = np.ascontiguousarray(texture[:, 4 * n:4 * n + WIDTH])
            for bit in range(BITS):
                on = (n % 256) >> (BITS - 1 - bit) & 1
                image[HEIGHT - cell_h:, bit * cell_w:(bit + 1) * cell_w] = 255 if on else 0
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = n
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def naive_reader(path: Path) -> Callable[[int], np.ndarray]:
    """The textbook loop: seek to the keyframe before, decode forward converting every frame."""
    container = av.open(str(path))
    stream = container.streams.video[0]
    assert stream.time_base is not None  # PyAV types it optional; an opened stream has one
    step = round(1 / (stream.time_base * RATE))

    def frame(i: int) -> np.ndarray:
        container.seek(i * step, stream=stream, backward=True)
        for decoded in container.decode(stream):
            rgb = decoded.to_ndarray(format="rgb24")
            assert decoded.pts is not None  # every frame of this clip is timestamped
            if decoded.pts >= i * step:
                return rgb
        raise RuntimeError(f"frame {i} not found")

    return frame


def time_variant(read: Callable[[int], np.ndarray], indices: list[int]) -> tuple[list[float], int]:
    """Latencies in ms of ``read(i)`` for each index, and how many frames were wrong."""
    times, wrong = [], 0
    for i in indices:
        start = time.perf_counter()
        rgb = read(i)
        times.append((time.perf_counter() - start) * 1000)
        wrong += read_frame_code(rgb) != i % 256
    return times, wrong


def one_clip_project(clip: Path, frames: int) -> Project:
    """A 1920x1080 project at the clip's rate whose timeline is the whole clip."""
    media = MediaRef(id="m", path=clip.name, kind="clip", name=clip.name,
                     fingerprint=fingerprint.fingerprint_file(clip))
    return Project(id="seek", name="Seek", rate=Fraction(RATE), width=WIDTH, height=HEIGHT,
                   media={"m": media}, timeline=Timeline(id="t", tracks=[Track(id="v1", items=[
                       Clip(id="c", media_id="m", source=FrameRange(0, frames))])]))


def viewer_reader(project: Project, folder: Path) -> Callable[[int], np.ndarray]:
    """The viewer worker's ``frame(t)``, with a frame cache too small to answer a random frame."""
    frames = PreviewFrames(project, folder, *preview_size(WIDTH, HEIGHT), cache_frames=1)

    def frame(i: int) -> np.ndarray:
        shown = frames.frame(i)
        assert shown is not None
        return shown

    return frame


def print_rows(title: str, rows: list[tuple[str, float, float, int]], base: float) -> None:
    """One table: each variant's median and p90 latency, its speed-up over ``base``, errors."""
    print(f"{title:52} {'median ms':>10} {'p90 ms':>8} {'speed-up':>9} {'wrong':>6}  target")
    for name, median, p90, wrong in rows:
        verdict = "MET" if median < 60 else "missed"
        print(f"{name:52} {median:10.1f} {p90:8.1f} {base / median:8.2f}x {wrong:6d}  "
              f"median<60ms {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bframes", type=int, default=None,
                        help="force this many B-frames (default: x264 decides)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="frameloom-seek-") as folder:
        os.environ["FRAMELOOM_HOME"] = folder  # the proxy goes to a throwaway cache
        from studio.media.proxy import ProxyBuilder, build_proxy

        clip = Path(folder) / "clip-1080p-gop250.mp4"
        frames = args.seconds * RATE
        started = time.perf_counter()
        make_clip(clip, frames, args.bframes)
        encode_s = time.perf_counter() - started
        indices = random.Random(args.seed).sample(range(frames), min(args.samples, frames))
        started = time.perf_counter()
        build_proxy(clip)
        proxy_s = time.perf_counter() - started

        rows = []
        variants: list[tuple[str, Callable[[], Callable[[int], np.ndarray]]]] = [
            ("naive: seek, decode forward, RGB every frame", lambda: naive_reader(clip)),
            ("plain reader: 1 thread, RGB for target only",
             lambda: open_reader(clip, fast=False, use_proxy=False, threads=1).frame),
            ("skip NONREF only (1 thread), full res",
             lambda: open_reader(clip, use_proxy=False, threads=1).frame),
            ("fast reader: threads AUTO + skip NONREF, full res",
             lambda: open_reader(clip, use_proxy=False).frame),
            ("fast reader, 640x360 out, no proxy",
             lambda: (lambda r: lambda i: r.frame(i, PROXY_SIZE))(
                 open_reader(clip, use_proxy=False))),
            ("proxy reader: 640x360 all-intra MJPEG",
             lambda: (lambda r: lambda i: r.frame(i, PROXY_SIZE))(open_reader(clip))),
        ]
        for name, make in variants:
            times, wrong = time_variant(make(), indices)
            rows.append((name, statistics.median(times),
                         statistics.quantiles(times, n=10)[-1], wrong))

        # The viewer, before and after the import's background proxy (a cache of its own).
        os.environ["FRAMELOOM_HOME"] = str(Path(folder) / "viewer-home")
        project = one_clip_project(clip, frames)
        viewer_rows = []
        times, wrong = time_variant(viewer_reader(project, Path(folder)), indices)
        viewer_rows.append(("viewer, no proxy yet (original, 640x360)",
                            statistics.median(times), statistics.quantiles(times, n=10)[-1],
                            wrong))
        builder = ProxyBuilder()
        started = time.perf_counter()
        made = builder.request(clip, project.media["m"].fingerprint).result()
        import_proxy_s = time.perf_counter() - started
        builder.shutdown(wait=True)
        assert made is not None, "the 1080p long-GOP clip must get a proxy"
        times, wrong = time_variant(viewer_reader(project, Path(folder)), indices)
        viewer_rows.append(("viewer, proxy made by ProxyBuilder (as on import)",
                            statistics.median(times), statistics.quantiles(times, n=10)[-1],
                            wrong))

    plain = rows[1][1]
    print(f"frame(i) random seek, {WIDTH}x{HEIGHT} H.264 {RATE} fps, GOP {GOP}, {frames} frames,"
          f" {len(indices)} random indices, cold frame cache")
    bframes = "x264's choice" if args.bframes is None else f"{args.bframes} forced"
    print(f"B-frames: {bframes}; load average at the end: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"machine: nproc={os.cpu_count()}, PyAV {av.__version__}, "
          f"libavcodec {'.'.join(map(str, av.library_versions['libavcodec']))}")
    print(f"clip encode {encode_s:.1f} s; proxy build {proxy_s:.1f} s (once, in the background);"
          f" the same through ProxyBuilder {import_proxy_s:.1f} s")
    print_rows("reader variant (speed-up: vs plain reader)", rows, plain)
    print()
    print_rows("viewer PreviewFrames.frame(t) (vs no proxy)", viewer_rows, viewer_rows[0][1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
