"""Small file helpers shared by the applications: atomic writes, printable names.

Standard library only, so the command line can use them before NumPy loads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "printable"]


def printable(text: str) -> str:
    """Text with any undecodable file-name bytes shown as ``\\xNN``.

    On Linux a file name is bytes; one that is not UTF-8 reaches Python with
    surrogate escapes, which cannot be printed or written to a UTF-8 file.

    Examples
    --------
    >>> printable(os.fsdecode(b"caf\\xe9 photo.jpg"))
    'caf\\\\xe9 photo.jpg'
    """
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: readers never see half a file.

    The data is synced to disk before the rename, so a crash leaves either
    the old file or the new one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text (newlines written as given)."""
    atomic_write_bytes(path, text.encode("utf-8"))
