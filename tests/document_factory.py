"""Projects holding every kind of document object, for tests (imported by name, not fixtures)."""

from __future__ import annotations

from pathlib import Path

GOLDEN_V1 = Path(__file__).parent / "data" / "golden_v1.frameloom"
#: Format 2 as the studio saved it before format 3: the golden v1 project upgraded, with an
#: imported audio file on A2 (gain and fades) and A1 muted at -2 dB.
GOLDEN_V2 = Path(__file__).parent / "data" / "golden_v2.frameloom"


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


def golden_project():
    """The project stored in ``tests/data/golden_v1.frameloom`` (:data:`GOLDEN_V1`), built by
    hand in Python."""
    from fractions import Fraction

    from studio.document.model import (
        Clip,
        Fingerprint,
        Gap,
        Generated,
        GeneratedSpec,
        Generation,
        MediaRef,
        Pin,
        Project,
        Still,
        Take,
        Timeline,
        Track,
        Transition,
    )
    from studio.document.timebase import FrameRange

    beach = MediaRef(id="media-beach", path="media/beach.mp4", kind="clip", name="beach.mp4",
                     fingerprint=Fingerprint(size=5242880, digest="sha256:" + "ab" * 32),
                     probe={"frames": 240, "width": 1920, "height": 1080, "rate": "30000/1001"},
                     metadata={"source": "camera", "rating": 4})
    sky = MediaRef(id="media-sky", path="../shared/sky.png", kind="still", name="sky.png",
                   fingerprint=Fingerprint(size=183204, digest="sha256:" + "cd" * 32),
                   probe={"width": 1024, "height": 576})
    harbour = MediaRef(id="media-harbour", path="media/harbour.mov", kind="clip",
                       fingerprint=Fingerprint(size=9437184, digest="sha256:" + "ef" * 32),
                       probe={"frames": 120})
    spec = GeneratedSpec(
        kind="extend_forward", prompt="the waves roll in at dusk, gulls overhead",
        negative_prompt="blurry, text", duration=72, model_id="frameloom-mini", seed=1234,
        steps=24, guidance=4.5, width=768, height=432,
        pins=(Pin(id="pin-sky", media_id="media-sky", source=FrameRange(0, 1), at=0),
              Pin(id="pin-beach", media_id="media-beach", source=FrameRange(50, 8), at=64,
                  strength=0.75)))
    spec_hash = "sha256:773bce9c03726fe1bc2aea1b65ed7a21d964cc428a13c88456b69f11ee4ef69a"
    takes = (Take(id="take-1", job_id="job-0001", path="takes/3f/3f2a9c0d.mp4",
                  spec_hash=spec_hash, status="done", created="2026-05-01T10:00:00Z"),
             Take(id="take-2", job_id="job-0002", path="takes/9b/9b41e7aa.mp4",
                  spec_hash=spec_hash, status="done", created="2026-05-01T10:04:30Z"))
    bridge = GeneratedSpec(
        kind="bridge", prompt="fog drifts across the water", duration=24, seed=7,
        pins=(Pin(id="pin-tail", media_id="media-beach", source=FrameRange(200, 8), at=0),
              Pin(id="pin-head", media_id="media-harbour", source=FrameRange(0, 8), at=16)))
    v1 = Track(id="track-v1", name="V1", metadata={"locked": False}, items=[
        Clip(id="clip-beach", media_id="media-beach", source=FrameRange(10, 48), name="Beach",
             metadata={"color": "blue"}),
        Transition(id="transition-xfade", kind="crossfade", in_offset=6, out_offset=6),
        Still(id="still-sky", media_id="media-sky", duration=36, name="Sky"),
        Gap(id="gap-1", duration=12),
        Generated(id="gen-dusk", name="Dusk waves", source=FrameRange(0, 72),
                  metadata={"note": "second take is sharper"},
                  generation=Generation(spec=spec, takes=takes, active_take_id="take-2")),
        Transition(id="transition-bridge", kind="bridge", in_offset=4, out_offset=4,
                   generation=Generation(spec=bridge), metadata={"auto": True}),
        Clip(id="clip-harbour", media_id="media-harbour", source=FrameRange(0, 60)),
    ])
    v2 = Track(id="track-v2", name="V2", items=[
        Gap(id="gap-2", duration=24),
        Generated(id="gen-boat", source=FrameRange(8, 32), generation=Generation(
            spec=GeneratedSpec(kind="shot", prompt="a paper boat on a puddle", duration=48))),
    ])
    return Project(
        id="project-golden", name="Golden v1", rate=Fraction(30000, 1001), width=768,
        height=432, media={m.id: m for m in (beach, sky, harbour)},
        timeline=Timeline(id="timeline-main", name="Main", tracks=[v1, v2],
                          metadata={"markers": [{"frame": 48, "label": "cut here"}]}),
        metadata={"author": "tests", "tags": ["golden", "v1"],
                  "colour": {"space": "rec709", "gamma": 2.4}, "notes": "ünïcödé ✓"})


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file's bytes and mtime (folders as None) under ``folder``, to prove nothing changed."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file()
            else None for p in sorted(folder.rglob("*"))}
