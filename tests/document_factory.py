"""A project holding every kind of document object, for tests (imported by name, not a fixture)."""

from __future__ import annotations


def build_document():
    """An in-memory project holding every kind of object the document has."""
    from fractions import Fraction

    from studio.document import edits
    from studio.document.model import (
        Clip,
        Fingerprint,
        Gap,
        Generated,
        GeneratedSpec,
        Generation,
        MediaRef,
        Pin,
        Still,
        Take,
        new_project,
    )
    from studio.document.timebase import FrameRange

    project = new_project("Every kind", rate=Fraction(30000, 1001), width=640, height=360, tracks=2)
    v1, v2 = (t.id for t in project.timeline.tracks)
    fp = Fingerprint(size=1234, digest="sha256:" + "ab" * 32)
    edits.add_media(project, MediaRef(id="m-clip", path="media/a.mp4", kind="clip",
                                      fingerprint=fp, name="a.mp4", probe={"frames": 120}))
    edits.add_media(project, MediaRef(id="m-still", path="media/b.png", kind="still",
                                      fingerprint=fp, name="b.png", metadata={"tag": [1, 2]}))
    spec = GeneratedSpec(kind="shot", prompt="a red circle moves right on a blue background",
                         negative_prompt="blurry", duration=48, seed=7, steps=20, guidance=3.5,
                         pins=(Pin(id="pin-1", media_id="m-still", source=FrameRange(0, 1), at=0),
                               Pin(id="pin-2", media_id="m-clip", source=FrameRange(100, 8),
                                   at=40, strength=0.8)))
    takes = (Take(id="take-1", job_id="job-1", path="takes/aa.mp4", spec_hash="sha256:1",
                  status="done", created="2026-11-23T10:00:00Z"),
             Take(id="take-2", job_id="job-2", path="takes/bb.mp4", spec_hash="sha256:1",
                  status="failed", created="2026-11-23T10:05:00Z"))
    edits.append(project, v1, Clip(id="c-1", media_id="m-clip", source=FrameRange(10, 50),
                                   name="intro", metadata={"note": "keep"}))
    edits.append(project, v1, Still(id="s-1", media_id="m-still", duration=24))
    edits.append(project, v1, Generated(id="g-1", source=FrameRange(0, 48), generation=Generation(
        spec=spec, takes=takes, active_take_id="take-1")))
    edits.append(project, v1, Clip(id="c-2", media_id="m-clip", source=FrameRange(60, 40)))
    edits.insert(project, v1, 50 + 24 + 48, Gap(id="gap-1", duration=12))
    edits.set_transition(project, "c-1", "crossfade", 8, transition_id="t-1")
    bridge = Generation(spec=GeneratedSpec(kind="bridge", prompt="", duration=16))
    edits.set_transition(project, "s-1", "bridge", 12, generation=bridge, transition_id="t-2")
    edits.append(project, v2, Still(id="s-2", media_id="m-still", duration=30))
    return project
