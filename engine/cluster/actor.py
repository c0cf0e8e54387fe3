"""``SlotActor``: the local worker's job-running code inside a Ray actor, one per GPU slot.

The engine wraps this class with ``ray.remote`` (its resource request: ``num_gpus``, memory)
and calls it with ``max_concurrency`` above one, so ``cancel`` and ``drain`` run while ``run``
is busy in a denoising step. ``run`` writes the take into a private folder on the node and
returns its bytes; the engine verifies and writes it under its final name, as for a local take.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.backends.cache import memory_info
from engine.cluster.inputs import remap_request, unpack_inputs
from engine.worker.child import Worker
from engine.worker.faults import Faults

_STREAMED = ("progress", "preview")
SLOTS = "frameloom-slots"
"""The folder under the node's temporary directory that holds each slot's private folder."""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine; True where that cannot be asked safely
    (off POSIX, ``os.kill(pid, 0)`` would not merely ask)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def slot_folder(root: Path | None = None) -> Path:
    """A new private folder for this process's slot, named after its process id, under
    ``root`` (the node's temporary directory's :data:`SLOTS` when None).

    The folders of slots whose process is gone are removed first: an actor killed with its
    node, or mid-job, never reaches its own clean-up, and its folder may hold copies of a job's
    input media.
    """
    root = Path(tempfile.gettempdir()) / SLOTS if root is None else root
    root.mkdir(parents=True, exist_ok=True)
    for old in root.iterdir():
        pid = old.name.split("-", 1)[0]
        if old.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))


class SlotActor:
    """One GPU slot: a :class:`Worker` that keeps its pipelines loaded between jobs.

    Parameters
    ----------
    env
        Environment for the worker on this node (``FRAMELOOM_HOME``, test-only faults), set
        before anything reads it.
    torch_threads
        Intra-op threads for torch; None leaves torch's default.
    """

    def __init__(self, env: Mapping[str, str], torch_threads: int | None = None) -> None:
        os.environ.update(env)
        if torch_threads is not None:
            import torch

            torch.set_num_threads(torch_threads)
        self._lock = threading.Lock()
        self._streamed: list[dict[str, Any]] = []
        self._final: dict[str, dict[str, Any]] = {}
        self._folder = slot_folder()
        self.worker = Worker(self._send, Faults.from_env())

    def ready(self) -> dict[str, Any]:
        """Load torch (seconds) and say where this slot runs: node id, host, IP, device, memory."""
        import ray

        return {"node": ray.get_runtime_context().get_node_id(), "host": os.uname().nodename,
                "ip": ray.util.get_node_ip_address(),
                "pid": os.getpid(), "device": self.worker.cache.device, **memory_info()}

    def _send(self, report: dict[str, Any]) -> None:
        if report.get("ev") == "preview":  # the JPEG lives on this node; its bytes travel
            path = Path(str(report.pop("path")))
            report["jpeg"] = path.read_bytes()
            path.unlink(missing_ok=True)
        with self._lock:
            if report.get("ev") in _STREAMED:
                self._streamed.append(report)
            else:
                self._final[str(report.get("job_id"))] = report

    def drain(self) -> list[dict[str, Any]]:
        """The progress and preview reports sent since the last call, oldest first."""
        with self._lock:
            reports, self._streamed = self._streamed, []
        return reports

    def cancel(self, job_id: str) -> None:
        """Raise a job's cancel flag; the running step sees it."""
        self.worker.request_cancel(job_id)

    def run(self, job_id: str, request: Mapping[str, Any], inputs: Mapping[str, bytes],
            output_name: str, preview_every_s: float) -> dict[str, Any]:
        """Run one job; its final report (``done``, ``failed`` or ``cancelled``), with the
        progress and previews not drained yet in ``streamed`` (one call fewer per job).

        A ``done`` report gains ``files`` (each output's name and bytes) and ``inputs`` (node
        path -> engine path of each input, so the engine can put its own paths back).
        """
        folder = self._folder / hashlib.sha1(job_id.encode()).hexdigest()[:16]
        try:
            mapping = unpack_inputs(inputs, folder / "inputs")
            command = {"job_id": job_id, "request": remap_request(request, mapping),
                       "output": str(folder / output_name), "preview_every_s": preview_every_s,
                       "originals": {local: path for path, local in mapping.items()}}
            self.worker.run(command)
            with self._lock:  # the reports not drained yet travel with the result
                final = self._final.pop(job_id)
                final["streamed"], self._streamed = self._streamed, []
            if final.get("ev") == "done":
                final["files"] = {Path(out).name: Path(out).read_bytes()
                                  for out in final["outputs"]}
                final["inputs"] = {local: path for path, local in mapping.items()}
            return final
        finally:
            shutil.rmtree(folder, ignore_errors=True)
