"""One open project's views (timeline, outline, media bin, inspector), made and dropped together."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from studio.ui.docks.inspector import QtInspector
from studio.ui.docks.media_bin import QtMediaBin
from studio.ui.docks.outline import QtOutline
from studio.ui.docks.sound_icon import waveform_icon
from studio.ui.generation.live_jobs import LiveJobs
from studio.ui.timeline.timeline_view import QtTimelineView
from studio.ui.window.session import ProjectSession
from studio.ui.workers.thumbnails import ItemThumbnails, QtThumbnails
from studio.ui.workers.waveforms import QtWaveforms


class ProjectViews:
    """The views of ``session``'s project, each following the document, with their thumbnails.

    Parameters
    ----------
    session
        The open project; :meth:`close` closes it too.
    thumbnails
        The window's thumbnail maker, shared by every project it opens.
    live
        The engine's jobs, which the timeline shows on the items they are for (None without
        an engine).
    """

    def __init__(self, session: ProjectSession, thumbnails: QtThumbnails,
                 live: LiveJobs | None = None) -> None:
        project = session.project
        self.session = session
        self.item_thumbs = ItemThumbnails(thumbnails, project, session.folder)
        self.timeline = QtTimelineView(project)
        self.timeline.thumbs = self.item_thumbs.item
        self.waveforms = QtWaveforms(project, session.folder)
        self.timeline.waveform = self.waveforms.peaks
        self.waveforms.changed.connect(self.timeline.update)
        service = self.waveforms.service  # not the view: the lambda must not keep it alive
        self.timeline.destroyed.connect(lambda *_args: service.shutdown(wait=False))
        self.live = live
        if live is not None:
            live.follow(project)
            self.timeline.job_status = live.status_of
            live.changed.connect(self._jobs_changed)
            live.job_changed.connect(self._jobs_changed)
        self.outline = QtOutline(project, session.media_status)
        self.media_list = QtMediaBin(project, session.media_status, thumb=self._bin_thumb)
        self.waveforms.changed.connect(self.media_list.refresh_icons)
        self.inspector = QtInspector(project, thumb=self.item_thumbs.take)
        # The inspector scrolls, so its many rows never force the window taller.
        self.inspector_scroll = QScrollArea()
        self.inspector_scroll.setWidgetResizable(True)
        self.inspector_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.inspector_scroll.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.inspector_scroll.setWidget(self.inspector)

    def _bin_thumb(self, media_id: str, frame: int, size: tuple[int, int]) -> QPixmap | None:
        """A pool entry's picture in the bin: a frame, or an audio file's waveform."""
        media = self.session.project.media.get(media_id)
        if media is None or media.kind != "audio":
            return self.item_thumbs.media(media_id, frame, size)
        peaks = self.waveforms.media_peaks(media_id)
        return None if peaks is None else waveform_icon(peaks, size)

    def docked(self) -> dict[str, QWidget]:
        """The widget each dock shows, by dock name."""
        return {"Timeline": self.timeline, "Outline": self.outline, "Media": self.media_list,
                "Inspector": self.inspector_scroll}

    def _jobs_changed(self, *_job: object) -> None:
        self.timeline.update()  # an item's "queued" or "generating 40%" line

    def thumbnails_arrived(self) -> None:
        """Show the thumbnails made since."""
        self.timeline.update()
        self.media_list.refresh_icons()
        self.inspector.refresh_icons()

    def close(self) -> None:
        """Close the session and let the views go (its undo stack keeps the project alive
        otherwise)."""
        self.session.close()
        self.session.deleteLater()
        if self.live is not None:
            self.live.changed.disconnect(self._jobs_changed)
            self.live.job_changed.disconnect(self._jobs_changed)
        self.waveforms.shutdown()
        self.waveforms.deleteLater()
        for view in (self.timeline, self.outline, self.media_list, self.inspector):
            view.detach()
            view.deleteLater()
        self.inspector_scroll.deleteLater()
