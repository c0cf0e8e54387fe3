"""The main window and what it is assembled from: session, views, actions, prompts, status bar.

``main_window`` only composes; ``session`` is one open project (undo stack, file, autosave),
``project_views`` the views made for it, ``edit_requests`` turns their requests and the Edit
menu into commands, ``actions`` is the action table, ``status_bar``, ``prompts`` and
``launch`` (with ``refcount_guard``) start the application. The top of the Qt layer: it may
import every other ``studio.ui`` package, and only ``studio.app`` and ``studio.tools`` import it.
"""
