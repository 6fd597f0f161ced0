"""When a photo was taken: EXIF first, then the file name, then the file's mtime."""

import os
import warnings
from datetime import datetime, timedelta

import pytest
from PIL import Image

from silhouette.apps.dates import date_from_name, photo_date
from support.files import with_exif_date


@pytest.mark.parametrize(
    "name, expected",
    [
        ("IMG_20240115_081500.jpg", datetime(2024, 1, 15, 8, 15)),
        ("IMG_20240115_0900.jpg", datetime(2024, 1, 15, 9, 0)),  # HHMM keeps its time
        ("2024-01-15 21.30.jpg", datetime(2024, 1, 15, 21, 30)),
        ("PXL_20231224_193012345.jpg", datetime(2023, 12, 24, 19, 30, 12)),  # + millis
        ("IMG_20240115_2460.jpg", datetime(2024, 1, 15)),  # not a time: the date alone
        ("IMG_20240115_12345.jpg", datetime(2024, 1, 15)),  # five digits: no time
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


def test_exif_date_comes_first(tmp_path):
    # The name holds another date: EXIF wins.
    p = with_exif_date(
        Image.new("RGB", (8, 8)), tmp_path / "IMG_20200101_000000.jpg", "2024:02:10 09:30:05"
    )
    d = photo_date(p)
    assert d.source == "exif" and d.when == datetime(2024, 2, 10, 9, 30, 5)


def test_exif_date_in_a_png(tmp_path):
    p = with_exif_date(Image.new("RGB", (8, 8)), tmp_path / "a.png", "2023:11:30 23:59:59", "PNG")
    d = photo_date(p)
    assert d.source == "exif" and d.when == datetime(2023, 11, 30, 23, 59, 59)


@pytest.mark.parametrize("bad", ["0000:00:00 00:00:00", "yesterday", "2024:13:01 10:00:00"])
def test_a_broken_exif_date_falls_back_to_the_name(tmp_path, bad):
    p = with_exif_date(Image.new("RGB", (8, 8)), tmp_path / "PXL_20240301_120000.jpg", bad)
    d = photo_date(p)
    assert d.source == "filename" and d.when == datetime(2024, 3, 1, 12, 0, 0)


def test_an_unreadable_file_still_gets_a_date(tmp_path):
    p = tmp_path / "notes 2024-05-06.jpg"
    p.write_text("not a photo")
    d = photo_date(p)
    assert d.source == "filename" and d.when == datetime(2024, 5, 6)
    q = tmp_path / "notes.jpg"
    q.write_text("not a photo")
    os.utime(q, (1700000000, 1700000000))
    assert photo_date(q).source == "mtime"


@pytest.mark.parametrize(
    "exif, name, expected, source",
    [
        ("0001:01:01 00:00:00", "PXL_20240301_120000.jpg", datetime(2024, 3, 1, 12), "filename"),
        ("9999:12:31 23:59:59", "PXL_20240301_120000.jpg", datetime(2024, 3, 1, 12), "filename"),
        ("1800:05:01 10:00:00", "photo.jpg", datetime.fromtimestamp(1700000000), "mtime"),
        # The name's date is in the future too: on to the file's time.
        (
            "0001:01:01 00:00:00",
            "IMG_20990101_000000.jpg",
            datetime.fromtimestamp(1700000000),
            "mtime",
        ),
    ],
)
def test_an_implausible_date_falls_back_to_the_next_source_with_a_note(
    tmp_path, exif, name, expected, source
):
    p = with_exif_date(Image.new("RGB", (8, 8)), tmp_path / name, exif)
    os.utime(p, (1700000000, 1700000000))
    d = photo_date(p)
    assert (d.when, d.source) == (expected, source)
    assert d.note and "not a plausible date" in d.note and exif[:4] in d.note


def test_no_plausible_date_at_all_is_no_date(tmp_path):
    p = with_exif_date(Image.new("RGB", (8, 8)), tmp_path / "x.jpg", "0001:01:01 00:00:00")
    future = (datetime.now() + timedelta(days=400)).timestamp()
    os.utime(p, (future, future))
    d = photo_date(p)
    assert d.when is None and d.source is None
    assert "EXIF date 0001-01-01 and the file time" in d.note and "no date" in d.note


def test_a_plausible_date_has_no_note(tmp_path):
    p = with_exif_date(Image.new("RGB", (8, 8)), tmp_path / "x.jpg", "2024:02:10 09:30:05")
    assert photo_date(p).note is None


def test_reading_the_date_of_a_huge_photo_prints_no_warning(tmp_path):
    # Over Pillow's 89-megapixel warning size, under its hard limit; and a
    # damaged tag, which Pillow warns about too.
    big = tmp_path / "IMG_20240115_080000.png"
    Image.new("L", (10_000, 9_500)).save(big, compress_level=1)
    damaged = tmp_path / "damaged.jpg"
    with_exif_date(Image.new("RGB", (8, 8)), damaged, "2024:02:10 09:30:05")
    data = damaged.read_bytes()
    entry = data.index(b"\x90\x03\x00\x02")  # DateTimeOriginal, ASCII: its length...
    damaged.write_bytes(data[: entry + 4] + b"\xff\xff\x00\x00" + data[entry + 8 :])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert photo_date(big).when == datetime(2024, 1, 15, 8)
        photo_date(damaged)
    assert [str(w.message) for w in caught] == []
