"""The engine's front door: the asyncio server, its endpoint files, the scheduler, log and policy.

Holds ``server`` (socket, token, request/reply, resumable event stream), ``endpoint`` (lock,
token and socket files), ``scheduler`` (one job at a time on the worker, cancel, crashes,
out-of-memory recycling), ``cluster`` (the same queue run on Ray actors through a driver child
process, several jobs at once, surviving the head going away: ``serve --cluster``), ``takes``
(a take returned by a cluster slot, written and verified), ``fit`` (a model too large for
every GPU of the cluster), ``log`` (the engine log file) and ``policy`` (prompt refusals).

May import: every engine package below it (``cluster``, ``worker``, ``jobs``, ``models``,
``protocol``, ``engine.paths``); nothing imports it but ``engine.cli``.
"""
