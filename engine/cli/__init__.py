"""The ``frameloom-engine`` command: serve, drive a running engine, manage models, generate.

Holds ``main`` (the parser and dispatch), ``client`` (a small blocking client), ``running``
(commands that talk to a running engine), ``models`` (``models list/pull/...``) and
``generate`` (one job in this process). The top layer: it may import every engine package.
"""
