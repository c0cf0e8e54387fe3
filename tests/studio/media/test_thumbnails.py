"""Thumbnails: made in the background, cached on disk by content, served without decoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio import paths
from studio.document.fingerprint import fingerprint_file
from studio.errors import MediaError
from studio.media import ThumbnailService
from studio.sample import read_frame_code


@pytest.fixture
def service():
    thumbnails = ThumbnailService()
    yield thumbnails
    thumbnails.shutdown()


def test_thumbnails_are_exact_and_cached(service: ThumbnailService,
                                         media: dict[str, Path]) -> None:
    clip = media["cfr.mp4"]
    fp = fingerprint_file(clip)
    made = service.request(clip, fp, [50, 3, 77], (160, 90)).result(timeout=30)
    assert all(p.parent == paths.cache_dir() / "thumbnails" for p in made)
    codes = [read_frame_code(np.asarray(Image.open(p).convert("RGB"))) for p in made]
    assert codes == [50, 3, 77] and service.decoded == 3
    again = service.request(clip, fp, [77, 50], (160, 90))
    assert again.done() and again.result() == [made[2], made[0]]
    assert service.decoded == 3  # cache hits decode nothing


def test_cache_can_be_deleted_any_time(service: ThumbnailService,
                                       media: dict[str, Path]) -> None:
    clip = media["vp9.webm"]
    fp = fingerprint_file(clip)
    first = service.request(clip, fp, [5], (64, 36)).result(timeout=30)
    shutil.rmtree(paths.cache_dir() / "thumbnails")
    second = service.request(clip, fp, [5], (64, 36)).result(timeout=30)
    assert second == first and second[0].is_file() and service.decoded == 2


def test_filmstrip_spans_the_clip(service: ThumbnailService, media: dict[str, Path]) -> None:
    clip = media["cfr.mp4"]
    strip = service.filmstrip(clip, fingerprint_file(clip), 96, 5, (80, 45)).result(timeout=30)
    codes = [read_frame_code(np.asarray(Image.open(p).convert("RGB"))) for p in strip]
    assert codes == [0, 24, 48, 71, 95]


def test_still_thumbnail(service: ThumbnailService, media: dict[str, Path]) -> None:
    still = media["exif6.jpg"]
    [path] = service.request(still, fingerprint_file(still), [0], (16, 32)).result(timeout=30)
    assert Image.open(path).size == (16, 32)


def test_bad_media_fails_the_future(service: ThumbnailService, media: dict[str, Path]) -> None:
    bad = media["text.mp4"]
    future = service.request(bad, fingerprint_file(bad), [0], (64, 36))
    with pytest.raises(MediaError, match="text.mp4"):
        future.result(timeout=30)
