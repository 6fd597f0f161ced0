"""Which files of a folder are photos, and what identifies each one."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["PHOTO_SUFFIXES", "file_sha256", "find_photos"]

#: File endings taken as photos (case-insensitive); other files are ignored.
PHOTO_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"}
)


def find_photos(
    folder: Path, *, recursive: bool = False, exclude: Path | None = None
) -> list[Path]:
    """Photo files in ``folder`` (sorted), skipping hidden files and ``exclude``."""
    folder = Path(folder)
    entries = folder.rglob("*") if recursive else folder.iterdir()
    excluded = exclude.resolve() if exclude is not None else None
    photos = []
    for p in entries:
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if excluded is not None and (p.resolve() == excluded or excluded in p.resolve().parents):
            continue
        if p.suffix.lower() in PHOTO_SUFFIXES and p.is_file():
            photos.append(p)
    return sorted(photos, key=lambda p: str(p.relative_to(folder)))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex: a photo's identity, whatever its name."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
