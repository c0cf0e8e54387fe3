"""Stills (PNG, JPEG, WebP, TIFF) through Pillow: header-only probe, EXIF orientation, alpha."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.errors import MediaError

from .info import MediaInfo

#: Formats read as stills; anything else Pillow recognises (MPEG, ICO...) goes to PyAV or fails.
FORMATS = frozenset({"PNG", "JPEG", "WEBP", "TIFF", "MPO", "BMP", "GIF"})
#: Refuse to decode images bigger than this: 100 megapixels is about 400 MB of RGBA.
MAX_PIXELS = 100_000_000
#: EXIF orientation -> clockwise rotation (mirrored orientations 2, 4, 5, 7 rotate like 1, 3, 6, 8).
_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}


@contextmanager
def _open(path: Path) -> Iterator[Image.Image | None]:
    """Open ``path`` with Pillow (header only) or yield None if it is not a still we read."""
    try:
        with warnings.catch_warnings():
            # Our own MAX_PIXELS check below decides; Pillow's bomb warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise MediaError(f"{path.name} is too large an image to open "
                         f"(over {MAX_PIXELS // 1_000_000} megapixels).") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        yield None
        return
    with image:
        yield image if image.format in FORMATS else None


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:
        return 1
    return value if value in _ROTATION else 1


def _check_size(path: Path, image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1:
        raise MediaError(f"{path.name} is an image with no pixels.")
    if width * height > MAX_PIXELS:
        raise MediaError(f"{path.name} is too large an image to open ({width}x{height}, over "
                         f"{MAX_PIXELS // 1_000_000} megapixels).")


def probe_still(path: Path) -> MediaInfo | None:
    """Probe ``path`` as a still from its header alone; None if it is not a still image.

    Raises
    ------
    MediaError
        If it is an image but too large.
    """
    with _open(path) as image:
        if image is None:
            return None
        _check_size(path, image)
        rotation = _ROTATION[_orientation(image)]
        width, height = image.size
        shown = (height, width) if rotation in (90, 270) else (width, height)
        alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
        return MediaInfo(kind="still", width=width, height=height, display_width=shown[0],
                         display_height=shown[1], frames=1, rate=None, rotation=rotation,
                         codec=(image.format or "").lower(), pix_fmt=image.mode,
                         has_alpha=alpha, sample_aspect=Fraction(1))


def load_still(path: Path) -> np.ndarray:
    """Decode a still as an upright (EXIF applied) ``(H, W, 3)`` uint8 RGB array.

    Transparent pixels are composited on black, the colour of gaps in the timeline.

    Raises
    ------
    MediaError
        If the file is not a readable still, is too large or is damaged.
    """
    with _open(path) as image:
        if image is None:
            raise MediaError(f"{path.name} is not an image the studio can read.")
        _check_size(path, image)
        try:
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "PA", "P") or "transparency" in upright.info:
                rgba = np.asarray(upright.convert("RGBA"), dtype=np.uint16)
                rgb = rgba[..., :3] * rgba[..., 3:] // 255
                return np.ascontiguousarray(rgb.astype(np.uint8))
            return np.ascontiguousarray(np.asarray(upright.convert("RGB"), dtype=np.uint8))
        except (OSError, ValueError, SyntaxError) as exc:
            raise MediaError(f"{path.name} is a damaged image and cannot be read.") from exc
