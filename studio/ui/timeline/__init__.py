"""The timeline: a painted view of the tracks that follows document events and requests edits.

``timeline_geometry`` (frames to pixels, layouts, hit tests, snapping), ``timeline_drag`` (one
drag's state) and ``timeline_queries`` (which items lie under a frame) are Qt-free;
``timeline_paint`` and ``timeline_view`` use QtGui and QtWidgets. They may import
``studio.document`` and the media bin's drag format (``studio.ui.docks.media_bin.MEDIA_MIME``),
and never edit the document: the view emits requests the window turns into commands.
"""
