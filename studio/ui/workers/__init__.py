"""Background work for the views: results handed to the GUI thread, thumbnails and proxies.

No widgets here (QtCore and QPixmap only); may import ``studio.document``, ``studio.media``
and ``studio.ui.subscriptions``.
"""
