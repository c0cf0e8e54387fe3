"""Dock widgets of the main window, each a thin view named after the model it shows.

Holds the media bin, the outline, the inspector (one module per editor) and the jobs panel.
Docks may import ``studio.document``, ``studio.outline``, ``studio.engine_link`` (the jobs
panel, through ``studio.ui.generation.engine_bridge``) and ``studio.ui.subscriptions``; they
never edit the document themselves, they emit requests the window turns into commands.
"""
