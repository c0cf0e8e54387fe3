"""The conventions Frameloom's ``.otio`` files follow, shared by export and import.

Durations are project frames, so an OTIO clip lasts exactly as long as its item in any editor;
a clip's in point counts its media's own frames, as the renderer reads it. Every OTIO object
carries ``metadata[KEY]`` with its id (and, for generated items and bridges, the encoded
generation), so files Frameloom wrote read back exactly. Media are ``file://`` URLs.
:mod:`studio.render.otio_export` writes such files and :mod:`studio.render.otio_import` reads
them (and other editors' OTIO).
"""

from __future__ import annotations

from studio.errors import StudioError

KEY = "frameloom"
GENERATOR_KIND = "frameloom.generated"


class InterchangeError(StudioError):
    """An ``.otio`` file could not be written or read; ``str()`` names the file."""

