"""The main window and what it is assembled from: session, actions, prompts, status bar, start-up.

The top of the Qt layer: it may import every other ``studio.ui`` package (nothing imports it
but ``studio.app`` and ``studio.tools``). The window holds no edit logic of its own; it wires
views to the session, the transport, the export control and the generation actions.
"""
