"""The project document: pure Python, no Qt. See ``model`` for its shape, ``edits`` for how it
changes, ``persistence`` for how it is saved."""
