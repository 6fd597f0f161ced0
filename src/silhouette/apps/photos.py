"""Which files of a folder are photos, and what identifies each one."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..files import printable

__all__ = ["OUTPUT_MARKER", "PHOTO_SUFFIXES", "Scan", "file_sha256", "find_photos"]

#: File endings taken as photos (case-insensitive); other files are ignored.
PHOTO_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"}
)

#: A file silhouette puts in every output folder: folders holding it are
#: never searched for photos (their thumbnails and overlays are ours).
OUTPUT_MARKER = ".silhouette-output"


@dataclass
class Scan:
    """The photos of a folder, and what was passed over and why.

    Attributes
    ----------
    photos : list of Path
        Photo files, sorted by their path inside the folder.
    skipped : list of (str, str)
        ``(path inside the folder, why)`` of entries that could not be
        searched or read as files: a loop of links, an unreadable folder.
    """

    photos: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def find_photos(
    folder: str | os.PathLike,
    *,
    recursive: bool = False,
    exclude: tuple[str | os.PathLike, ...] = (),
) -> Scan:
    """Photo files in ``folder``, skipping hidden files and silhouette's own outputs.

    Sub-folders are searched with ``recursive``; links to folders are
    followed once (a loop of links is reported, not followed). Folders in
    ``exclude`` and output folders of earlier runs (they hold
    :data:`OUTPUT_MARKER`) are not searched. Nothing here raises for one
    bad entry: it is listed in :attr:`Scan.skipped` and the search goes on.
    """
    root = Path(folder)
    excluded = {_identity(Path(p)) for p in exclude} - {None}
    scan = Scan()
    seen: set[tuple[int, int]] = set()
    found: list[tuple[str, Path]] = []

    def walk(directory: Path, rel: str) -> None:
        ident = _identity(directory)
        if ident is None or ident in seen:
            scan.skipped.append((rel or ".", "a loop of folder links: searched once"))
            return
        seen.add(ident)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            scan.skipped.append((rel or ".", f"cannot search this folder ({_why(exc)})"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            name = f"{rel}/{entry.name}" if rel else entry.name
            try:
                st = os.stat(path)  # follows links
            except OSError as exc:
                if path.suffix.lower() in PHOTO_SUFFIXES or entry.is_symlink():
                    scan.skipped.append((printable(name), _why(exc)))
                continue
            if stat.S_ISDIR(st.st_mode):
                if not recursive or (st.st_dev, st.st_ino) in excluded:
                    continue
                if (path / OUTPUT_MARKER).exists():
                    continue  # an output folder of ours
                walk(path, name)
            elif stat.S_ISREG(st.st_mode) and path.suffix.lower() in PHOTO_SUFFIXES:
                found.append((name, path))

    walk(root, "")
    scan.photos = [p for _, p in sorted(found, key=lambda t: t[0])]
    return scan


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a loop of links"
    return exc.strerror or type(exc).__name__


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex: a photo's identity, whatever its name."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
