"""`silhouette batch` on a folder of sample photos and bad files, as a user runs it.

These run the model; the pieces without it are tested in test_dates.py,
test_records.py, test_store.py, test_trend.py and test_report.py.
"""

import csv
import json
import os
import re
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

pytestmark = pytest.mark.model


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


def test_rerun_adds_only_new_photos_and_skips_renamed_ones(folder, tmp_path):
    out = tmp_path / "out"
    batch(folder, "--out", out, "--workers", "1")
    first, _ = read_out(out)
    (folder / "empty_room.jpg").rename(folder / "renamed_room.jpg")  # same content
    shutil.copy(SAMPLES / "arsalan_front.jpg", folder / "IMG_20240610_070000.jpg")
    p = batch(folder, "--out", out, "--workers", "1")
    records, rows = read_out(out)
    assert len(records) == len(rows) == len(first) + 1
    assert records[-1]["file"] == "IMG_20240610_070000.jpg"
    assert "1 analysed now" in p.stdout


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


def test_overlays_are_written_without_metadata(folder, tmp_path):
    out = tmp_path / "out"
    batch(folder, "--out", out, "--workers", "1", "--overlays")
    pngs = list((out / "overlays").glob("*.png"))
    assert len(pngs) == GOOD
    for png in pngs + list((out / "thumbs").glob("*.jpg")):
        with Image.open(png) as im:
            assert not im.getexif() and "exif" not in im.info


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
    if code == 4:  # bad input: one line
        assert len(lines) == 1
    else:  # a usage error: argparse's usage, then one error line
        assert lines[0].startswith("usage:") and "error:" in lines[-1]
