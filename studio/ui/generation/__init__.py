"""Generation: the one Qt adapter over ``studio.engine_link`` and the Generate menu's work.

The only ``studio.ui`` package that talks to the engine (through ``studio.engine_link`` and
``engine.protocol``); it may import ``studio.document``, ``studio.ui.commands`` and
``studio.ui.workers``, and changes the document only through undo commands.
"""
