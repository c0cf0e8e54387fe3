"""Frame-exact decoding of one video stream: seek to the keyframe before, decode forward.

The decoder keeps its place, so reading frame ``i + 1`` after frame ``i`` (or any frame the
current GOP reaches sooner than a seek would) continues decoding instead of seeking again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

import av

from studio.errors import MediaError

from .index import VideoIndex
from .probe import open_container

#: Frames ahead of the decoder that are always reached by decoding on rather than seeking.
NEAR = 8
#: Decoders that honour ``skip_frame`` packet by packet; others (libdav1d) read it once and
#: would then drop the very frame asked for.
SKIP_CODECS = frozenset({"h264", "hevc"})
#: How many keyframes further back a seek may retry when it lands after its target.
RETRIES = 3


class StreamDecoder:
    """Decodes exact frames of the first video stream of ``path`` by index.

    Parameters
    ----------
    path
        The clip.
    index
        Its pts index (see :func:`.index.build_index`).
    fast
        Skip decoding non-reference frames that lie before the target (they are never
        shown and nothing refers to them) and let FFmpeg pick frame or slice threads.
    threads
        Decoder threads; 0 lets FFmpeg choose from the CPU count.
    """

    def __init__(self, path: Path, index: VideoIndex, *, fast: bool = True,
                 threads: int = 0) -> None:
        self.path = path
        self.index = index
        self.fast = fast
        self.seeks = 0
        self.decoded = 0
        self._container = open_container(path)
        self._stream = self._container.streams.video[0]
        ctx = self._stream.codec_context
        ctx.thread_count = threads
        ctx.thread_type = "AUTO" if fast else "SLICE"
        self._ctx = ctx
        self._may_skip = fast and ctx.name in SKIP_CODECS
        self._skipping = False
        self._packets: Iterator[av.Packet[av.video.stream.VideoStream]] | None = None
        self._pending: deque[av.VideoFrame] = deque()
        self._position = -1  # index of the last frame taken from the decoder
        self._eof = False

    def close(self) -> None:
        """Release the file."""
        self._container.close()

    def frame(self, i: int) -> av.VideoFrame:
        """The decoded frame ``i`` (presentation order, 0-based).

        Raises
        ------
        MediaError
            If the frame cannot be decoded (damaged or truncated media); names the frame.
        """
        start = self.index.key_before[i]
        if self._packets is not None and self._position < i and (
                self._position + 1 >= start or i - self._position <= NEAR):
            found = self._decode_to(i)
            if found is not None:
                return found
        for attempt in range(RETRIES + 1):
            self._seek(start)
            found = self._decode_to(i)
            if found is not None:
                return found
            if start == 0:
                break
            # The seek landed after the target (open GOPs, odd indexes): start further back.
            start = 0 if attempt >= RETRIES - 1 else self.index.key_before[start - 1]
        raise MediaError(f"{self.path.name} is damaged: frame {i} cannot be decoded.")

    def _seek(self, start: int) -> None:
        self.seeks += 1
        try:
            self._container.seek(self.index.pts[start], stream=self._stream, backward=True,
                                 any_frame=False)
        except av.FFmpegError as exc:
            raise MediaError(f"{self.path.name} is damaged: cannot seek to frame "
                             f"{start}.") from exc
        self._ctx.flush_buffers()
        self._pending.clear()
        self._packets = self._container.demux(self._stream)
        self._position = start - 1
        self._eof = False

    def _decode_to(self, i: int) -> av.VideoFrame | None:
        """Decode on until frame ``i``; None if the decoder passed it (the seek landed late)."""
        target = self.index.pts[i]
        while True:
            while self._pending:
                frame = self._pending.popleft()
                pts = frame.pts if frame.pts is not None else frame.dts
                if pts is not None and pts > target:
                    self._pending.appendleft(frame)
                    return None
                where = self.index.index_of(pts)
                if where is not None:
                    self._position = where
                if pts == target:
                    return frame
            if self._eof:
                return None
            self._feed(target, i)

    def _feed(self, target: int, i: int) -> None:
        assert self._packets is not None
        try:
            packet = next(self._packets, None)
            if packet is None:  # end of file: drain what the decoder still holds
                self._eof = True
                self._set_skip(False)
                frames = self._ctx.decode(None)
            elif packet.size == 0:
                return
            else:
                if self._may_skip:
                    self._set_skip(packet.pts is not None and packet.pts < target)
                frames = self._ctx.decode(packet)
        except av.FFmpegError as exc:
            raise MediaError(f"{self.path.name} is damaged: frame {i} cannot be "
                             "decoded.") from exc
        self.decoded += len(frames)
        self._pending.extend(frames)

    def _set_skip(self, skip: bool) -> None:
        if skip != self._skipping:
            self._ctx.skip_frame = "NONREF" if skip else "DEFAULT"
            self._skipping = skip
