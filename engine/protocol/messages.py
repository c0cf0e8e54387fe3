"""Typed, versioned messages between the studio and the engine, one compact JSON object per line.

The conversation on one connection (the Unix socket ``SOCKET_NAME`` in
:func:`default_runtime_dir`, or loopback TCP on the port in ``PORT_NAME`` where :func:`use_tcp`):

1. The client's first line is :class:`Hello` with the token read from ``TOKEN_NAME`` beside the
   socket. The engine answers :class:`Ok` (``data``: ``engine_version``, ``last_seq``) or
   :class:`Error` ``unauthorized`` and closes the connection.
2. Each request carries a client-chosen ``id``; exactly one :class:`Ok` or :class:`Error` with
   ``reply_to`` equal to it answers it. A line that cannot be read gets an Error with
   ``reply_to`` None; the connection stays open (an oversized line closes it, since the rest of
   that line cannot be skipped safely).
3. After :class:`Subscribe`, the same connection also carries events, oldest first, each once:
   every logged event with ``seq`` greater than ``since_seq``, then live ones. Events are
   logged in the engine's job store, so a client that reconnects and subscribes with the last
   ``seq`` it saw misses nothing and sees nothing twice. :class:`Heartbeat` is not logged: its
   ``seq`` is the newest logged event's, so a client can tell it is up to date.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from engine.protocol.fields import FieldError, build, check_fields
from engine.protocol.requests import GenerationRequest, OperationSpec

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 1 << 20  # previews travel as small JPEGs, so 1 MiB leaves room and bounds memory

# Wire keys every message carries besides its own fields.
ENVELOPE = ("type", "protocol_version")

class ProtocolError(Exception):
    """A line that is not a valid message; ``code`` is machine-readable, ``message`` one sentence.

    Parameters
    ----------
    code
        One of ``line_too_long``, ``not_utf8``, ``not_json``, ``not_object``, ``unknown_type``,
        ``version_mismatch``, ``bad_field``, ``bad_request``, ``not_encodable``.
    message
        A readable sentence for logs and error replies.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


REGISTRY: dict[str, type[Message]] = {}
_M = TypeVar("_M", bound="Message")


def _message(name: str) -> Callable[[type[_M]], type[_M]]:
    """Register a message class under its wire ``type`` name."""
    def register(cls: type[_M]) -> type[_M]:
        # A field named like an envelope key would be overwritten on the wire.
        if {f.name for f in dataclasses.fields(cls)} & set(ENVELOPE):
            raise TypeError(f"{cls.__name__} has a field named like an envelope key {ENVELOPE}")
        cls.TYPE = name
        REGISTRY[name] = cls
        return cls
    return register


@dataclass(frozen=True)
class Message:
    """Base of every message: fields are checked against their type hints on construction."""

    TYPE: ClassVar[str] = ""

    def __post_init__(self) -> None:
        try:
            check_fields(self)
        except FieldError as exc:
            code = "bad_request" if str(exc).startswith("request.") else "bad_field"
            raise ProtocolError(code, f"{self.TYPE}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The message as a JSON-ready dict, with its ``type`` and ``protocol_version``."""
        data: dict[str, Any] = {"type": self.TYPE, "protocol_version": PROTOCOL_VERSION}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            data[f.name] = value.to_dict() if hasattr(value, "to_dict") else value
        return data


# --- requests: the client chooses ``id``; the reply names it in ``reply_to`` ---------------------

@_message("hello")
@dataclass(frozen=True)
class Hello(Message):
    """The first message of a connection: presents the token; the envelope carries the version."""

    id: str
    token: str
    client: str


@_message("submit")
@dataclass(frozen=True)
class Submit(Message):
    """Queue a job; submitting the same ``job_id`` again is answered, not queued twice.

    With an ``operation`` (extend, bridge, loop, long shot), ``request`` is its base and the
    job's outputs are the take and the joined result, in that order.
    """

    id: str
    job_id: str
    request: GenerationRequest
    requeue_if_interrupted: bool = False
    operation: OperationSpec | None = None


@_message("cancel")
@dataclass(frozen=True)
class Cancel(Message):
    """Cancel a queued or running job; answered on the control path while a job runs."""

    id: str
    job_id: str


@_message("list_jobs")
@dataclass(frozen=True)
class ListJobs(Message):
    """Ask for every job the store knows, in queue order."""

    id: str


@_message("get_job")
@dataclass(frozen=True)
class GetJob(Message):
    """Ask for one job's record."""

    id: str
    job_id: str


@_message("subscribe")
@dataclass(frozen=True)
class Subscribe(Message):
    """Stream events with ``seq`` greater than ``since_seq`` (0 for all), then live ones."""

    id: str
    since_seq: int = 0


@_message("list_models")
@dataclass(frozen=True)
class ListModels(Message):
    """Ask for the models the engine can run."""

    id: str


@_message("add_lora")
@dataclass(frozen=True)
class AddLora(Message):
    """Add a LoRA file (safetensors, a path on the engine's machine) to an installed model,
    under ``name`` (the file's name when None); the engine checks it against the model and
    keeps a copy. Answered with ``{"lora": {"model_id", "name", "layers"}}``."""

    id: str
    model_id: str
    path: str
    name: str | None = None


@_message("reorder")
@dataclass(frozen=True)
class Reorder(Message):
    """Put the named queued jobs first, in this order."""

    id: str
    job_ids: tuple[str, ...]


@_message("remove")
@dataclass(frozen=True)
class Remove(Message):
    """Remove a queued job."""

    id: str
    job_id: str


@_message("shutdown")
@dataclass(frozen=True)
class Shutdown(Message):
    """Stop the engine; answered on the control path, never behind a job."""

    id: str


# --- replies --------------------------------------------------------------------------------------

@_message("ok")
@dataclass(frozen=True)
class Ok(Message):
    """A request succeeded; ``data`` is its answer."""

    reply_to: str
    data: dict[str, Any] = field(default_factory=dict)


@_message("error")
@dataclass(frozen=True)
class Error(Message):
    """A request failed; ``reply_to`` is None when the line could not be read as a request."""

    reply_to: str | None
    code: str
    message: str
    hint: str | None = None


# --- events: ``seq`` grows by one per event, so a reconnecting client resumes after the last -----

@_message("queued")
@dataclass(frozen=True)
class Queued(Message):
    """A job entered the queue; ``position`` orders the queue (smaller runs first).

    ``requeued`` is true for an interrupted job put back at the front after a restart.
    """

    seq: int
    job_id: str
    position: int = 0
    requeued: bool = False


@_message("started")
@dataclass(frozen=True)
class Started(Message):
    """A job's worker began it; ``attempt`` counts starts, so a requeued job shows 2.

    ``node`` says where it runs: ``local`` (the engine's own worker) or a cluster node as
    ``IP (node ID)``; None from an engine that did not say.
    """

    seq: int
    job_id: str
    attempt: int = 1
    node: str | None = None


@_message("progress")
@dataclass(frozen=True)
class Progress(Message):
    """A denoising step finished; ``eta_s`` is None until a step has been timed."""

    seq: int
    job_id: str
    step: int
    total: int
    eta_s: float | None = None


@_message("preview")
@dataclass(frozen=True)
class Preview(Message):
    """A small JPEG of the current estimate, inline as base64 or as a file in the engine's cache."""

    seq: int
    job_id: str
    step: int
    jpeg_b64: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.jpeg_b64 is None) == (self.path is None):
            raise ProtocolError("bad_field", "preview: exactly one of jpeg_b64 and path is set.")


@_message("done")
@dataclass(frozen=True)
class Done(Message):
    """A job's outputs exist, decode and are in place; ``settings`` reproduce them."""

    seq: int
    job_id: str
    outputs: tuple[str, ...]
    settings: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


@_message("failed")
@dataclass(frozen=True)
class Failed(Message):
    """A job failed; ``message`` is one sentence and ``hint`` says what to change."""

    seq: int
    job_id: str
    code: str
    message: str
    hint: str | None = None


@_message("cancelled")
@dataclass(frozen=True)
class Cancelled(Message):
    """A job was cancelled; nothing half-written is left visible."""

    seq: int
    job_id: str


@_message("interrupted")
@dataclass(frozen=True)
class Interrupted(Message):
    """A job was running when the engine stopped; ``requeued`` if the client asked for that."""

    seq: int
    job_id: str
    requeued: bool = False


@_message("reordered")
@dataclass(frozen=True)
class Reordered(Message):
    """The queue was reordered; ``order`` is every queued job, next first."""

    seq: int
    order: tuple[str, ...]


@_message("removed")
@dataclass(frozen=True)
class Removed(Message):
    """A job was removed from the store."""

    seq: int
    job_id: str


@_message("heartbeat")
@dataclass(frozen=True)
class Heartbeat(Message):
    """The engine is alive; not logged, so ``seq`` is the newest logged event's.

    VRAM figures in bytes are None where there is no GPU. ``cluster`` is None for the local
    worker, else the Ray cluster's state: ``connected``, or ``unreachable`` while its head is
    gone (queued and interrupted jobs then wait for it).
    """

    seq: int
    busy: bool
    queue_length: int
    vram_used: int | None = None
    vram_total: int | None = None
    cluster: str | None = None


def encode(message: Message) -> bytes:
    """Serialise a message as one compact JSON line with sorted keys, ending in ``\\n``.

    Raises
    ------
    ProtocolError
        ``not_encodable`` if a free-form field holds a non-JSON value, ``line_too_long`` if the
        line would be refused by :func:`decode` on the other side.
    """
    try:
        # ensure_ascii: lone surrogates from a decoded line must still encode as valid UTF-8.
        text = json.dumps(message.to_dict(), separators=(",", ":"), sort_keys=True,
                          allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProtocolError("not_encodable", f"{message.TYPE}: {exc}.") from None
    line = text.encode("ascii") + b"\n"
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError("line_too_long", f"{message.TYPE} is {len(line)} bytes, more than "
                                             f"the {MAX_LINE_BYTES} a line may hold.")
    return line


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decode(line: bytes) -> Message:
    """Read one line (with or without its ``\\n``) as a message.

    Raises
    ------
    ProtocolError
        For an oversized line (checked before parsing), invalid UTF-8 or JSON, a non-object, an
        unknown type, another protocol version, or missing, extra or wrong-typed fields.
    """
    if len(line) > MAX_LINE_BYTES:
        raise ProtocolError("line_too_long", f"the line is {len(line)} bytes, more than the "
                                             f"{MAX_LINE_BYTES} allowed.")
    try:
        text = bytes(line).decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("not_utf8", "the line is not valid UTF-8.") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested arrays
        raise ProtocolError("not_json", f"the line is not valid JSON ({type(exc).__name__}).") \
            from None
    if not isinstance(data, dict):
        raise ProtocolError("not_object", f"a message is a JSON object, not {type(data).__name__}.")
    name = data.get("type")
    cls = REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ProtocolError("unknown_type", f"the message type {name!r} is unknown.")
    version = data.get("protocol_version")
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise ProtocolError("version_mismatch", f"{name}: protocol version {version!r} is not "
                                                f"the engine's {PROTOCOL_VERSION}.")
    fields = {k: v for k, v in data.items() if k not in ENVELOPE}
    try:
        return build(cls, fields, "")  # type: ignore[no-any-return]
    except FieldError as exc:  # unknown or missing keys; field errors are ProtocolErrors
        raise ProtocolError("bad_field", f"{name}: {exc}") from None
