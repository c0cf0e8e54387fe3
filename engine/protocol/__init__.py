"""The engine's contract with its clients: typed messages, the one request, the transport.

Holds ``messages`` (versioned JSON-line messages), ``requests`` (GenerationRequest, Pin and
OperationSpec, the pinned-frames primitive), ``fields`` (checking JSON against type hints),
``transport`` (socket, token and port files, the runtime folder, ``FRAMELOOM_HOME``) and
``files`` (the durable temp-fsync-rename file writes both processes use), ``models`` (the
model record of the ``list_models`` reply and its reader), ``settings`` (reading a table of
the ``settings.toml`` both read) and ``drafts`` (a draft's size and steps, and the final job
a draft take's record asks for).

May import: the standard library only. The studio imports this package and nothing else from
the engine, so everything a client needs is re-exported here.
"""

from engine.protocol.drafts import final_job
from engine.protocol.files import atomic_output, atomic_write, remove_stale_temps
from engine.protocol.messages import (
    ENVELOPE,
    MAX_LINE_BYTES,
    PROTOCOL_VERSION,
    REGISTRY,
    AddLora,
    Cancel,
    Cancelled,
    Done,
    Error,
    Failed,
    GetJob,
    Heartbeat,
    Hello,
    Interrupted,
    ListJobs,
    ListModels,
    Message,
    Ok,
    Preview,
    Progress,
    ProtocolError,
    Queued,
    Remove,
    Removed,
    Reorder,
    Reordered,
    Shutdown,
    Started,
    Submit,
    Subscribe,
    decode,
    encode,
)
from engine.protocol.models import ModelRecord
from engine.protocol.requests import (
    ATTENTION_BACKENDS,
    MAX_RETRIES,
    ClipRange,
    FrameRange,
    GenerationRequest,
    LoraChoice,
    OperationSpec,
    Pin,
    RequestError,
    TimedPrompt,
)
from engine.protocol.settings import SETTINGS_FILE, SettingsFileError, read_section
from engine.protocol.transport import (
    HOME_ENV,
    LOOPBACK,
    PORT_NAME,
    SOCKET_NAME,
    TOKEN_NAME,
    TRANSPORT_ENV,
    default_runtime_dir,
    endpoint_file,
    frameloom_home,
    read_port,
    use_tcp,
)

__all__ = [
    "ATTENTION_BACKENDS", "ENVELOPE", "HOME_ENV", "LOOPBACK", "MAX_LINE_BYTES", "MAX_RETRIES",
    "PORT_NAME", "PROTOCOL_VERSION",
    "REGISTRY", "SETTINGS_FILE", "SOCKET_NAME", "TOKEN_NAME", "TRANSPORT_ENV", "AddLora", "Cancel",
    "Cancelled", "ClipRange", "Done", "Error", "Failed", "FrameRange", "GenerationRequest",
    "GetJob", "Heartbeat", "Hello", "Interrupted", "ListJobs", "ListModels", "LoraChoice",
    "Message",
    "ModelRecord", "Ok", "OperationSpec", "Pin", "Preview", "Progress", "ProtocolError", "Queued",
    "Remove", "Removed", "Reorder", "Reordered", "RequestError", "SettingsFileError", "Shutdown",
    "Started", "Submit", "Subscribe", "TimedPrompt", "atomic_output", "atomic_write", "decode",
    "default_runtime_dir", "encode", "endpoint_file", "final_job", "frameloom_home", "read_port",
    "read_section", "remove_stale_temps", "use_tcp",
]
