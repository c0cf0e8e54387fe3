"""Waveform peaks: measured right, made once into the cache and read back after, and one
sentence for a file without sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.document.fingerprint import fingerprint_file
from studio.errors import MediaError
from studio.media.peaks import PEAK_RATE, PeakService, measure_peaks
from support.sound import write_sound


def burst_file(folder: Path) -> tuple[Path, np.ndarray]:
    """1.5 s of quiet stereo sound with a loud burst on the right channel from 0.50 to 0.52 s."""
    sound = np.full((2, 72_000), 0.1, np.float32)
    sound[1, 24_000:24_960] = -0.9
    return write_sound(folder / "burst.wav", sound), sound


def test_peaks_are_the_loudest_sample_of_each_hundredth(tmp_path: Path) -> None:
    path, sound = burst_file(tmp_path)
    peaks = measure_peaks(path)
    expected = np.ceil(np.abs(sound).max(axis=0).reshape(-1, 480).max(axis=1) * 255)
    assert peaks.dtype == np.uint8 and peaks.shape == (150,) == (1.5 * PEAK_RATE,)
    assert np.array_equal(peaks, expected.astype(np.uint8))
    assert peaks[50] == peaks[51] == 230 and peaks[49] == peaks[52] == 26


def test_peak_files_are_made_once_and_reused(tmp_path: Path) -> None:
    path, _sound = burst_file(tmp_path)
    fingerprint = fingerprint_file(path)
    service = PeakService(tmp_path / "cache")
    try:
        first = service.request(path, fingerprint).result(timeout=30)
        assert service.path_for(fingerprint).is_file() and service.measured == 1
        again = service.request(path, fingerprint)
        assert again.done() and np.array_equal(again.result(), first)  # from disk, at once
        other = PeakService(tmp_path / "cache")  # a new session reads the same file
        assert np.array_equal(other.request(path, fingerprint).result(), first)
        assert service.measured == 1 and other.measured == 0
        other.shutdown()
    finally:
        service.shutdown()


def test_a_file_without_sound_says_so_in_one_sentence(tmp_path: Path) -> None:
    silent = tmp_path / "notes.txt"
    silent.write_text("no sound here")
    with pytest.raises(MediaError, match=r"^notes\.txt has no sound to draw\.$"):
        measure_peaks(silent)
    with pytest.raises(MediaError, match="missing"):
        measure_peaks(tmp_path / "gone.wav")
    service = PeakService(tmp_path / "cache")
    future = service.request(silent, fingerprint_file(silent))
    with pytest.raises(MediaError):
        future.result(timeout=30)
    service.shutdown()
