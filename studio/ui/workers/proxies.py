"""Preview proxies for the open project, built in the background as clips arrive.

:class:`QtProxies` follows the project's media pool: every online clip added (imported,
relinked, or there when the project opens) that :func:`studio.media.proxy.wants_proxy` is
handed to one :class:`studio.media.proxy.ProxyBuilder`. The viewer picks a proxy up by itself
once it exists (readers look for one until they find it), so nothing has to be refreshed; a
clip whose proxy cannot be made is still shown, from the original, and the user is told once.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.document.model import MediaRef, Project
from studio.document.persistence import resolve_media_path
from studio.errors import StudioError
from studio.media.proxy import ProxyBuilder
from studio.ui.subscriptions import Subscriptions
from studio.ui.workers import threads


class QtProxies(QObject):
    """Asks for the preview proxy of each online clip of a project, once per file.

    Signals
    -------
    ready(str)
        The proxy of the file with this fingerprint digest exists now.
    busy(str)
        What is being built, for a permanent status-bar label ("" when nothing is).
    message(str)
        One sentence for the status bar when a proxy cannot be made.
    """

    ready = Signal(str)
    busy = Signal(str)
    message = Signal(str)

    def __init__(self, builder: ProxyBuilder | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.builder = builder or ProxyBuilder()
        self.subscriptions = Subscriptions()
        self.project: Project | None = None
        self.folder = Path.cwd()
        self._asked: set[str] = set()  # digests asked for (done, pending or failed)
        self._pending: set[str] = set()
        self._closed = False
        threads.install()

    def attach(self, project: Project, folder: Path) -> None:
        """Follow ``project`` (media paths relative to ``folder``) instead of the last one."""
        self.subscriptions.clear()
        self.project, self.folder = project, folder
        self.subscriptions.connect(project.events.media_changed, self._media_changed)
        for media in list(project.media.values()):
            self.want(media)

    def _media_changed(self, _media_id: str, _old: object, new: MediaRef | None) -> None:
        if new is not None:
            self.want(new)

    def want(self, media: MediaRef) -> None:
        """Ask for the proxy of ``media`` if it is an online clip not asked for yet."""
        digest = media.fingerprint.digest
        if self._closed or media.kind != "clip" or digest in self._asked:
            return
        path = resolve_media_path(self.folder, media)
        if not path.is_file():
            return  # offline: asked for again when it is relinked
        self._asked.add(digest)
        future = self.builder.request(path, media.fingerprint)
        if future.done():  # built in an earlier session
            self._arrived(digest, media.name, future)
            return
        self._pending.add(digest)
        self._busy()
        future.add_done_callback(threads.on_gui(
            self, lambda me, done: me._arrived(digest, media.name, done)))

    def _busy(self) -> None:
        count = len(self._pending)
        self.busy.emit(f"Making preview proxies: {count} clip{'s' if count > 1 else ''} to go"
                       if count else "")

    def _arrived(self, digest: str, name: str, future: Future[Path | None]) -> None:
        if digest in self._pending:
            self._pending.discard(digest)
            self._busy()
        if future.cancelled() or self._closed:
            return
        try:
            made = future.result()
        except Exception as exc:
            if isinstance(exc, (StudioError, OSError)):
                reason = str(exc).rstrip(".")
                reason = reason[:1].lower() + reason[1:]
            else:
                reason = f"{type(exc).__name__}: {exc}"
            self.message.emit(f"No preview proxy for {name}: {reason}; the viewer shows the "
                              "original, which is slower to scrub.")
            return
        if made is not None:  # None: quick to seek as it is
            self.ready.emit(digest)

    @property
    def idle(self) -> bool:
        """Whether every proxy asked for is built (or failed)."""
        return not self._pending

    def shutdown(self) -> None:
        """Stop building: the proxy in progress is abandoned, leaving nothing half-written."""
        self._closed = True
        self._pending.clear()
        self.subscriptions.clear()
        self.builder.shutdown(wait=False)
