"""Sound that goes on past the pictures: the timeline lasts to the end of its longest track,
video or audio, and the export plays black under the rest of the sound."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from test_export_sound import decode_audio, two_track_project

from studio.document.model import Still
from studio.render.export import export
from studio.render.mixer import mix


def test_the_export_goes_on_in_black_while_the_sound_does(tmp_path: Path) -> None:
    proj = two_track_project(tmp_path)
    proj.timeline.tracks[0].items = [Still(id="s", media_id="m-grey", duration=20)]
    assert proj.timeline.duration == 48  # the second sound ends at frame 48
    out = export(proj, tmp_path, tmp_path / "x.mov", codec="prores")
    with av.open(str(out)) as container:
        pictures = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(pictures) == 48
    assert all(abs(int(p.mean()) - 90) <= 2 for p in pictures[:20])  # the grey still
    assert all(p.max() <= 2 for p in pictures[20:])  # black under the sound
    samples, _rate, _channels = decode_audio(out)
    expected = mix(proj, tmp_path, 0, 48)
    assert samples.shape == expected.shape == (2, 48 * 2000)
    assert np.abs(samples[:, 40_000:] - expected[:, 40_000:]).max() <= 2 ** -23
    assert np.abs(expected[:, 40_000:]).max() > 0.1  # there is sound after the pictures
