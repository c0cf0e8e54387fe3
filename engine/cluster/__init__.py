"""The worker's role on a Ray cluster (the optional ``cluster`` extra): one actor per GPU slot.

Holds ``inputs`` (a job's pinned files and source clips packed as bytes, unpacked on the node)
and ``actor`` (``SlotActor``: the local worker's :class:`engine.worker.child.Worker` inside a
Ray actor, its reports buffered for the engine to drain). Ray is imported only inside functions,
so the engine imports without it.

May import: ``worker`` and everything below it; nothing imports it but ``engine.service``.
"""
