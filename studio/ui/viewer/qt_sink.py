"""The audio output through QtMultimedia (PySide6-Addons): a QAudioSink fed in push mode.

Imported only when sound plays: on Linux QtMultimedia links the system's libpulse, and without
it this import fails (:func:`studio.ui.viewer.sound.open_default_sink` says so).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QIODevice
from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSink, QMediaDevices, QtAudio

from studio.media.sound import CHANNELS

_BYTES = 4 * CHANNELS  # one stereo float32 sample


def default_output() -> QAudioDevice | None:
    """The default audio output, or None when the system has none."""
    device = QMediaDevices.defaultAudioOutput()
    return None if device.isNull() else device


class QtAudioSink:
    """Stereo float32 at ``sample_rate`` to ``device``; implements
    :class:`~studio.ui.viewer.sound_feed.AudioSink`."""

    def __init__(self, device: QAudioDevice, sample_rate: int) -> None:
        form = QAudioFormat()
        form.setSampleRate(sample_rate)
        form.setChannelCount(CHANNELS)
        form.setSampleFormat(QAudioFormat.SampleFormat.Float)
        self._sink = QAudioSink(device, form)
        self._sink.setBufferSize(sample_rate // 10 * _BYTES)  # 0.1 s: latency against underruns
        self._io: QIODevice | None = self._sink.start()
        self._rate = sample_rate

    def free(self) -> int:
        if self._io is None or self._sink.error() != QtAudio.Error.NoError:
            return 0
        return self._sink.bytesFree() // _BYTES

    def write(self, samples: np.ndarray) -> None:
        if self._io is not None:
            self._io.write(np.ascontiguousarray(samples.T, np.float32).tobytes())

    def played(self) -> int:
        return self._sink.processedUSecs() * self._rate // 1_000_000

    def close(self) -> None:
        self._sink.stop()
        self._io = None
