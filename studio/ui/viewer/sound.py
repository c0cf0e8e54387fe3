"""Sound during playback: the mix fed to the audio output, and the picture on the audio clock.

While :class:`~studio.ui.viewer.viewer.Playback` plays at an audible speed
(:func:`~studio.ui.viewer.sound_feed.audible`), :class:`SoundPlayer` mixes ahead on a thread
(:class:`~studio.ui.viewer.sound_feed.SoundFeed` over a snapshot of the document), writes to
the output what it takes every few milliseconds, and gives the playback its clock: the frame of
the sample being heard. An edit while playing (a track muted) is mixed from the next sample
not yet written. With no audio output (no device, or QtMultimedia missing a system library) the
picture plays on the wall clock and the status bar says so once. While stopped, moving the
playhead plays short snippets (:mod:`~studio.ui.viewer.scrub_sound`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QTimer, SignalInstance

from studio.document.model import Project
from studio.errors import StudioError
from studio.render.preview import snapshot
from studio.ui.subscriptions import Subscriptions
from studio.ui.viewer.scrub_sound import ScrubSound
from studio.ui.viewer.sound_feed import AudioSink, SoundFeed, audible
from studio.ui.viewer.viewer import Playback, follow_edits
from studio.ui.workers import threads

#: Samples mixed ahead of the output (about 0.2 s at 48 kHz) and the size of each mixed block.
AHEAD, BLOCK = 9_600, 1_024
PUMP_MS = 10
#: An output that plays nothing for this long is given up, and the picture goes on without it.
STALL_MS = 3_000
#: Returns an output for a sample rate, or the sentence saying why there is none.
OpenSink = Callable[[int], "AudioSink | str"]


def open_default_sink(sample_rate: int) -> AudioSink | str:
    """The system's default audio output through QtMultimedia, or why there is none."""
    try:
        from studio.ui.viewer.qt_sink import QtAudioSink, default_output
    except ImportError as exc:  # Linux wheels link libpulse, a system library
        return f"No audio output: QtMultimedia cannot be loaded ({exc}); playback is silent."
    device = default_output()
    if device is None:
        return "No audio output device was found; playback is silent."
    return QtAudioSink(device, sample_rate)


class _Mixing(threading.Thread):
    """Mixes blocks ahead into ``blocks`` until :data:`AHEAD` samples wait; an edit bumps
    ``generation`` so a block mixed from the old document is dropped."""

    def __init__(self, feed: SoundFeed, failed: Callable[[str], None]) -> None:
        super().__init__(name="viewer-sound", daemon=True)
        self.feed, self.failed = feed, failed
        self.blocks: list[np.ndarray] = []
        self.waiting = 0
        self.condition = threading.Condition()
        self.generation = 0
        self.restart: tuple[Project, int] | None = None  # document, device sample to mix from
        self.stopping = False

    def run(self) -> None:
        broken = False  # a sound could not be read: silence until the next edit
        try:
            while True:
                with self.condition:
                    while self.waiting >= AHEAD and not self.stopping and self.restart is None:
                        self.condition.wait()
                    if self.stopping:
                        return
                    if self.restart is not None:
                        project, position = self.restart
                        self.restart, broken = None, False
                        self.feed.restart(project)
                        self.feed.position = position
                    generation = self.generation
                block = np.zeros((2, BLOCK), np.float32)
                if broken:
                    self.feed.position += BLOCK
                else:
                    try:
                        block = self.feed.read(BLOCK)
                    except StudioError as exc:
                        broken = True
                        self.feed.position += BLOCK
                        self.failed(str(exc))
                with self.condition:
                    if generation == self.generation and self.restart is None:
                        self.blocks.append(block)
                        self.waiting += block.shape[1]
        finally:
            self.feed.close()

    def take(self, count: int) -> np.ndarray | None:
        """Up to ``count`` mixed samples, or None when none are ready."""
        with self.condition:
            if not self.blocks:
                return None
            out = np.concatenate(self.blocks, axis=1) if len(self.blocks) > 1 else self.blocks[0]
            taken, rest = out[:, :count], out[:, count:]
            self.blocks = [rest] if rest.shape[1] else []
            self.waiting = rest.shape[1]
            self.condition.notify()
        return taken

    def mix_again(self, project: Project, position: int) -> None:
        with self.condition:
            self.generation += 1
            self.blocks, self.waiting = [], 0
            self.restart = (project, position)
            self.condition.notify()

    def stop(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify()


class SoundPlayer(QObject):
    """Plays the mix of the open project while ``playback`` plays, and clocks the picture by it.

    Parameters
    ----------
    playback
        The window's playback; the player follows its starts and stops and sets its
        ``sound_clock`` while sound plays.
    message
        Shows one sentence in the status bar (the missing output, once; a sound that cannot
        be read).
    open_sink
        Opens the audio output for a sample rate (:func:`open_default_sink`; tests give a fake).
    """

    def __init__(self, playback: Playback, message: Callable[[str], None],
                 open_sink: OpenSink = open_default_sink, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.playback, self.message, self.open_sink = playback, message, open_sink
        self.project: Project | None = None
        self.folder = Path.cwd()
        self.sink: AudioSink | None = None
        self._mixing: _Mixing | None = None
        self.written = 0  # device samples written since the start
        #: Device samples written when each edit during play was mixed in (for tests).
        self.remixed: list[int] = []
        self._told = False
        self._subscriptions = Subscriptions()
        self._pump = QTimer(self)
        self._pump.setInterval(PUMP_MS)
        self._pump.timeout.connect(self._feed)
        self._last_played = (-1, QElapsedTimer())  # the output's clock, and since when
        #: Snippets at the playhead while stopped, through an output opened as playback's is.
        self.scrub = ScrubSound(self._open, lambda: self.playback.playing, message, self)
        threads.install()
        playback.origin_moved.connect(self._start)
        playback.state_changed.connect(self._speed_changed)

    def set_project(self, project: Project, folder: Path,
                    playhead: SignalInstance | None = None) -> None:
        """Play ``project``'s sound (media paths relative to ``folder``), following its edits;
        each move that ``playhead`` (the timeline's ``playhead_moved``) reports while stopped
        plays a snippet."""
        self.stop()
        self._subscriptions.clear()
        self.project, self.folder = project, folder
        follow_edits(self._subscriptions, project, self._edited)
        self.scrub.set_project(project, folder)
        if playhead is not None:
            playhead.connect(self.scrub.moved)

    def _speed_changed(self, speed: float) -> None:
        if speed == 0:
            self.stop()

    @property
    def playing(self) -> bool:
        """Whether sound is playing now."""
        return self._mixing is not None

    def _start(self, origin: int) -> None:
        self.stop()
        self.scrub.close()
        speed = self.playback.speed
        if self.project is None or not audible(speed):
            return
        self.sink = self._open(self.project.sample_rate)
        if self.sink is None:
            return
        feed = SoundFeed(snapshot(self.project), self.folder, origin, int(speed))
        self._mixing = _Mixing(feed, threads.on_gui(self, lambda me, text: me.message(text)))
        self._mixing.start()
        self.written = 0
        self.remixed = []
        self._last_played[1].start()
        sink = self.sink
        self.playback.sound_clock = lambda: feed.frame(sink.played()) - origin
        self._pump.start()
        self._feed()

    def _open(self, sample_rate: int) -> AudioSink | None:
        sink = self.open_sink(sample_rate)
        if isinstance(sink, str):
            if not self._told:
                self._told = True
                self.message(sink)
            return None
        return sink

    def _feed(self) -> None:
        if self._mixing is None or self.sink is None:
            return
        played, since = self._last_played
        if self.sink.played() != played:
            self._last_played = (self.sink.played(), since)
            since.start()
        elif since.hasExpired(STALL_MS):
            self.playback.follow_wall_clock()
            self.stop()
            self.message("The audio output stopped playing; playback goes on without sound.")
            return
        free = self.sink.free()
        while free > 0:
            samples = self._mixing.take(free)
            if samples is None:
                break
            self.sink.write(samples)
            self.written += samples.shape[1]
            free -= samples.shape[1]

    def _edited(self, *_args: object) -> None:
        if self._mixing is not None and self.project is not None:
            if self.remixed[-1:] != [self.written]:  # one edit emits several events
                self.remixed.append(self.written)
            self._mixing.mix_again(snapshot(self.project), self.written)

    def stop(self) -> None:
        """Stop the sound; the picture goes back to the wall clock."""
        self._pump.stop()
        self.playback.follow_wall_clock()
        if self._mixing is not None:
            self._mixing.stop()  # it ends after the block it is mixing (not waited for)
            self._mixing = None
        if self.sink is not None:
            self.sink.close()
            self.sink = None

    def shutdown(self) -> None:
        """Stop and stop following the document."""
        self.stop()
        self.scrub.shutdown()
        self._subscriptions.clear()
