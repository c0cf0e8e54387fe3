"""Models on this machine and the ones Frameloom can fetch: catalog, installed folders, store.

Holds ``installed`` (diffusers folders in the models dir and in resources), ``catalog`` (hub
repositories, sizes, memory needs, licences), ``store`` (pull, add, verify, remove), ``files``
(checking a folder: index, safetensors, no pickles) and ``profiles`` (memory profile names).

May import: ``engine.protocol`` and ``engine.paths``.
"""
