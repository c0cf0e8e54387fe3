"""The Qt layer: views, commands, actions and the main window; the only place widgets live.

A map for newcomers, each package's ``__init__`` saying what it holds and what it may import:

- ``commands``, ``undo``: one ``QUndoCommand`` per document edit and named transactions
  (``PySide6.QtGui`` only, never widgets); ``subscriptions``: document signals a view follows.
- ``theme``: the dark Fusion palette the studio starts with.
- ``workers/``: handing results from worker threads to the GUI thread; thumbnails, proxies.
- ``timeline/``: the painted timeline view, its Qt-free geometry and drag state.
- ``viewer/``: the frame at the playhead, playback, and the transport (play, step, marks).
- ``docks/``: the media bin, the outline, the inspector (one module per editor), the jobs panel.
- ``export/``: the export dialog, the background export and the window's export control.
- ``generation/``: the Qt adapter over ``studio.engine_link``, and the Generate menu's work.
- ``window/``: the main window that assembles all of the above, the session of one open
  project, the action table, prompts and the application's start.

Lower packages never import ``window``; ``window`` imports everything.
"""
