"""The pipe between the engine and its cluster driver: length-prefixed pickled dicts.

Pickle rather than JSON lines because takes, previews and input files travel as bytes; both
ends are the same Frameloom in a parent and its own child process, so nothing else writes it.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any, BinaryIO

_HEADER = struct.Struct("!Q")


def frame(message: dict[str, Any]) -> bytes:
    """One message as bytes ready for the pipe."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def read_frame(stream: BinaryIO) -> dict[str, Any] | None:
    """The next message from a blocking stream, or None once it is closed."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    body = stream.read(_HEADER.unpack(header)[0])
    message: dict[str, Any] = pickle.loads(body)  # our own child's pipe, never a file
    return message


async def receive_frame(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message from an asyncio stream, or None once it is closed."""
    try:
        header = await reader.readexactly(_HEADER.size)
        body = await reader.readexactly(_HEADER.unpack(header)[0])
    except asyncio.IncompleteReadError:
        return None
    message: dict[str, Any] = pickle.loads(body)  # our own child's pipe, never a file
    return message
