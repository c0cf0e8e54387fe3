"""The studio's link to the engine: a plain-asyncio client and the supervisor of the engine process.

No Qt here: a small adapter in ``studio.ui`` turns what this package reports into Qt signals.
From ``engine`` the studio imports only ``engine.protocol``.
"""

from __future__ import annotations

from .board import JobBoard, JobView
from .client import EngineClient
from .errors import EngineError, EngineUnavailable
from .supervisor import EngineSupervisor, SupervisorStatus

__all__ = ["EngineClient", "EngineError", "EngineSupervisor", "EngineUnavailable", "JobBoard",
           "JobView", "SupervisorStatus"]
