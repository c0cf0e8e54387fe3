"""Exporting from the window: the export dialog, the background export and its control.

May import ``studio.document``, ``studio.render``, ``studio.provenance`` and
``studio.ui.workers``; the export renders a snapshot, so it never touches the open document.
"""
