"""Photo files made for tests: dates in EXIF, from the shipped samples or pixels."""

from __future__ import annotations

from pathlib import Path

from PIL import Image


def with_exif_date(src: Path | Image.Image, dst: Path, when: str, fmt: str = "JPEG") -> Path:
    """Save ``src`` (a photo file or an image) to ``dst`` with EXIF DateTimeOriginal ``when``."""
    im = src if isinstance(src, Image.Image) else Image.open(src)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
    # As bytes: Pillow writes an Exif object into a JPEG, but only bytes into a PNG.
    im.save(dst, format=fmt, exif=exif.tobytes(), quality=90)
    return dst
