"""Media: probe stills and clips, frame-accurate decode, frame cache, thumbnails and proxies.

No Qt and no ML stack here: the UI and the renderer call into this package from worker threads.
"""

from __future__ import annotations

from .cache import FrameCache
from .importer import import_media
from .info import MediaInfo
from .probe import probe
from .reader import FrameReader, open_reader
from .thumbnails import ThumbnailService

__all__ = ["FrameCache", "FrameReader", "MediaInfo", "ThumbnailService", "import_media",
           "open_reader", "probe"]
