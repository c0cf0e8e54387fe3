"""The worker's role on a Ray cluster (the optional ``cluster`` extra): one actor per GPU slot.

Holds ``inputs`` (a job's pinned files and source clips packed as bytes, unpacked on the node),
``actor`` (``SlotActor``: the local worker's :class:`engine.worker.child.Worker` inside a Ray
actor, its reports buffered for the engine to drain), ``connect`` (joining a cluster, failures
as one sentence), ``driver`` (the child process that is Ray's driver: the slots, their jobs,
and its exit when the head goes away), ``process`` (the engine's handle on that child) and
``channel`` (the framed pipe between them). Ray is imported only inside functions, so the
engine imports without it.

May import: ``worker`` and everything below it; nothing imports it but ``engine.service``.
"""
