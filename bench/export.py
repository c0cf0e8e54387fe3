"""Benchmark: export a 60 s 1080p30 timeline with Frameloom and with the ffmpeg command line.

Run ``python bench/export.py`` (needs an ``ffmpeg`` binary: ``apt-get install ffmpeg``, or
``pip install imageio-ffmpeg`` and it is found through that package). It prints the machine,
a table of wall times and the ratio, then runs ``bench/seek.py`` if that script exists.

What each side does (the same job end to end, so the ratio is what a user would see):

- **Frameloom**: ``studio.render.export.export`` on a project of three 1080p H.264 clips and two
  1080p PNG stills (all cuts): decode each clip sequentially, hold the stills, encode libx264
  ``-preset veryfast -crf 18``, yuv420p, MP4 with +faststart, encoder threads automatic.
- **ffmpeg**: one ``ffmpeg`` process decodes the same five inputs, trims each clip to the same
  source range, repeats each still once-decoded with the ``loop`` filter, joins them with the
  ``concat`` filter and encodes with the same encoder, preset, CRF, pixel format, threads and
  faststart.

Both outputs are checked to hold exactly 1800 frames at 1920x1080.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.document import fingerprint
from studio.document.model import (
    Clip,
    MediaKind,
    MediaRef,
    Project,
    Still,
    Timeline,
    Track,
    TrackEntry,
)
from studio.document.timebase import FrameRange
from studio.render.export import export

W, H, RATE = 1920, 1080, 30
CRF, PRESET = 18, "veryfast"
#: (kind, name, source frames used): 3 clips and 2 stills, 1800 frames = 60 s at 30 fps.
LAYOUT: list[tuple[MediaKind, str, int]] = [
    ("clip", "a", 450), ("still", "s1", 150), ("clip", "b", 450), ("still", "s2", 300),
    ("clip", "c", 450)]


def find_ffmpeg() -> str:
    """The ffmpeg binary: on PATH, else the one the imageio-ffmpeg package ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("bench/export.py needs ffmpeg: apt-get install ffmpeg, or "
                 "pip install imageio-ffmpeg")
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _texture(seed: int) -> np.ndarray:
    """A detailed RGB picture twice the frame width, so panning it gives real motion."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (H // 8, W // 4, 3), dtype=np.uint8)
    big = cv2.resize(small, (W * 2, H), interpolation=cv2.INTER_CUBIC)
    y, x = np.mgrid[0:H, 0:W * 2]
    wave = (np.sin(x / 37.0) * np.cos(y / 23.0) * 40).astype(np.int16)
    picture: np.ndarray = np.clip(big.astype(np.int16) + wave[..., None], 0, 255).astype(np.uint8)
    return picture


def make_clip(path: Path, frames: int, seed: int) -> None:
    """A 1080p30 H.264 clip: a panning texture with the frame number drawn on it."""
    texture = _texture(seed)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "20", "preset": "ultrafast", "g": "60"}
        for n in range(frames):
            x = (n * 4) % W
            image = np.ascontiguousarray(texture[:, x:x + W])
            cv2.putText(image, f"{path.stem} {n}", (80, 200), cv2.FONT_HERSHEY_SIMPLEX, 5,
                        (255, 255, 255), 12, cv2.LINE_AA)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = n
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def build(folder: Path) -> tuple[Project, list[tuple[str, Path, int]]]:
    """Write the media into ``folder`` (unless there) and return the project and its inputs."""
    pool: dict[str, MediaRef] = {}
    items: list[TrackEntry] = []
    inputs: list[tuple[str, Path, int]] = []
    for seed, (kind, name, frames) in enumerate(LAYOUT):
        path = folder / (f"{name}.mp4" if kind == "clip" else f"{name}.png")
        if path.exists():
            pass  # --workdir reuses the sources of an earlier run
        elif kind == "clip":
            make_clip(path, frames, seed)
        else:
            cv2.imwrite(str(path), cv2.cvtColor(_texture(seed)[:, :W], cv2.COLOR_RGB2BGR))
        media_id = f"m-{name}"
        pool[media_id] = MediaRef(id=media_id, path=path.name, kind=kind, name=path.name,
                                  fingerprint=fingerprint.fingerprint_file(path))
        items.append(Clip(id=name, media_id=media_id, source=FrameRange(0, frames))
                     if kind == "clip" else Still(id=name, media_id=media_id, duration=frames))
        inputs.append((kind, path, frames))
    project = Project(id="bench", name="Bench", rate=Fraction(RATE), width=W, height=H,
                      media=pool, timeline=Timeline(id="t", tracks=[Track(id="v1", items=items)]))
    return project, inputs


def ffmpeg_command(ffmpeg: str, inputs: list[tuple[str, Path, int]], out: Path) -> list[str]:
    """The ffmpeg equivalent of the export: decode, trim/loop, concat, encode the same way."""
    args, chains, labels = [ffmpeg, "-v", "error", "-y"], [], []
    for n, (kind, path, frames) in enumerate(inputs):
        # A still read at 30 fps has a 1/30 s frame duration, so concat ends it on time.
        args += (["-framerate", str(RATE)] if kind == "still" else []) + ["-i", str(path)]
        if kind == "clip":
            chains.append(f"[{n}:v]trim=end_frame={frames},setpts=PTS-STARTPTS,"
                          f"format=yuv420p[v{n}]")
        else:  # decode the still once, repeat it (what our renderer does too)
            chains.append(f"[{n}:v]format=yuv420p,loop=loop={frames - 1}:size=1:start=0,"
                          f"setpts=N/({RATE}*TB)[v{n}]")
        labels.append(f"[v{n}]")
    graph = ";".join(chains) + f";{''.join(labels)}concat=n={len(inputs)}:v=1:a=0[out]"
    return args + ["-filter_complex", graph, "-map", "[out]", "-r", str(RATE), "-c:v", "libx264",
                   "-preset", PRESET, "-crf", str(CRF), "-pix_fmt", "yuv420p", "-threads", "0",
                   "-movflags", "+faststart", str(out)]


def frame_count(path: Path) -> tuple[int, int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.demux(stream) if _.size), stream.width, stream.height


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libs = ", ".join(f"{k} {'.'.join(map(str, v))}" for k, v in av.library_versions.items()
                     if k in ("libavcodec", "libswscale"))
    return (f"{platform.platform()}; {cpu}; {cores} cores usable; Python "
            f"{platform.python_version()}; PyAV {av.__version__} ({libs})")


def run(repeats: int, profile: Path | None, workdir: Path | None = None) -> None:
    ffmpeg = find_ffmpeg()
    version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    print(f"machine: {machine()}\nffmpeg:  {version} ({ffmpeg})")
    with tempfile.TemporaryDirectory(prefix="frameloom-bench-") as temp:
        folder = Path(temp) if workdir is None else workdir
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        project, inputs = build(folder)
        print(f"sources: 3 clips + 2 stills, 1920x1080, built in "
              f"{time.perf_counter() - started:.1f} s\n")
        ours, theirs = [], []
        for _ in range(repeats):
            out = folder / "frameloom.mp4"
            started = time.perf_counter()
            if profile is not None:
                profiler = cProfile.Profile()
                profiler.runcall(export, project, folder, out, codec="h264", crf=CRF,
                                 preset=PRESET)
                profiler.dump_stats(profile)
            else:
                export(project, folder, out, codec="h264", crf=CRF, preset=PRESET)
            ours.append(time.perf_counter() - started)
            assert frame_count(out) == (1800, W, H), frame_count(out)
            ref = folder / "ffmpeg.mp4"
            started = time.perf_counter()
            subprocess.run(ffmpeg_command(ffmpeg, inputs, ref), check=True)
            theirs.append(time.perf_counter() - started)
            assert frame_count(ref) == (1800, W, H), frame_count(ref)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"{'export of 1800 frames (60 s 1080p30)':<40}{'wall s':>8}{'fps':>8}")
        print(f"{'Frameloom export()':<40}{a:>8.2f}{1800 / a:>8.1f}")
        print(f"{'ffmpeg concat filter graph':<40}{b:>8.2f}{1800 / b:>8.1f}")
        print(f"\nratio Frameloom / ffmpeg: {a / b:.3f} (target <= 1.15; median of {repeats})")
        if profile is not None:
            pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(25)


def run_seek_bench() -> None:
    seek = Path(__file__).with_name("seek.py")
    if not seek.exists():
        print("\nbench/seek.py is not there yet: no seek figures in this run.")
        return
    spec = importlib.util.spec_from_file_location("bench_seek", seek)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print()
    module.main([])  # its own defaults; our arguments are not its arguments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="runs of each side (median)")
    parser.add_argument("--profile", type=Path, help="cProfile our export into this file")
    parser.add_argument("--no-seek", action="store_true", help="skip bench/seek.py")
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the sources here")
    args = parser.parse_args()
    run(args.repeats, args.profile, args.workdir)
    if not args.no_seek:
        run_seek_bench()


if __name__ == "__main__":
    main()
