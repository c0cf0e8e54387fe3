"""The worker: the child process that holds loaded pipelines and runs one job at a time.

Holds ``child`` (the process's main loop), ``process`` (the server's handle on it), ``cache``
(pipelines kept loaded, memory budget), ``operations`` (operation jobs) and ``faults`` (fault
injection that only a test's ``FRAMELOOM_ENGINE_FAULTS=1`` turns on, honoured here because the
tests drive a real worker process).

May import: ``operations``, ``backends``, ``models``, ``output``, ``protocol``, ``engine.paths``.
"""
