"""OS helpers: printable names, atomic writes, the folder lock, silenced native logs."""

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from silhouette.files import (
    FolderLock,
    LockHeldError,
    atomic_write_bytes,
    atomic_write_text,
    printable,
)


@pytest.mark.parametrize(
    "name, shown",
    [
        ("plain week 1.jpg", "plain week 1.jpg"),
        ("café ✓ 週.jpg", "café ✓ 週.jpg"),  # ordinary Unicode stays as it is
        ("two\nlines.jpg", "two\\x0alines.jpg"),
        ("\x1b[2J\x1b[31mred.jpg", "\\x1b[2J\\x1b[31mred.jpg"),  # clear screen, recolour
        ("bell\x07\r.jpg", "bell\\x07\\x0d.jpg"),
        ("c1\x9b31m.jpg", "c1\\x9b31m.jpg"),  # the one-byte CSI
        ("line\u2028sep\u0085.jpg", "line\\u2028sep\\x85.jpg"),
        ("gpj.\u202eexe", "gpj.\\u202eexe"),  # right-to-left override
        (os.fsdecode(b"caf\xe9.jpg"), "caf\\xe9.jpg"),  # not UTF-8
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(name, shown):
    assert printable(name) == shown
    assert printable(name).isprintable()


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_writes_get_the_permissions_of_an_ordinary_file(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "a.csv", "x\n")
        plain = tmp_path / "plain.csv"
        plain.write_text("x\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.csv").stat().st_mode) == mode
    assert stat.S_IMODE(plain.stat().st_mode) == mode
    assert (tmp_path / "a.csv").read_text() == "x\n"


def test_an_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    path.chmod(0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left


HOLD = textwrap.dedent("""
    import sys, time
    from silhouette.files import FolderLock
    with FolderLock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
""")


def test_the_folder_lock_is_exclusive_and_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeldError, match="in use"), FolderLock(tmp_path):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)  # no chance to clean up
        holder.wait()
    with FolderLock(tmp_path):  # the operating system released it
        pass
    with FolderLock(tmp_path):  # and a lock released by its holder can be taken again
        pass


NATIVE = textwrap.dedent("""
    import os, sys
    from silhouette.files import native_stderr_silenced
    print("before", file=sys.stderr, flush=True)
    with native_stderr_silenced():
        os.write(2, b"native chatter\\n")  # what C++ code does
        print("python message", file=sys.stderr, flush=True)
        with native_stderr_silenced():  # nesting is allowed
            os.write(2, b"nested chatter\\n")
    os.write(2, b"after\\n")
""")


def test_native_writes_to_fd_2_are_silenced_and_python_messages_are_not():
    p = subprocess.run([sys.executable, "-c", NATIVE], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["before", "python message", "after"]
