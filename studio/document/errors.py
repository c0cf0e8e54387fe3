"""Errors the document layer raises, each carrying one sentence a user can act on."""

from __future__ import annotations

from studio.errors import StudioError


class DocumentError(StudioError):
    """Base of every error the document layer raises on purpose.

    ``str(error)`` is the user-facing sentence; no traceback is ever needed to understand it.
    """


class EditError(DocumentError):
    """An edit was asked for that the document cannot take (unknown id, frame out of range...)."""


class ProjectFileError(DocumentError):
    """A project file could not be read: malformed, wrong types, unknown schema, not a project."""


class ReadOnlyProjectError(DocumentError):
    """A project opened read-only (saved by a newer Frameloom) cannot be saved over."""


class InvalidDocumentError(DocumentError):
    """A document breaks one of its invariants (duplicate ids, dangling references...)."""
