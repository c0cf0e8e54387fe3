"""The viewer: the frame at the playhead rendered off the GUI thread, playback and the transport.

May import ``studio.document``, ``studio.render.preview``, ``studio.render.mixer`` (the sound
played), ``studio.ui.workers`` and ``studio.ui.subscriptions``; the transport drives a
timeline view it is given, never imports one.
"""
