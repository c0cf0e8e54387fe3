"""``python -m studio.tools.audio_demo FOLDER``: the sample project with sound, for screenshots.

Writes the procedural sample (:func:`studio.sample.make_sample_project`) into FOLDER, imports a
made-up MP3 tune and a WAV of speech-like bursts into its pool, adds V2, A1 and A2 as the
window's track actions do, puts the tune on A1, the bursts (faded in and out) on A2 and a still
on V2, and saves. ``python -m studio.tools.screenshot FOLDER OUT.png --frame 120`` then shows
the timeline of the README's ``docs/images/timeline-audio.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
import numpy as np

RATE = 44_100


def encode_sound(path: Path, fmt: str, codec: str, samples: np.ndarray,
                 rate: int = RATE) -> Path:
    """Write float ``samples`` ``(2, n)`` at ``rate`` to ``path`` in container ``fmt`` with
    encoder ``codec`` (PyAV converts and reframes them for it). The tests' audio files are
    written by it too."""
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout="stereo")
        assert isinstance(stream, av.AudioStream)
        for start in range(0, samples.shape[1], 1024):
            chunk = np.ascontiguousarray(samples[:, start:start + 1024], np.float32)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = rate, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _tune(seconds: float) -> np.ndarray:
    """A plucked six-note tune over a low hum, on both channels."""
    t = np.arange(int(seconds * RATE)) / RATE
    notes = np.take([220, 277, 330, 440, 330, 277], (t * 2).astype(int) % 6)
    mono = 0.5 * np.exp(-3 * (t * 2 % 1)) * np.sin(2 * np.pi * notes * t) + \
        0.15 * np.sin(2 * np.pi * 55 * t)
    return np.stack([mono, mono])


def _bursts(seconds: float) -> np.ndarray:
    """Bursts of noise shaped like phrases of speech, on both channels."""
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(1).normal(0, 0.25, t.size)
    mono = np.clip(noise * (np.sin(2 * np.pi * 0.7 * t) > 0.1)
                   * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)), -0.95, 0.95)
    return np.stack([mono, mono])


def main(argv: list[str] | None = None) -> int:
    """Write the project; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m studio.tools.audio_demo")
    parser.add_argument("folder", type=Path, help="where the project is written (created)")
    args = parser.parse_args(argv)

    from studio.document import edits, persistence
    from studio.document.model import AudioItem, Still, TrackKind
    from studio.document.timebase import FrameRange
    from studio.media import import_media
    from studio.sample import make_sample_project

    project_file = make_sample_project(args.folder)
    project = persistence.open_project(project_file).project
    media = args.folder / "media"
    files = [encode_sound(media / "theme.mp3", "mp3", "libmp3lame", _tune(12)),
             encode_sound(media / "voice.wav", "wav", "pcm_s16le", _bursts(5))]
    import_media(project, project_file, files)
    pool = {m.name: m for m in project.media.values()}
    tracks: tuple[tuple[TrackKind, str, str], ...] = (
        ("audio", "a1", "A1"), ("audio", "a2", "A2"), ("video", "v2", "V2"))
    for kind, track_id, name in tracks:
        edits.add_track(project, kind=kind, track_id=track_id, name=name)
    for track_id, at, name, fades in (("a1", 0, "theme.mp3", (0, 0)),
                                      ("a2", 60, "voice.wav", (6, 12))):
        sound = pool[name]
        edits.insert(project, track_id, at, AudioItem(
            id=f"sound-{track_id}", media_id=sound.id, name=name, fade_in=fades[0],
            fade_out=fades[1], source=FrameRange(0, sound.length_at(project.rate) or 1)))
    still = pool["still-1.png"]
    edits.overwrite(project, "v2", 100, Still(id="still-v2", media_id=still.id,
                                              name=still.name, duration=48))
    persistence.save_project(project, project_file)
    print(project_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
