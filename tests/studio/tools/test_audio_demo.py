"""The screenshot project with sound: imported audio files on two audio tracks and a second
video track, saved as a valid project whose mix sounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.document import persistence
from studio.document.model import AudioItem
from studio.document.validate import validate
from studio.outline import summary
from studio.render.mixer import mix
from studio.tools import audio_demo


def test_the_audio_demo_project_opens_with_its_sounds(tmp_path: Path) -> None:
    assert audio_demo.main([str(tmp_path / "demo")]) == 0
    project = persistence.open_project(tmp_path / "demo").project
    validate(project)
    assert [t.name for t in project.timeline.all_tracks()] == ["V1", "V2", "A1", "A2"]
    sounds = [(item.name, project.media[item.media_id].kind)
              for track in project.timeline.audio_tracks
              for _i, _s, item in track.layout() if isinstance(item, AudioItem)]
    assert sounds == [("theme.mp3", "audio"), ("voice.wav", "audio")]
    assert np.abs(mix(project, tmp_path / "demo", 0, 24)).max() > 0.2
    text = summary(persistence.open_project(tmp_path / "demo"))  # frameloom info
    a2 = text.split("Track A2:")[1].split("Media")[0].split()
    assert a2[a2.index("sound"):a2.index("sound") + 4] == ["sound", "120", "frames", "voice.wav"]
