"""`silhouette batch` on a folder of photos, as a user runs it.

The first tests run the real model on the sample photos. The others run the
real command line, its worker processes, signals, locks and files with a
fake model (support/fakemodel.py) that reads synthetic bodies out of their
photos, so they take seconds. The pieces are tested in test_dates.py,
test_records.py, test_store.py, test_trend.py, test_report.py and
test_find_photos.py.
"""

import csv
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from silhouette.apps.store import CSV_COLUMNS
from support.files import with_exif_date

SAMPLES = Path(__file__).resolve().parents[1] / "sample_images"


def batch(folder, *args, timeout=300):
    env = {k: v for k, v in os.environ.items() if k != "SILHOUETTE_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "silhouette", "batch", str(folder), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture
def folder(tmp_path):
    """Seven good photos with dates from EXIF, names and mtime, and three bad files."""
    d = tmp_path / "progress"
    d.mkdir()
    shutil.copy(SAMPLES / "render_back.jpg", d / "IMG_20240115_081500.jpg")
    shutil.copy(SAMPLES / "render_front_hip_popped.jpg", d / "PXL_20240301_120000.jpg")
    shutil.copy(SAMPLES / "saif_front_arms_down.jpg", d / "2024-04-20 week 14.jpg")
    shutil.copy(SAMPLES / "empty_room.jpg", d / "empty_room.jpg")
    with_exif_date(SAMPLES / "arsalan_front.jpg", d / "camera_0042.jpg", "2024:02:10 09:30:00")
    from silhouette.io import register_heif

    register_heif()
    with_exif_date(SAMPLES / "arsalan_front.jpg", d / "phone.heic", "2024:05:06 07:08:09", "HEIF")
    im = Image.open(SAMPLES / "render_back.jpg").convert("RGBA")
    im.save(d / "week 20 <b>bold<b>.png")
    (d / "empty.jpg").write_bytes(b"")
    (d / "notes.jpg").write_text("shopping list\n")
    data = (SAMPLES / "arsalan_front.jpg").read_bytes()
    (d / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (d / "readme.txt").write_text("not a photo, ignored\n")
    return d


GOOD, BAD = 7, 3


def read_out(out: Path):
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return records, rows


@pytest.mark.model
def test_batch_writes_everything_and_counts_bad_files(folder, tmp_path):
    out = tmp_path / "out"
    p = batch(folder, "--out", out, "--workers", "2", "--height-cm", "170")
    assert p.returncode == 5, p.stderr  # some files failed
    assert "Traceback" not in p.stderr
    records, rows = read_out(out)
    assert len(records) == len(rows) == GOOD + BAD  # one row per input photo
    assert list(rows[0]) == CSV_COLUMNS
    by_file = {r["file"]: r for r in records}
    assert {r["status"] for r in records} == {"measured", "no_person", "error"}
    assert by_file["empty_room.jpg"]["status"] == "no_person"
    for bad in ("empty.jpg", "notes.jpg", "truncated.jpg"):
        rec = by_file[bad]
        assert rec["status"] == "error" and rec["error"] and rec["result"] is None
        assert str(folder) not in rec["error"]  # no absolute paths in records
    for rec in records:
        if rec["status"] != "error":
            assert rec["result"]["schema_version"] == "1"
            assert (out / rec["thumbnail"]).is_file()
    # Dates: EXIF first (JPEG and HEIC), then the file name, then mtime.
    assert by_file["camera_0042.jpg"]["date"] == "2024-02-10T09:30:00"
    assert by_file["camera_0042.jpg"]["date_source"] == "exif"
    assert by_file["phone.heic"]["date"] == "2024-05-06T07:08:09"
    assert by_file["phone.heic"]["date_source"] == "exif"
    assert by_file["IMG_20240115_081500.jpg"]["date"] == "2024-01-15T08:15:00"
    assert by_file["PXL_20240301_120000.jpg"]["date_source"] == "filename"
    assert by_file["2024-04-20 week 14.jpg"]["date"] == "2024-04-20T00:00:00"
    assert by_file["empty_room.jpg"]["date_source"] == "mtime"
    # The summary names the failures; the report exists and escapes names.
    assert "3 could not be read" in p.stdout and "notes.jpg" in p.stdout
    html = (out / "report.html").read_text()
    assert "week 20 &lt;b&gt;bold&lt;b&gt;.png" in html and "<b>bold" not in html
    # Nothing to fetch: no resource points off this computer.
    remote = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//|url\(\s*["']?(https?:)?//""")
    assert not remote.search(html)


@pytest.mark.model
def test_rerun_adds_only_new_photos_and_skips_renamed_ones(folder, tmp_path):
    out = tmp_path / "out"
    batch(folder, "--out", out, "--workers", "1")
    first, _ = read_out(out)
    (folder / "empty_room.jpg").rename(folder / "renamed_room.jpg")  # same content
    shutil.copy(SAMPLES / "arsalan_front.jpg", folder / "IMG_20240610_070000.jpg")
    p = batch(folder, "--out", out, "--workers", "1")
    records, rows = read_out(out)
    assert len(records) == len(rows) == len(first) + 1
    by_file = {r["file"]: r for r in records}
    assert by_file["IMG_20240610_070000.jpg"]["status"] == "measured"
    assert "renamed_room.jpg" in by_file and "empty_room.jpg" not in by_file
    assert "1 analysed now" in p.stdout and "1 renamed" in p.stdout


@pytest.mark.model
def test_killed_run_resumes_with_every_photo_exactly_once(folder, tmp_path):
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "SILHOUETTE_DEBUG"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "silhouette",
            "batch",
            str(folder),
            "--out",
            str(out),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    log = out / "results.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if log.exists() and log.read_text().count("\n") >= 2:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # no chance to clean up
    proc.wait()
    done_before = log.read_text().count("\n")
    assert 2 <= done_before < GOOD + BAD, "the kill came too late to test resuming"
    # A write torn by the kill: half a record at the end of the log.
    with open(log, "a") as fh:
        fh.write('{"file": "half-written.jpg", "sha2')
    p = batch(folder, "--out", out, "--workers", "2")
    assert p.returncode == 5, p.stderr
    records, rows = read_out(out)
    keys = [r["sha256"] for r in records]
    assert len(keys) == len(set(keys)) == GOOD + BAD
    assert len(rows) == len(records)
    assert sorted(r["file"] for r in records) == sorted(
        p.name for p in folder.iterdir() if p.suffix != ".txt"
    )


@pytest.mark.model
def test_retry_errors_tries_failed_photos_again(folder, tmp_path):
    out = tmp_path / "out"
    batch(folder, "--out", out, "--workers", "1")
    (folder / "notes.jpg").unlink()
    (folder / "empty.jpg").unlink()
    (folder / "truncated.jpg").unlink()
    p = batch(folder, "--out", out, "--workers", "1", "--retry-errors")
    assert p.returncode == 0, p.stdout + p.stderr
    records, _ = read_out(out)
    assert all(r["status"] != "error" for r in records)


@pytest.mark.model
def test_overlays_are_written_without_metadata(folder, tmp_path):
    out = tmp_path / "out"
    batch(folder, "--out", out, "--workers", "1", "--overlays")
    pngs = list((out / "overlays").glob("*.png"))
    assert len(pngs) == GOOD
    for png in pngs + list((out / "thumbs").glob("*.jpg")):
        with Image.open(png) as im:
            assert not im.getexif() and "exif" not in im.info


@pytest.mark.model
@pytest.mark.parametrize(
    "args, code",
    [
        (["/no/such/folder"], 4),
        ([str(SAMPLES / "arsalan_front.jpg")], 4),
        ([str(SAMPLES), "--workers", "0"], 2),
    ],
)
def test_batch_usage_and_folder_errors(args, code):
    p = subprocess.run(
        [sys.executable, "-m", "silhouette", "batch", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == code and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1  # bad input and usage errors alike: one line
    if code == 2:
        assert lines[0].endswith("(see silhouette batch --help)")


# --------------------------------------------------------------------------
# The same command line with a fake model: files, options, signals, locks
# --------------------------------------------------------------------------

FAKE_CLI = Path(__file__).resolve().parent / "support" / "fake_cli.py"


def fake(*args, env=None, timeout=120, **kw):
    """``silhouette batch ...`` (or the single-photo command) with the fake model."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SILHOUETTE_")}
    return subprocess.run(
        [sys.executable, str(FAKE_CLI), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**base, **(env or {})},
        **kw,
    )


def _as_a_terminal_starts_it() -> None:
    # A shell runs background jobs (a CI script started with `&`, nohup) with
    # SIGINT ignored, and the command inherits that: Ctrl-C would then never
    # reach it, as it should not. A terminal starts a command with the
    # default, which Python turns into KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def fake_popen(*args, env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SILHOUETTE_")}
    return subprocess.Popen(
        [sys.executable, str(FAKE_CLI), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**base, **(env or {})},
        start_new_session=True,  # its own process group, as a terminal gives it
        preexec_fn=_as_a_terminal_starts_it,
    )


def photos(folder: Path, n: int, *, start_month: int = 1, mark: int = 0) -> list[Path]:
    """``n`` synthetic photos, a month apart, the left dip shallower each month."""
    from support.bodies import Body
    from support.fakemodel import save_photo

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(n):
        month = start_month + k
        name = f"IMG_{2023 + (month - 1) // 12}{(month - 1) % 12 + 1:02d}15_0800.png"
        body = Body(dip_left_px=9.0 - 0.5 * k, dip_right_px=5.0)
        out.append(save_photo(folder / name, body, mark=(mark + k) % 250))
    return out


def log(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().split("\n") if x]


def session(sid: int) -> dict[int, int]:
    """Live processes of a session -> their parents (the command, its fork
    server, resource tracker and workers)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                found[int(entry.name)] = int(fields[1])
    return found


def workers(sid: int) -> list[int]:
    """The worker processes: children of the fork server, not of the command."""
    procs = session(sid)
    return [pid for pid, parent in procs.items() if pid != sid and parent != sid]


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_rerun_with_a_height_and_overlays_redoes_what_they_change(tmp_path):
    folder, out = tmp_path / "progress", tmp_path / "out"
    photos(folder, 3)
    assert fake("batch", folder, "--out", out, "--workers", "1").returncode == 0
    assert all(r["result"]["sides"]["left"]["dip_depth_cm"] is None for r in log(out))
    p = fake("batch", folder, "--out", out, "--workers", "1", "--height-cm", "170", "--overlays")
    assert p.returncode == 0, p.stderr
    assert "3 analysed now" in p.stdout and "3 of them again" in p.stdout
    records = log(out)
    assert len(records) == 3
    for r in records:
        assert r["options"] == {"height_cm": 170.0}
        assert r["result"]["sides"]["left"]["dip_depth_cm"] > 0
        assert (out / r["overlay"]).is_file()
    # The same options again: nothing to do.
    p = fake("batch", folder, "--out", out, "--workers", "1", "--height-cm", "170", "--overlays")
    assert "0 analysed now" in p.stdout and "3 already done" in p.stdout
    # No height this time: the centimetres are kept, and the run says so.
    photos(folder, 1, start_month=4, mark=9)
    p = fake("batch", folder, "--out", out, "--workers", "1")
    assert "1 analysed now" in p.stdout
    assert "3 earlier photo(s) keep their centimetres from --height-cm 170" in p.stdout
    by_month = {r["file"][4:10]: r for r in log(out)}
    assert by_month["202301"]["result"]["sides"]["left"]["dip_depth_cm"] > 0
    assert by_month["202304"]["result"]["sides"]["left"]["dip_depth_cm"] is None


def test_renamed_deleted_copied_and_fixed_photos_follow_the_folder(tmp_path):
    folder, out = tmp_path / "progress", tmp_path / "out"
    a, b, c = photos(folder, 3)
    (folder / "IMG_20230415_0800.png").write_bytes(b"not a photo yet")
    assert fake("batch", folder, "--out", out, "--workers", "1").returncode == 5
    a.rename(folder / "week 1.png")  # renamed
    b.unlink()  # deleted
    shutil.copy(c, folder / "copy of march.png")  # a byte-identical copy
    photos(folder, 1, start_month=4, mark=7)  # the broken photo, fixed
    p = fake("batch", folder, "--out", out, "--workers", "1")
    assert p.returncode == 0, p.stdout  # no stale error left
    assert "1 analysed now" in p.stdout and "1 renamed" in p.stdout
    assert "1 duplicate(s)" in p.stdout
    by_file = {r["file"]: r for r in log(out)}
    assert set(by_file) == {
        "week 1.png",
        "IMG_20230315_0800.png",
        "copy of march.png",
        "IMG_20230415_0800.png",
    }
    assert by_file["IMG_20230415_0800.png"]["status"] == "measured"
    copy = by_file["copy of march.png"]
    assert copy["status"] == "duplicate" and copy["duplicate_of"] == "IMG_20230315_0800.png"
    html = (out / "report.html").read_text()
    assert "IMG_20230215_0800.png" not in html and "IMG_20230115_0800.png" not in html
    assert "Copies of other photos" in html and "a copy of IMG_20230315_0800.png" in html


def test_results_are_in_date_order_and_as_readable_as_the_folders_beside_them(tmp_path):
    folder, out = tmp_path / "progress", tmp_path / "out"
    for p in photos(folder, 4):  # names sorted against their dates
        p.rename(folder / f"{9 - int(p.name[8:10])}-{p.name}")
    old = os.umask(0o022)
    try:
        assert fake("batch", folder, "--out", out, "--workers", "2").returncode == 0
    finally:
        os.umask(old)
    dates = [r["date"] for r in log(out)]
    assert dates == sorted(dates) and len(dates) == 4
    with open(out / "results.csv", newline="") as fh:
        assert [r["date"] for r in csv.DictReader(fh)] == dates
    for path in [out / "results.csv", out / "results.jsonl", out / "report.html"]:
        assert path.stat().st_mode & 0o777 == 0o644, path
    for path in (out / "thumbs").iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path
    assert (out / "thumbs").stat().st_mode & 0o777 == 0o755


def test_an_empty_folder_is_a_warning(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no photos here")
    p = fake("batch", tmp_path / "empty", "--out", tmp_path / "out")
    assert p.returncode == 0
    assert "warning: no photos found in" in p.stderr and "--recursive" in p.stderr
    assert "No photos were found in this folder." in (tmp_path / "out" / "report.html").read_text()


def test_our_own_output_folders_are_never_read_as_photos(tmp_path):
    folder = tmp_path / "progress"
    photos(folder, 2)
    # The default --out lies inside the folder; then an earlier --out inside it too.
    assert fake("batch", folder, "--recursive", "--overlays", "--workers", "1").returncode == 0
    assert (
        fake("batch", folder, "--recursive", "--out", folder / "older", "--workers", "1").returncode
        == 0
    )
    p = fake("batch", folder, "--recursive", "--overlays", "--workers", "1")
    assert "2 photo(s) found" in p.stdout, p.stdout
    assert len(log(folder / "silhouette-results")) == 2
    # --out may be the folder itself.
    p = fake("batch", folder, "--out", folder, "--recursive", "--workers", "1")
    assert p.returncode == 0 and "2 photo(s) found: 2 analysed now" in p.stdout
    p = fake("batch", folder, "--out", folder, "--recursive", "--workers", "1")
    assert "2 photo(s) found: 0 analysed now" in p.stdout


def test_a_loop_of_links_and_odd_names_never_stop_the_batch(tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9 \x1b[31mred")  # not UTF-8, an escape
    photos(folder, 1)
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder)
    for k, name in enumerate(
        ("a\u2028b.png", "c\x85d.png", "=HYPERLINK(1).png", "line\nbreak.png")
    ):
        photos(folder, 1, start_month=k + 2, mark=10 + k)[0].rename(folder / name)
    out = tmp_path / os.fsdecode(b"out \xff")
    p = fake("batch", folder, "--out", out, "--recursive", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert "5 photo(s) found: 5 analysed now" in p.stdout
    assert "sub/loop: skipped (a loop of folder links" in p.stdout
    for text in (p.stdout, p.stderr):
        assert "\x1b" not in text and "\u2028" not in text
    assert "caf\\xe9 \\x1b[31mred" in (out / "report.html").read_text()
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        files = {r["file"] for r in csv.DictReader(fh)}
    assert "'=HYPERLINK(1).png" in files and "line\\x0abreak.png" in files
    # Every photo is done: a second run analyses none of them again.
    p = fake("batch", folder, "--out", out, "--recursive", "--workers", "1")
    assert "0 analysed now" in p.stdout and "5 already done" in p.stdout


def test_an_implausible_exif_date_falls_back_and_the_report_still_works(tmp_path):
    from support.fakemodel import body_photo

    folder, out = tmp_path / "progress", tmp_path / "out"
    photos(folder, 2)
    for when, name in (
        ("0001:01:01 00:00:00", "IMG_20230301_0900.png"),
        ("9999:12:31 23:59:59", "x.png"),
    ):
        with_exif_date(Image.fromarray(body_photo(mark=len(name))), folder / name, when, "PNG")
    p = fake("batch", folder, "--out", out, "--workers", "1")
    assert p.returncode == 0, p.stderr
    by_file = {r["file"]: r for r in log(out)}
    first = by_file["IMG_20230301_0900.png"]
    assert (first["date"], first["date_source"]) == ("2023-03-01T09:00:00", "filename")
    assert "EXIF date 0001-01-01" in first["notes"][0]
    assert by_file["x.png"]["date_source"] == "mtime"
    assert "<svg" in (out / "report.html").read_text()
    # A log written before the fix, with year 1 in it, still makes a report.
    lines = (
        (out / "results.jsonl").read_text().replace("2023-03-01T09:00:00", "0001-01-01T00:00:00")
    )
    (out / "results.jsonl").write_text(lines)
    p = fake("batch", folder, "--out", out, "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert "<svg" in (out / "report.html").read_text()


def test_a_tall_thin_image_is_no_person_in_a_batch_too(tmp_path):
    folder = tmp_path / "progress"
    folder.mkdir()
    Image.new("RGB", (20, 20000), (90, 90, 90)).save(folder / "strip.png")
    p = fake("batch", folder, "--out", tmp_path / "out", "--workers", "1")
    assert p.returncode == 0, p.stdout
    (rec,) = log(tmp_path / "out")
    assert rec["status"] == "no_person"


def test_a_photo_that_crashes_its_worker_is_an_error_row_and_the_rest_go_on(tmp_path):
    folder, out = tmp_path / "progress", tmp_path / "out"
    photos(folder, 4)
    p = fake("batch", folder, "--out", out, "--workers", "2", env={"SILHOUETTE_FAKE_CRASH": "2"})
    assert p.returncode == 5, p.stderr
    by_status = {}
    for r in log(out):
        by_status.setdefault(r["status"], []).append(r)
    assert len(by_status["measured"]) == 3
    (crashed,) = by_status["error"]
    assert crashed["file"] == "IMG_20230315_0800.png"
    assert "crashed on this photo (SIGABRT)" in crashed["error"]


def test_two_batches_on_one_output_folder_do_not_both_run(tmp_path):
    folder, out = tmp_path / "progress", tmp_path / "out"
    photos(folder, 6)
    slow = {"SILHOUETTE_FAKE_DELAY": "0.4"}
    first = fake_popen("batch", folder, "--out", out, "--workers", "1", env=slow)
    try:
        assert wait_until(lambda: (out / "results.jsonl").exists(), 60)
        second = fake("batch", folder, "--out", out, "--workers", "1")
        assert second.returncode == 6
        assert "is in use by another silhouette batch" in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1
    finally:
        first.wait(120)
    assert first.returncode == 0
    keys = [r["sha256"] for r in log(out)]
    assert len(keys) == len(set(keys)) == 6  # every photo once


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_an_interrupt_stops_all_workers_at_once_and_keeps_every_finished_row(tmp_path, how):
    folder, out = tmp_path / "progress", tmp_path / "out"
    photos(folder, 24)
    # 3 s a photo: draining the queue would take 30 s more, so "at once" (within
    # 15 s, with room for a heavily loaded machine) cannot be a drained queue.
    proc = fake_popen(
        "batch", folder, "--out", out, "--workers", "2", env={"SILHOUETTE_FAKE_DELAY": "3.0"}
    )
    try:
        assert wait_until(lambda: (out / "results.jsonl").exists() and len(log(out)) >= 3, 60)
        assert len(workers(proc.pid)) == 2
        t0 = time.monotonic()
        if how == "ctrl-c":  # the terminal sends SIGINT to the whole process group
            os.killpg(proc.pid, signal.SIGINT)
        else:  # a service manager stops the command itself
            os.kill(proc.pid, signal.SIGTERM)
        # The workers stop at once, not after the queue drains.
        assert wait_until(lambda: not workers(proc.pid), 15.0), workers(proc.pid)
        stopped = time.monotonic() - t0
        _, stderr = proc.communicate(timeout=60)  # after writing the report
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert stopped < 15.0
    assert "interrupted" in stderr and "Traceback" not in stderr
    records = log(out)
    assert 3 <= len(records) < 24
    assert len({r["sha256"] for r in records}) == len(records)
    # The report shows what was done, and no thumbnails were made for
    # photos without a row (at most the two in flight).
    html = (out / "report.html").read_text()
    assert all(r["file"] in html for r in records)
    thumbs = [p for p in (out / "thumbs").glob("*.jpg") if "_hips" not in p.name]
    assert len(thumbs) <= len(records) + 2
    assert wait_until(lambda: not session(proc.pid), 5), session(proc.pid)
    # The next run finishes the rest, each photo once.
    p = fake("batch", folder, "--out", out, "--workers", "2")
    assert p.returncode == 0 and f"{24 - len(records)} analysed now" in p.stdout
    assert len({r["sha256"] for r in log(out)}) == len(log(out)) == 24


def test_killing_the_batch_leaves_no_worker_behind(tmp_path):
    folder, out = tmp_path / "progress", tmp_path / "out"
    photos(folder, 24)
    # 3 s a photo: draining the queue would take 30 s more, so "at once" (within
    # 15 s, with room for a heavily loaded machine) cannot be a drained queue.
    proc = fake_popen(
        "batch", folder, "--out", out, "--workers", "2", env={"SILHOUETTE_FAKE_DELAY": "3.0"}
    )
    try:
        assert wait_until(lambda: (out / "results.jsonl").exists() and len(log(out)) >= 2, 60)
        assert len(workers(proc.pid)) == 2
        os.kill(proc.pid, signal.SIGKILL)  # the command alone, no chance to clean up
        proc.wait(10)
        # The workers see it go and end; then the fork server and the
        # resource tracker have nobody left to serve.
        assert wait_until(lambda: not session(proc.pid), 5), session(proc.pid)
    finally:
        for pid in session(proc.pid):
            os.kill(pid, signal.SIGKILL)


def test_the_progress_bar_moves_in_a_terminal(tmp_path):
    # A real pseudo-terminal (script(1)); the bar is drawn only on a terminal.
    folder = tmp_path / "progress"
    photos(folder, 5)
    base = {k: v for k, v in os.environ.items() if not k.startswith("SILHOUETTE_")}
    command = " ".join(
        shlex.quote(str(a))
        for a in (
            sys.executable,
            FAKE_CLI,
            "batch",
            folder,
            "--out",
            tmp_path / "out",
            "--workers",
            "1",
        )
    )
    p = subprocess.run(
        # A terminal 100 columns wide, as a user's is (script's own has none).
        ["script", "-q", "-e", "-c", f"stty cols 100 rows 30; {command}", "/dev/null"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "SILHOUETTE_FAKE_DELAY": "0.3"},
    )
    assert p.returncode == 0, p.stdout
    # Each redraw of the bar starts with a carriage return: every photo shows.
    states = [s for s in re.split(r"[\r\n]", p.stdout) if "photo" in s and "|" in s]
    counts = [int(m.group(1)) for s in states if (m := re.search(r"\| (\d)/5 \[", s))]
    # It starts at 0 of 5 (not a bare "0photo [00:00, ...]" with no total), and every
    # photo moves it. (A rate such as "2.00photo/s" must not count as the bare form.)
    assert states and not re.search(r"(?<![\d.])0photo \[", p.stdout)
    assert counts[0] == 0 and counts[-1] == 5
    assert {1, 2, 3, 4} <= set(counts), states


def test_a_photo_over_89_megapixels_prints_no_pillow_warning(tmp_path):
    # Pillow warns about images over 89 megapixels when it opens them; with
    # one worker the photo is opened in the command's own process.
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    folder = tmp_path / "progress"
    folder.mkdir()
    header = struct.pack(">IIBBBBB", 10_000, 9_500, 8, 0, 0, 0, 0)  # 95 MP, no pixels
    (folder / "IMG_20240115_0800.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    )
    p = fake("batch", folder, "--out", tmp_path / "out", "--workers", "1")
    assert p.returncode == 5  # no pixels: an error row
    assert "Warning" not in p.stderr and p.stderr.strip() == "", p.stderr


def test_a_damaged_orientation_is_a_note_in_the_record(tmp_path):
    from support.fakemodel import body_photo

    folder = tmp_path / "progress"
    folder.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 99  # not an orientation
    Image.fromarray(body_photo()).save(folder / "IMG_20240115_0800.png", exif=exif)
    p = fake("batch", folder, "--out", tmp_path / "out", "--workers", "1")
    assert p.returncode == 0, p.stderr
    (rec,) = log(tmp_path / "out")
    assert rec["status"] == "measured"
    (note,) = rec["notes"]
    assert "orientation tag is damaged" in note and str(tmp_path) not in note


def test_a_worker_without_pidfds_still_sees_the_command_end():
    # Linux before 5.3 has no pidfd: the worker polls, and a command killed
    # but not yet reaped (a zombie) counts as ended.
    from silhouette.apps.batch import _alive

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert _alive(child.pid)
        child.kill()
        assert wait_until(lambda: not _alive(child.pid), 5)  # a zombie: not yet waited for
    finally:
        child.kill()
        child.wait()
    assert not _alive(child.pid)


def test_each_photo_is_judged_against_the_reference_and_the_report_shows_before_and_after(
    tmp_path,
):
    folder = tmp_path / "progress"
    made = photos(folder, 3)
    p = fake("batch", folder, "--workers", "1")
    assert p.returncode == 0, p.stderr
    out = folder / "silhouette-results"
    records = {r["file"]: r for r in log(out)}
    first = made[0].name
    for r in records.values():
        # The same synthetic camera every month: every photo compares.
        assert r["comparison"] == {"reference": first, "comparable": True, "reasons": []}
        assert r["result"]["capture"]["outline_left"] == "body"
    # The before/after picture: the first and the latest photo, drawn.
    picture = out / "thumbs" / "before_after.png"
    with Image.open(picture) as im:
        assert im.size[1] > 0 and not im.getexif()
    assert json.loads((out / "thumbs" / "before_after.png.json").read_text()) == [
        first,
        made[-1].name,
    ]
    html = (out / "report.html").read_text()
    assert "Before and after" in html and "thumbs/before_after.png" in html
    assert "reference photo" in html
    # The left dip is 1 px shallower after two months (photos()): 0.4 points of
    # a 252 px hip, under the smallest detectable change, and the panel says so.
    left = re.search(r"<p>Left \(the person&#39;s left\): ([^<]*)</p>", html).group(1)
    from silhouette.draw import format_percent

    a, b = (records[f.name]["result"]["sides"]["left"]["dip_depth_ratio"] for f in made[::2])
    assert b - a == pytest.approx(-1.0 / 252, abs=0.001)
    assert left == (
        f"{format_percent(a)} then, {format_percent(b)} now ({100 * (b - a):+.1f} points of hip "
        "width): no clear change."
    )
    # A reference named once holds for the runs after it.
    p = fake("batch", folder, "--workers", "1", "--reference", made[1].name)
    assert p.returncode == 0, p.stderr
    assert {r["comparison"]["reference"] for r in log(out)} == {made[1].name}
    p = fake("batch", folder, "--workers", "1")
    assert {r["comparison"]["reference"] for r in log(out)} == {made[1].name}
    # A name that is no photo of the folder is a usage error, before any work.
    p = fake("batch", folder, "--reference", "nobody.jpg")
    assert p.returncode == 2 and "--reference nobody.jpg: no such photo" in p.stderr


def test_a_reference_given_as_a_path_to_it_is_its_name_inside_the_folder(tmp_path):
    # The shell completes `progress/IMG_...`: a path from where the command runs.
    folder = tmp_path / "progress"
    made = photos(folder, 3)
    out = folder / "silhouette-results"
    for given, cwd in ((f"progress/{made[1].name}", tmp_path), (made[2], folder)):
        p = fake(
            "batch",
            "progress" if cwd == tmp_path else ".",
            "--workers",
            "1",
            "--reference",
            given,
            cwd=cwd,
        )
        assert p.returncode == 0, p.stderr
        assert {r["comparison"]["reference"] for r in log(out)} == {Path(given).name}
    # A file outside the folder is no photo of it, before any work.
    shutil.copy(made[0], tmp_path / made[0].name)
    p = fake("batch", folder, "--reference", tmp_path / "progress" / ".." / made[0].name)
    assert p.returncode == 2 and "no such photo in" in p.stderr
    # A photo of a sub-folder needs --recursive to be analysed at all.
    (folder / "old").mkdir()
    shutil.copy(made[0], folder / "old" / "IMG_20220101_0800.png")
    p = fake("batch", folder, "--reference", "old/IMG_20220101_0800.png")
    assert p.returncode == 2 and "add --recursive" in p.stderr
    assert json.loads((out / "series.json").read_text())["reference"] == made[2].name


def test_ctrl_c_while_the_before_after_picture_is_drawn_still_writes_the_report(
    tmp_path, monkeypatch, capsys
):
    from silhouette.apps import batch, before_after, cli
    from support import fakemodel

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "_default_analyzer", fakemodel.make_analyzer)
    monkeypatch.setattr(before_after, "write_before_after", interrupted)
    folder = tmp_path / "progress"
    photos(folder, 2)
    assert cli.main(["batch", str(folder), "--workers", "1"]) == cli.EXIT_INTERRUPTED
    out = folder / "silhouette-results"
    assert len(log(out)) == 2 and (out / "report.html").is_file()
    assert "interrupted while drawing the before/after picture" in capsys.readouterr().err


def test_the_before_after_picture_is_drawn_for_photos_with_odd_names(tmp_path):
    # The records keep a tab or a byte that is not UTF-8 escaped; the picture
    # still reads the photos themselves.
    folder = tmp_path / "progress"
    first, last = photos(folder, 2)
    odd_first = folder / os.fsdecode(b"IMG_20230115_0800\tweek 1.png")
    odd_last = folder / os.fsdecode(b"IMG_20230215_0800 caf\xe9.png")
    first.rename(odd_first)
    last.rename(odd_last)
    p = fake("batch", folder, "--workers", "1")
    assert p.returncode == 0, p.stderr
    out = folder / "silhouette-results"
    drawn = json.loads((out / "thumbs" / "before_after.png.json").read_text())
    assert drawn == [r["file"] for r in log(out)] and "\\x09" in drawn[0]
    assert (out / "thumbs" / "before_after.png").is_file()
    assert 'src="thumbs/before_after.png"' in (out / "report.html").read_text()


def test_a_kept_reference_follows_a_rename_and_a_gone_or_wrong_one_breaks_no_run(tmp_path):
    folder = tmp_path / "progress"
    made = photos(folder, 3)
    out = folder / "silhouette-results"
    # A photo without a person named as reference: an error, and not kept.
    Image.new("RGB", (400, 600), (90, 90, 90)).save(folder / "IMG_20240101_0800.png")
    p = fake("batch", folder, "--workers", "1", "--reference", "IMG_20240101_0800.png")
    assert p.returncode == 2 and "not a measured front or back photo" in p.stderr
    assert not (out / "series.json").exists()
    assert fake("batch", folder, "--workers", "1").returncode == 0
    # Named once, then renamed: its record keeps its content, and it stays the reference.
    p = fake("batch", folder, "--workers", "1", "--reference", made[1].name)
    assert p.returncode == 0, p.stderr
    renamed = made[1].with_name("IMG_20230301_0800.png")
    made[1].rename(renamed)
    p = fake("batch", folder, "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert {r["comparison"]["reference"] for r in log(out) if r["comparison"]} == {renamed.name}
    # Deleted: the default reference, with a note, and the run goes on.
    renamed.unlink()
    p = fake("batch", folder, "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert f"reference photo {renamed.name} named by an earlier run" in p.stdout
    assert {r["comparison"]["reference"] for r in log(out) if r["comparison"]} == {made[0].name}


@pytest.mark.parametrize(
    ("cores", "workers", "threads"),
    [(2, 2, 1), (2, 1, 2), (8, 2, 2), (8, 8, 1), (1, 4, 1), (3, 2, 1)],
)
def test_each_worker_gets_its_share_of_the_cores_for_the_model(
    monkeypatch, cores, workers, threads
):
    from silhouette import AnalyzerOptions, files
    from silhouette.apps import batch as batch_module

    monkeypatch.setattr(files, "usable_cores", lambda: cores)
    assert batch_module.per_worker(AnalyzerOptions(), workers).threads == threads
    # threads the caller chose are kept
    assert batch_module.per_worker(AnalyzerOptions(threads=3), workers).threads == 3
