"""The durable job store: one SQLite file (WAL) holding the queue, job records and event log.

Holds ``store`` (the queue and event log, pruning) and ``records`` (rows, schema, allowed state
changes). May import: ``engine.protocol`` and ``engine.paths``.
"""
