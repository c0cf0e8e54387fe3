"""The viewer: the timeline frame at the playhead, rendered off the GUI thread, and playback.

:class:`QtViewer` asks a worker thread for frames; the worker renders the newest request only
(older ones are dropped, which is how playback drops frames when decoding falls behind) from a
snapshot of the document taken after each edit, and hands back a QImage that the GUI thread
paints. :class:`Playback` moves the playhead by the clock at the project's rate (or a J/K/L
shuttle multiple of it), so playback keeps time whatever the viewer manages to show.

Frames come at the preview size (640 px, which the clips' preview proxies serve quickly); when
the playhead rests for :data:`REST_S` on a viewer bigger than that, the worker renders the same
frame again at the viewer's own size from the original media, so a paused frame is sharp.

The frame shown can be dragged out of the viewer (as :data:`FRAME_MIME`) onto the inspector's
pins, which pins it to the selected shot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QElapsedTimer, QMimeData, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDrag,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from studio.document.errors import EditError
from studio.document.marker_edits import marker_at
from studio.document.model import Project
from studio.document.timebase import frames_to_timecode
from studio.errors import StudioError
from studio.render.preview import PreviewFrames, preview_size, snapshot, take_preview
from studio.ui.subscriptions import Subscriptions
from studio.ui.workers import threads

BACKGROUND = QColor(16, 16, 18)


def to_qimage(frame: np.ndarray) -> QImage:
    """An RGB ``(H, W, 3)`` uint8 array as a QImage that owns its pixels."""
    height, width = frame.shape[:2]
    data = np.ascontiguousarray(frame)
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def follow_edits(subscriptions: Subscriptions, project: Project,
                 changed: Callable[..., object]) -> None:
    """Call ``changed`` after every edit that can change what the timeline shows or sounds."""
    events = project.events
    for signal in (events.track_spliced, events.media_changed, events.track_added,
                   events.track_removed, events.project_changed):
        subscriptions.connect(signal, changed)


#: version, frame, image, error, and whether it is the sharp second rendering of the frame
Deliver = Callable[[int, int, "QImage | None", str, bool], None]
Wanted = tuple[int, Project, Path, int]  # version, snapshot, folder, frame
#: Seconds the playhead must rest before its frame is rendered again at the viewer's size.
REST_S = 0.25


def sharp_size(width: int, height: int, detail: tuple[int, int] | None) -> tuple[int, int] | None:
    """The size to render a paused ``width x height`` frame at on a viewer of ``detail`` device
    pixels, or None when that is no bigger than the preview size."""
    if detail is None:
        return None
    longest = min(max(width, height), max(detail))
    size = preview_size(width, height, longest)
    return size if size[0] > preview_size(width, height)[0] else None


class _Worker(threading.Thread):
    """Renders the newest requested ``(version, snapshot, folder, frame)``; drops older ones.

    ``detail`` is the viewer's size in device pixels; after a frame, when nothing else is asked
    for within :data:`REST_S`, the same frame is rendered again at :func:`sharp_size`.
    """

    def __init__(self, deliver: Deliver) -> None:
        super().__init__(name="viewer-frames", daemon=True)
        self.deliver = deliver
        self.detail: tuple[int, int] | None = None
        self._wanted: Wanted | None = None
        self._condition = threading.Condition()
        self._stopping = False
        self._frames: PreviewFrames | None = None
        self._version = -1
        self._sharp: tuple[int, tuple[int, int], PreviewFrames] | None = None  # version, size
        self._unsharpened: Wanted | None = None  # the last frame shown at the preview size
        self.rendered = 0

    def want(self, version: int, project: Project, folder: Path, frame: int) -> None:
        with self._condition:
            self._wanted = (version, project, folder, frame)
            self._condition.notify()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify()

    def run(self) -> None:
        while True:
            sharpen: Wanted | None = None
            with self._condition:
                while self._wanted is None and not self._stopping:
                    if self._unsharpened is None:
                        self._condition.wait()
                    elif not self._condition.wait(REST_S) and self._wanted is None:
                        sharpen, self._unsharpened = self._unsharpened, None  # it rested
                        break
                if self._stopping:
                    break
                wanted, self._wanted = self._wanted, None
            if sharpen is not None:
                self._render_sharp(*sharpen)
            elif wanted is not None:
                self._render(*wanted)
        for frames in (self._frames, self._sharp[2] if self._sharp else None):
            if frames is not None:
                frames.close()

    def _render(self, version: int, project: Project, folder: Path, frame: int) -> None:
        self._unsharpened = None
        try:
            if version != self._version or self._frames is None:
                if self._frames is not None:
                    self._frames.close()
                self._frames, self._version = None, version
                self._frames = PreviewFrames(project, folder,
                                             *preview_size(project.width, project.height))
            pixels = self._frames.frame(frame)
        except StudioError as exc:
            self.deliver(version, frame, None, str(exc), False)
            return
        except Exception as exc:
            self.deliver(version, frame, None,
                         f"This frame cannot be shown ({type(exc).__name__}: {exc}).", False)
            return
        self.rendered += 1
        self.deliver(version, frame, None if pixels is None else to_qimage(pixels), "", False)
        if pixels is not None and sharp_size(project.width, project.height, self.detail):
            self._unsharpened = (version, project, folder, frame)

    def _render_sharp(self, version: int, project: Project, folder: Path, frame: int) -> None:
        size = sharp_size(project.width, project.height, self.detail)
        if size is None:
            return
        try:
            if self._sharp is None or self._sharp[:2] != (version, size):
                if self._sharp is not None:
                    self._sharp[2].close()
                    self._sharp = None
                self._sharp = (version, size, PreviewFrames(project, folder, *size,
                                                            cache_frames=4))
            pixels = self._sharp[2].frame(frame)
        except Exception:
            return
        if pixels is not None:
            self.rendered += 1
            self.deliver(version, frame, to_qimage(pixels), "", True)


#: The drag format of the frame the viewer shows (the timeline frame at the playhead); its
#: data is that frame's number.
FRAME_MIME = "application/x-frameloom-viewer-frame"


class QtViewer(QWidget):
    """The frame at the playhead, letterboxed, with its timecode; the reason when it cannot show.

    Signals
    -------
    frame_shown(int)
        A frame was painted (the timeline frame it shows).
    updated()
        A request was answered, with a frame or with the reason there is none.
    """

    frame_shown = Signal(int)
    updated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer")
        self.setMinimumSize(160, 90)
        self.image: QImage | None = None
        #: Whether ``image`` is the paused frame rendered again at the viewer's own size.
        self.sharp = False
        self.shown_frame: int | None = None
        self.error = ""
        self.project: Project | None = None
        self.folder = Path.cwd()
        self._version = 0
        self._snapshot: Project | None = None
        self._wanted = 0
        #: ``(entry id, take id)`` while a take is shown instead of the timeline.
        self.take: tuple[str, str] | None = None
        self._take_start = 0
        self.subscriptions = Subscriptions()
        threads.install()
        # The worker holds no Qt object of ours: it hands each result to the GUI thread, where
        # it reaches this viewer only while the viewer exists (see studio.ui.workers.threads).
        self._worker = _Worker(threads.on_gui(self, lambda me, *result: me._on_done(*result)))
        self._worker.start()
        self._press: QPointF | None = None

    # ------------------------------------------------------------------ what to show
    def set_project(self, project: Project, folder: Path) -> None:
        """Show ``project`` (media paths relative to ``folder``), following its edits."""
        self.subscriptions.clear()
        self.project, self.folder = project, folder
        follow_edits(self.subscriptions, project, self._changed)
        # A marker changes no picture, only the label under it: a repaint, not a render.
        self.subscriptions.connect(project.events.markers_changed, lambda *_args: self.update())
        self._changed()

    def _changed(self, *_args: object) -> None:
        self._snapshot = None  # taken again when the next frame is asked for
        self._version += 1
        self.show_frame(self._wanted)

    def show_take(self, entry_id: str, take_id: str) -> None:
        """Show take ``take_id`` of a generated item where the item lies, before it is chosen."""
        self.take = (entry_id, take_id)
        self._changed()

    def show_timeline(self) -> None:
        """Back from a take to the timeline."""
        if self.take is not None:
            self.take = None
            self._changed()

    def show_frame(self, frame: int) -> None:
        """Ask for timeline frame ``frame``; the newest request wins."""
        self._wanted = frame
        if self.project is None:
            return
        if self._snapshot is None:
            self._snapshot, self._take_start = self._source()
        wanted = frame - self._take_start if self.take is not None else frame
        self._worker.want(self._version, self._snapshot, self.folder, wanted)

    def _source(self) -> tuple[Project, int]:
        assert self.project is not None
        if self.take is not None:
            try:
                return take_preview(self.project, *self.take)
            except EditError:  # the item or take went away: back to the timeline
                self.take = None
        return snapshot(self.project), 0

    def _on_done(self, version: int, frame: int, image: QImage | None, error: str,
                 sharp: bool) -> None:
        if version != self._version:
            return  # rendered from a document that has changed since
        if self.take is not None:
            frame += self._take_start
        if sharp and frame != self.shown_frame:
            return  # the playhead moved on while it was being sharpened
        self.error = error
        self.image = image
        self.sharp = sharp
        self.shown_frame = frame if image is not None else None
        self.update()
        if image is not None and not sharp:  # a sharp frame is the one already shown
            self.frame_shown.emit(frame)
        self.updated.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        ratio = self.devicePixelRatioF()
        self._worker.detail = (round(self.width() * ratio), round(self.height() * ratio))
        if self.project is None or self.image is None:
            return
        target = sharp_size(self.project.width, self.project.height, self._worker.detail)
        if target is not None and (self.image.width(), self.image.height()) != target:
            self.show_frame(self._wanted)  # from the preview cache, then sharpened at this size

    @property
    def frames_rendered(self) -> int:
        """How many frames the worker has rendered (shown or dropped as stale)."""
        return self._worker.rendered

    def detach(self) -> None:
        """Stop following the document and end the worker thread."""
        self.subscriptions.clear()
        self._worker.stop()
        self._worker.join(timeout=5)

    # ------------------------------------------------------------------ dragging the frame out
    def draggable(self) -> bool:
        """Whether the frame shown can be dragged out: a timeline frame (not a take's) is
        shown."""
        return self.image is not None and self.take is None and self.shown_frame is not None

    def mime(self) -> QMimeData:
        """The drag data of the frame shown (:data:`FRAME_MIME`)."""
        data = QMimeData()
        data.setData(FRAME_MIME, str(self.shown_frame).encode())
        return data

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position() if event.button() == Qt.MouseButton.LeftButton else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if (self._press is None or not event.buttons() & Qt.MouseButton.LeftButton
                or not self.draggable()):
            return
        if (event.position() - self._press).manhattanLength() < \
                QApplication.startDragDistance():
            return
        self._press = None
        drag = QDrag(self)
        drag.setMimeData(self.mime())
        assert self.image is not None
        drag.setPixmap(QPixmap.fromImage(self.image.scaledToWidth(
            120, Qt.TransformationMode.SmoothTransformation)))
        drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._press = None

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), BACKGROUND)
        painter.setPen(QColor(220, 220, 220))
        if self.image is not None:
            target = self._fit(self.image.width(), self.image.height())
            painter.drawImage(target, self.image)
            label = self.label()
            if label:
                painter.drawText(self.rect().adjusted(8, 0, -8, -6),
                                 int(Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft),
                                 label)
        elif self.error or self.project is None:
            painter.drawText(self.rect().adjusted(16, 16, -16, -16),
                             int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             self.error or "No project.")
        elif self._wanted >= (self.project.timeline.duration if self.project else 0):
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "End of timeline")
        painter.end()

    def label(self) -> str:
        """The line under the picture: the shown frame's timecode, then a take shown before it
        is chosen, or the marker on that frame ("" with nothing shown)."""
        if self.project is None or self.shown_frame is None:
            return ""
        label = frames_to_timecode(self.shown_frame, self.project.rate)
        if self.take is not None:
            return label + "   showing a take that is not chosen"
        marker = marker_at(self.project, self.shown_frame)
        if marker is not None:
            label += f"   marker{f': {marker.name}' if marker.name else ''}"
        return label

    def _fit(self, width: int, height: int) -> QRectF:
        scale = min(self.width() / width, self.height() / height)
        w, h = width * scale, height * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)


class Playback(QObject):
    """Plays the timeline by moving the playhead with the clock.

    ``speed`` is in multiples of real time: 1 plays, 2/4/8 and -1/-2/-4/-8 shuttle (L and J
    pressed again), 0 stops. Each tick puts the playhead where the clock says it should be,
    so a slow viewer shows fewer frames but never slows the clock. Playback keeps to a span
    of frames (the In to Out marks, or the whole timeline) and stops at its end, or, with
    :attr:`loop`, goes on from its other end.

    While sound plays, :attr:`sound_clock` (set by :class:`~studio.ui.viewer.sound.SoundPlayer`)
    gives the frames played since the start by the audio output's clock, and the picture follows
    it instead of the wall clock.

    Signals
    -------
    seek(int)
        Move the playhead to this frame.
    state_changed(float)
        The speed changed (0 when stopped).
    origin_moved(int)
        Playing starts (again) from this frame: at a start, and where a loop goes on.
    """

    seek = Signal(int)
    state_changed = Signal(float)
    origin_moved = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.speed = 0.0
        self.rate = Fraction(24)
        self.duration = 0
        #: The frames played, ``(first, last)`` inclusive.
        self.span = (0, 0)
        #: Whether playing past one end of the span goes on from the other.
        self.loop = False
        self._origin = 0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.ticks = 0
        self.sound_clock: Callable[[], int] | None = None

    @property
    def playing(self) -> bool:
        return self.speed != 0

    def start(self, frame: int, rate: Fraction, duration: int, speed: float = 1.0,
              span: tuple[int, int] | None = None) -> None:
        """Play from ``frame`` at ``speed`` times ``rate`` within ``span`` (first and last
        frame; the whole ``duration`` by default), stopping at its end unless :attr:`loop`.

        Started at or past the end it is heading for, or outside the span, it starts from
        the span's other end, as editors do.
        """
        first, last = span if span is not None else (0, max(0, duration - 1))
        self.rate, self.duration, self.span = Fraction(rate), duration, (first, last)
        self._origin = frame
        if speed > 0 and not first <= frame < last:
            self._origin = first
        elif speed < 0 and not first < frame <= last:
            self._origin = last
        self.speed = speed
        self._clock.start()
        self._timer.start(max(4, int(500 / float(self.rate))))  # two ticks a frame
        self.sound_clock = None
        self.state_changed.emit(self.speed)
        self.origin_moved.emit(self._origin)

    def stop(self) -> None:
        """Stop where the playhead is."""
        if self.speed != 0:
            self.speed = 0.0
            self._timer.stop()
            self.state_changed.emit(0.0)

    def follow_wall_clock(self) -> None:
        """Play on from where the sound clock has the picture, by the wall clock."""
        if self.sound_clock is not None:
            self._origin, self.sound_clock = self.position(), None
            self._clock.restart()

    def position(self) -> int:
        """The frame the clock says is showing now."""
        if self.sound_clock is not None:
            return self._origin + self.sound_clock()
        elapsed = self._clock.elapsed() / 1000.0
        return self._origin + int(elapsed * float(self.rate) * self.speed)

    def _tick(self) -> None:
        self.ticks += 1
        frame = self.position()
        first, last = self.span
        looping = self.loop and last > first
        if looping and not first <= frame <= last:
            frame = first + (frame - first) % (last - first + 1)  # on from the other end
            self._origin, self.sound_clock = frame, None
            self._clock.restart()
            self.origin_moved.emit(frame)
        ended = not looping and (frame >= last if self.speed > 0 else frame <= first)
        self.seek.emit(min(max(frame, first), last))
        if ended:
            self.stop()

