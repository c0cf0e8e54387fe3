"""Scrub sound: a short snippet of the mix at the playhead each time it is moved by hand.

While playback is stopped, every playhead move (a drag in the ruler, a step, a jump) asks for
:data:`SNIPPET_MS` of the timeline's mix from that frame, played through the same kind of output
as playback (the player's ``open_sink``). Snippets are throttled: one starts at most every
:data:`GAP_MS`, and moves in between are coalesced into the latest one, so a fast drag plays
where the playhead is, not where it was. Each snippet is mixed on a worker thread from a
snapshot of the document and faded in and out over a few milliseconds so it does not click.
The output is kept open while scrubbing and closed :data:`IDLE_MS` after the last snippet, or
at once when playback starts.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer

from studio.document.model import Project
from studio.errors import StudioError
from studio.render.mixer import Mixer
from studio.render.preview import snapshot
from studio.ui.viewer.sound_feed import AudioSink
from studio.ui.workers import threads

#: Length of one snippet, the least time between two, and the idle time before the output closes.
SNIPPET_MS, GAP_MS, IDLE_MS = 80, 60, 1_000
#: Fade at each end of a snippet (samples at 48 kHz: 2 ms), against clicks.
FADE = 96


def snippet(project: Project, folder: Path, frame: int) -> np.ndarray | None:
    """:data:`SNIPPET_MS` of the mix from ``frame`` with its ends faded; None where nothing
    sounds. Raises :class:`~studio.errors.StudioError` as the mixer does."""
    count = project.sample_rate * SNIPPET_MS // 1000
    stop = frame + max(1, int(project.rate * SNIPPET_MS / 1000) + 1)
    with Mixer(project, folder, frame, stop) as mixer:
        if not mixer.present:
            return None
        samples = mixer.read(min(count, mixer.total)).copy()
    fade = min(FADE, samples.shape[1] // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        samples[:, :fade] *= ramp
        samples[:, -fade:] *= ramp[::-1]
    return samples


class ScrubSound(QObject):
    """Plays :func:`snippet` at each hand-made playhead move while ``playing()`` is False.

    Parameters
    ----------
    open_sink
        Opens an output for a sample rate, or returns None (the caller has said why).
    playing
        Whether playback is running (then its own sound plays and moves are not scrubs).
    message
        Shows one sentence (a sound that cannot be read).
    """

    def __init__(self, open_sink: Callable[[int], AudioSink | None],
                 playing: Callable[[], bool], message: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open_sink, self.playing, self.message = open_sink, playing, message
        self.project: Project | None = None
        self.folder = Path.cwd()
        self.sink: AudioSink | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scrub-sound")
        self._pending: int | None = None  # the latest frame asked for, not yet mixed
        self._busy = False  # a snippet is being mixed
        self._silent = False  # no output could be opened: not asked again for this project
        self._gap = QTimer(self, singleShot=True, interval=GAP_MS)
        self._gap.timeout.connect(self._next)
        self._idle = QTimer(self, singleShot=True, interval=IDLE_MS)
        self._idle.timeout.connect(self.close)
        #: Frames whose snippets were written to the output (for tests).
        self.played: list[int] = []
        threads.install()

    def set_project(self, project: Project | None, folder: Path) -> None:
        """Scrub ``project`` (media paths relative to ``folder``)."""
        self.close()
        self.project, self.folder, self._silent = project, folder, False

    def moved(self, frame: int) -> None:
        """The playhead moved to ``frame``: ask for its snippet (throttled)."""
        if self.project is None or self.playing():
            return
        self._pending = frame
        if not self._busy and not self._gap.isActive():
            self._next()

    def _next(self) -> None:
        if self._busy:
            return  # the snippet being mixed asks for the next when it is done
        frame, self._pending = self._pending, None
        if frame is None or self.project is None or self.playing():
            return
        self._busy = True
        self._gap.start()
        future = self._pool.submit(snippet, snapshot(self.project), self.folder, frame)
        future.add_done_callback(threads.on_gui(
            self, lambda me, done: me._mixed(frame, done)))

    def _mixed(self, frame: int, future: Future[np.ndarray | None]) -> None:
        self._busy = False
        if future.cancelled():  # shut down (the window closing) before it was mixed
            return
        try:
            samples = future.result()
        except StudioError as exc:
            self.message(str(exc))
            samples = None
        if samples is not None and self.project is not None and not self.playing():
            if self.sink is None and not self._silent:
                self.sink = self.open_sink(self.project.sample_rate)
                self._silent = self.sink is None
            if self.sink is not None:
                room = self.sink.free()
                self.sink.write(samples[:, :room])  # a snippet still playing keeps its place
                self.played.append(frame)
                self._idle.start()
        if self._pending is not None and not self._gap.isActive():
            self._next()

    def close(self) -> None:
        """Let go of the output (playback is starting, or scrubbing has stopped)."""
        self._pending = None
        self._gap.stop()
        self._idle.stop()
        if self.sink is not None:
            self.sink.close()
            self.sink = None

    def shutdown(self) -> None:
        """Close, and end the worker thread without waiting for it."""
        self.close()
        self.project = None
        self._pool.shutdown(wait=False, cancel_futures=True)
