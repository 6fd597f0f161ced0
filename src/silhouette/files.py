"""Small OS helpers shared by the library and the applications.

Atomic writes, printable names, a lock on a folder, and silencing native log
lines. Standard library only, so the command line can use them before NumPy
loads.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "FolderLock",
    "LockHeldError",
    "atomic_write_bytes",
    "atomic_write_text",
    "model_threads",
    "native_stderr_silenced",
    "printable",
    "usable_cores",
]

# C0 and C1 control characters and DEL (terminal escape sequences start with
# ESC), line and paragraph separators, and the bidirectional overrides that
# can make a name read differently from what it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def model_threads(processes: int = 1) -> int:
    """Threads for the pose model in each of ``processes`` processes on this machine.

    Each its share of the cores, at most two (measured: docs/performance.md);
    more threads than cores only make the processes wait for each other.
    """
    return max(1, min(2, usable_cores() // max(1, processes)))


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text safe to print on one line: odd bytes and control characters escaped.

    On Linux a file name is bytes; one that is not UTF-8 reaches Python with
    surrogate escapes, which cannot be printed or written to a UTF-8 file.
    Those bytes are shown as ``\\xNN``. Control characters (a newline, the
    escape sequences that recolour or rewrite a terminal), line separators
    and bidirectional overrides are shown as ``\\xNN`` or ``\\uNNNN`` too, so a
    name can neither break a one-line message nor take over the terminal.

    Examples
    --------
    >>> printable(os.fsdecode(b"caf\\xe9 photo.jpg"))
    'caf\\\\xe9 photo.jpg'
    >>> printable("red\\x1b[31m.jpg"), printable("a\\u2028b.jpg")
    ('red\\\\x1b[31m.jpg', 'a\\\\u2028b.jpg')
    >>> printable("week 1 ✓ café.jpg")
    'week 1 ✓ café.jpg'
    """
    text = os.fsencode(text).decode("utf-8", "backslashreplace")
    return _UNSAFE.sub(_escape, text)


def _umask() -> int:
    """The process's umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step: readers never see half a file.

    The data is synced to disk before the rename, so a crash leaves either
    the old file or the new one. The file gets the permissions a plain
    ``open(path, "w")`` would give it (those of the file it replaces, or the
    umask's), not the owner-only ones of a temporary file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except OSError:
            mode = 0o666 & ~_umask()
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
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


class LockHeldError(OSError):
    """Another process holds the lock on a folder."""


class FolderLock:
    """An exclusive lock on a folder, held while the ``with`` block runs.

    The lock is a ``.lock`` file in the folder, locked with ``flock`` (or
    ``msvcrt.locking`` on Windows). The operating system releases it when the
    holder exits, however it exits, so a killed run never leaves a stale lock.

    Raises
    ------
    LockHeldError
        On entering, when another process holds the lock.
    """

    def __init__(self, folder: str | os.PathLike, name: str = ".lock") -> None:
        self.path = Path(folder) / name
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise LockHeldError(f"{printable(str(self.path.parent))} is in use") from None
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


_silence_lock = threading.RLock()


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to the null device.

    MediaPipe and TensorFlow Lite log start-up lines from C++ straight to
    file descriptor 2, out of reach of Python's ``sys.stderr`` and of any
    setting. While this block runs, descriptor 2 points to the null device;
    Python's ``sys.stderr`` is flushed first, and if it writes to descriptor 2
    itself, it is pointed at a copy of the real one meanwhile, so Python's own
    messages still show. Other threads' native writes to descriptor 2 are
    lost during the block, so keep it short.
    """
    with _silence_lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded, some IDEs)
            yield
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        swapped = None
        try:
            if _fileno(sys.stderr) == 2:
                swapped = sys.stderr
                sys.stderr = os.fdopen(
                    os.dup(saved),
                    "w",
                    buffering=1,
                    encoding=getattr(swapped, "encoding", None),
                    errors="backslashreplace",
                )
            os.dup2(devnull, 2)
            yield
        finally:
            if swapped is not None:
                sys.stderr.flush()
                sys.stderr.close()
                sys.stderr = swapped
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)


def _fileno(stream) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
