"""A take that came back from a cluster slot as bytes, written and verified under its final
name as a local take is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.cluster.connect import sentence
from engine.output.record import map_strings
from engine.output.video import count_frames
from engine.protocol.files import atomic_output
from engine.service.scheduler import outputs_dir


def write_take(job_id: str, final: dict[str, Any]) -> dict[str, Any]:
    """Write the files of a ``done`` report under their final names, each decoded before it
    counts; the report then names the engine's files and inputs, or is a failure."""
    back: dict[str, str] = final.pop("inputs", {})
    written: list[str] = []
    try:
        for name, data in final.pop("files").items():
            target = outputs_dir() / Path(name).name
            with atomic_output(target, suffix=".partial") as temp:
                temp.write_bytes(data)
                if count_frames(temp) < 1:
                    raise ValueError("it has no frames")
            written.append(str(target))
    except Exception as exc:
        for path in written:
            Path(path).unlink(missing_ok=True)
        return {"ev": "failed", "job_id": job_id, "code": "output_failed",
                "message": f"The take came back from the cluster but could not be written "
                           f"or decoded: {sentence(exc)}",
                "hint": "Check that the disk has free space, then try again."}
    return {**final, "outputs": written,
            "settings": map_strings(final["settings"], lambda s: back.get(s, s))}
