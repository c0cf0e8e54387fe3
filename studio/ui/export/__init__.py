"""Exporting from the window: the export dialog, the background export and its control.

``export_dialog`` asks for the settings, ``exporting`` renders on a worker thread and
``export_control`` is the window's Export and Cancel Export. May import ``studio.document``,
``studio.render``, ``studio.provenance`` and ``studio.ui.workers``; an export renders a
snapshot, so it never touches the open document.
"""
