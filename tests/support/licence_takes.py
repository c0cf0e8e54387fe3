"""Projects whose generated shots have takes that record their model's licence (as the engine's
takes do, in the ``comment`` tag), for the export licence tests."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from studio.document import persistence
from studio.document.model import (
    FrameRange,
    Generated,
    GeneratedSpec,
    Generation,
    Project,
    Take,
    Timeline,
    Track,
)
from studio.render.licences import UNKNOWN

LTX2 = {"model_id": "ltx-2", "name": "LTX-2 Community License Agreement",
        "restriction": "Entities with annual revenue above USD 10 million need a paid "
                       "commercial licence from Lightricks.",
        "url": "https://huggingface.co/Lightricks/LTX-2"}
WAN = {"model_id": "wan2.2-ti2v-5b", "name": "Apache-2.0", "restriction": None,
       "url": "https://huggingface.co/Wan-AI/Wan2.2-TI2V-5B-Diffusers"}
NOTE = ("This export uses takes from models under restricted licences: ltx-2 (LTX-2 Community "
        "License Agreement: Entities with annual revenue above USD 10 million need a paid "
        "commercial licence from Lightricks).")


def licence_take(path: Path, settings: dict[str, Any] | None) -> None:
    """An 8-frame 64x64 take with the engine's settings in its ``comment`` tag (or none)."""
    with av.open(str(path), "w") as container:
        if settings is not None:
            container.metadata["comment"] = json.dumps(settings)
        video = container.add_stream("libx264", rate=8)
        video.width, video.height, video.pix_fmt = 64, 64, "yuv420p"
        for i in range(8):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 30 * i, np.uint8), "rgb24")
            container.mux(video.encode(frame))
        container.mux(video.encode(None))


def licence_project(folder: Path, shots: list[tuple[str, dict[str, Any] | None]]) -> Path:
    """A 64x64, 8 fps project of one generated shot per ``(model id, licence record)``; a None
    record is a take made before takes recorded their licence."""
    (folder / "takes").mkdir(parents=True)
    items = []
    for n, (model_id, licence) in enumerate(shots):
        licence_take(folder / "takes" / f"t{n}.mp4",
              {"model_id": model_id, "seed": n} | ({"licence": licence} if licence else {}))
        take = Take(id=f"take-{n}", job_id=f"job-{n}", path=f"takes/t{n}.mp4",
                    spec_hash="sha256:0", status="done", created="2026-12-01T10:00:00Z")
        spec = GeneratedSpec(kind="shot", prompt="a red square", duration=8, model_id=model_id)
        items.append(Generated(id=f"g{n}", name=f"Shot {n}", source=FrameRange(0, 8),
                               generation=Generation(spec=spec, takes=(take,),
                                                     active_take_id=take.id)))
    project = Project(id="project-l", name="Licences", rate=Fraction(8), width=64, height=64,
                      media={}, timeline=Timeline(id="timeline-l", tracks=[
                          Track(id="track-0", name="V1", items=items)]))
    return persistence.save_project(project, folder / "Licences.frameloom")


MIXED = [("ltx-2", LTX2), ("wan2.2-ti2v-5b", WAN), ("ltx-2", LTX2), ("frameloom-mini", None)]
RECORDS = [{"model_id": "ltx-2", "licence": LTX2["name"], "restriction": LTX2["restriction"],
            "url": LTX2["url"]},
           {"model_id": "wan2.2-ti2v-5b", "licence": "Apache-2.0", "restriction": None,
            "url": WAN["url"]},
           {"model_id": "frameloom-mini", "licence": UNKNOWN, "restriction": None, "url": None}]
