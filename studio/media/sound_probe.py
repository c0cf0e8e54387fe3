"""Probe audio files (WAV, FLAC, MP3, AAC, Opus...) through PyAV: codec, sample rate and the
duration its packets add up to (an encoder's padding included), with the first sound decoded to
prove the file can be played.

A file whose only picture is cover art (an MP3's attached picture) counts as audio; a file with a
real video stream is a clip and is left to :mod:`.probe`.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import av

from studio.errors import MediaError

from .info import MediaInfo

#: Packets decoded to prove the codec works before the file is accepted.
FIRST_SOUND_PACKETS = 64
#: Seconds the packet scan that measures the duration may take.
SCAN_SECONDS = 60.0


def is_sound_file(container: av.container.InputContainer) -> bool:
    """Whether ``container`` holds sound and no picture but cover art."""
    pictures = [s for s in container.streams.video
                if not s.disposition & av.stream.Disposition.attached_pic]
    return bool(container.streams.audio) and not pictures


def probe_sound(path: Path, container: av.container.InputContainer) -> MediaInfo:
    """Measure the first audio stream of an opened audio file.

    Raises
    ------
    MediaError
        Naming the file when its codec cannot be decoded, its first sound is damaged, it holds
        no sound at all or its packets cannot be read to the end.
    """
    stream = container.streams.audio[0]
    ctx = stream.codec_context
    codec = ctx.codec.canonical_name if ctx is not None and ctx.codec is not None else ""
    if not codec or not ctx.sample_rate:
        raise MediaError(f"{path.name} uses a sound codec the studio cannot decode.")
    heard = False
    ticks = 0  # the packets' summed durations, in the stream's time base
    unknown = False
    deadline = time.monotonic() + SCAN_SECONDS
    try:
        for n, packet in enumerate(container.demux(stream)):
            if packet.size == 0:
                continue
            if n < FIRST_SOUND_PACKETS and not heard:
                heard = any(frame.samples for frame in packet.decode())
            if packet.duration:
                ticks += packet.duration
            else:
                unknown = True
            if time.monotonic() > deadline:
                raise MediaError(f"{path.name} took over {SCAN_SECONDS:.0f} s to read; it may "
                                 f"be on a slow drive or damaged.")
    except av.FFmpegError as exc:
        raise MediaError(f"{path.name} is damaged: its sound cannot be decoded "
                         f"({codec}).") from exc
    if not heard:
        raise MediaError(f"{path.name} has no sound the studio can decode ({codec}).")
    duration = _duration(container, stream, ticks, unknown)
    if duration <= 0:
        raise MediaError(f"{path.name} holds no sound (its length is 0 seconds).")
    return MediaInfo(kind="audio", width=0, height=0, display_width=0, display_height=0,
                     frames=0, rate=None, codec="", has_audio=True, audio_codec=codec,
                     audio_rate=ctx.sample_rate, duration=duration)


def _duration(container: av.container.InputContainer, stream: av.AudioStream, ticks: int,
              unknown: bool) -> Fraction:
    """Seconds of sound: the packets' own durations, else what the header says."""
    if ticks and not unknown and stream.time_base is not None:
        return Fraction(ticks) * stream.time_base
    if stream.duration and stream.time_base is not None:
        return Fraction(stream.duration) * stream.time_base
    return Fraction(container.duration or 0, av.time_base)
