"""The studio's one error base: ``str(error)`` is a sentence a user can act on."""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the studio raises on purpose (document, media, render).

    Entry points catch this and show ``str(error)``; anything else is a bug.
    """


class MediaError(StudioError):
    """A media file cannot be used: missing, unreadable, damaged, unsupported or too large."""


class RenderError(StudioError):
    """The timeline could not be rendered or exported."""


class ExportCancelled(RenderError):
    """The user cancelled an export; nothing was left under the output name."""
