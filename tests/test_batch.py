"""`silhouette batch` on a folder of sample photos and bad files, as a user runs it."""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from silhouette.apps.dates import date_from_name, photo_date
from silhouette.apps.records import BatchRecord
from silhouette.apps.store import CSV_COLUMNS, ResultStore
from silhouette.apps.trend import TrendPoint, compute_trend

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


def with_exif_date(src: Path, dst: Path, when: str, fmt: str = "JPEG") -> Path:
    im = Image.open(src)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
    im.save(dst, format=fmt, exif=exif, quality=90)
    return dst


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


# --------------------------------------------------------------------------
# The pieces, without the model
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("IMG_20240115_081500.jpg", datetime(2024, 1, 15, 8, 15)),
        ("PXL_20231224_193012345.jpg", datetime(2023, 12, 24)),  # millis: no time
        ("IMG-20240115-WA0001.jpg", datetime(2024, 1, 15)),
        ("2024-03-02 front.png", datetime(2024, 3, 2)),
        ("progress_2024_03_02.heic", datetime(2024, 3, 2)),
        ("IMG_4821.jpg", None),
        ("2023-02-30.jpg", None),  # not a date
        ("20241301.jpg", None),
    ],
)
def test_dates_in_file_names(name, expected):
    assert date_from_name(name) == expected


def test_photo_date_falls_back_to_mtime(tmp_path):
    p = tmp_path / "photo.png"
    Image.new("RGB", (4, 4)).save(p)
    os.utime(p, (1700000000, 1700000000))
    d = photo_date(p)
    assert d.source == "mtime" and d.when == datetime.fromtimestamp(1700000000)


def test_store_repairs_a_torn_log_and_rebuilds_the_csv(tmp_path):
    record = BatchRecord.failed("a.jpg", "abc", "bad")
    with ResultStore(tmp_path) as store:
        store.append(record)
        with pytest.raises(ValueError, match="already"):
            store.append(record)
    with open(tmp_path / "results.jsonl", "a") as fh:
        fh.write('{"file": "b.jp')
    (tmp_path / "results.csv").write_text("garbage\n")
    with ResultStore(tmp_path) as store:
        assert store.records == [record]
    assert (tmp_path / "results.jsonl").read_text().count("\n") == 1
    rows = list(csv.DictReader(open(tmp_path / "results.csv", newline="")))
    assert len(rows) == 1 and rows[0]["file"] == "a.jpg"


def test_trend_slopes_are_robust_to_one_odd_photo():
    t0 = datetime(2024, 1, 1)
    from datetime import timedelta

    pts = [TrendPoint(t0 + timedelta(days=30.4375 * k), 0.04 - 0.003 * k, 0.02) for k in range(8)]
    pts[3] = TrendPoint(pts[3].when, 0.09, 0.02)  # a baggy shirt
    trend = compute_trend(pts)
    assert trend.left.slope_ratio_per_month == pytest.approx(-0.003, abs=2e-4)
    assert trend.right.slope_ratio_per_month == pytest.approx(0.0, abs=1e-9)
    assert "shallower" in trend.summary()[0] and "no clear change" in trend.summary()[1]


def test_posed_photos_are_left_out_of_the_trend_by_default():
    t0 = datetime(2024, 1, 1)
    from datetime import timedelta

    pts = [TrendPoint(t0 + timedelta(days=30 * k), 0.02, 0.02) for k in range(4)]
    pts.append(TrendPoint(t0 + timedelta(days=150), 0.06, 0.0, posed=True))
    assert compute_trend(pts).left.n == 4
    assert compute_trend(pts).excluded_posed == 1
    assert compute_trend(pts, include_posed=True).left.n == 5


def test_theil_sen_matches_scipy():
    from scipy.stats import theilslopes

    from silhouette.apps.trend import theil_sen

    rng = np.random.default_rng(7)
    for _ in range(100):
        n = int(rng.integers(2, 30))
        x = np.sort(rng.random(n) * 100)
        y = rng.normal(size=n) + 0.1 * x
        slope, intercept, _, _ = theilslopes(y, x)
        assert theil_sen(x, y) == pytest.approx((slope, intercept))


def test_report_leaves_the_callers_matplotlib_alone():
    # A library must not switch the host's backend: a notebook that builds a
    # report would stop showing its own plots.
    code = """
import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt
from silhouette.apps.records import BatchRecord
from silhouette.apps.report import render_report
side = {"dip_depth_ratio": 0.03, "dip_depth_cm": 1.0}
res = {"sides": {"left": side, "right": side}, "stance": {"hip_popped": False}, "warnings": []}
records = [BatchRecord(f"{m}.jpg", str(m), "measured", f"2024-0{m}-01T08:00:00", result=res)
           for m in (1, 2, 3)]
fig = plt.figure()
html = render_report(records, folder="f")
assert "<svg" in html
print(matplotlib.get_backend(), plt.get_fignums() == [fig.number])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["svg", "True"]
