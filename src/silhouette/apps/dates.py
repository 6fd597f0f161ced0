"""When was a photo taken? EXIF first, then the file name, then the file's mtime."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from PIL import Image

from ..io import register_heif

__all__ = ["PhotoDate", "date_from_name", "photo_date"]

DateSource = Literal["exif", "filename", "mtime"]

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003

# A date in a file name: IMG_20240115_..., PXL_20240115..., 2024-01-15,
# 2024_01_15, IMG-20240115-WA0001, optionally followed by a time HHMMSS.
_NAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])"
    r"(?:[-_ T.]?([01]\d|2[0-3])[-_.:]?([0-5]\d)[-_.:]?([0-5]\d))?(?!\d)"
)


@dataclass(frozen=True)
class PhotoDate:
    """A photo's date and where it came from.

    Attributes
    ----------
    when : datetime
        Naive local date and time (EXIF stores no time zone reliably).
    source : {'exif', 'filename', 'mtime'}
    """

    when: datetime
    source: DateSource


def photo_date(path: str | os.PathLike) -> PhotoDate:
    """The date a photo was taken, as well as it can be told.

    EXIF ``DateTimeOriginal`` when present and valid, else a date in the file
    name, else the file's modification time.
    """
    path = Path(path)
    when = _exif_date(path)
    if when is not None:
        return PhotoDate(when, "exif")
    when = date_from_name(path.name)
    if when is not None:
        return PhotoDate(when, "filename")
    return PhotoDate(datetime.fromtimestamp(path.stat().st_mtime), "mtime")


def _exif_date(path: Path) -> datetime | None:
    register_heif()
    try:
        with Image.open(path) as im:  # reads the header only, no pixels
            if im.format == "PNG":
                # Pillow decodes a whole PNG to look for an eXIf chunk after
                # the pixels; phones and editors put it before them.
                exif = Image.Exif()
                if "exif" in im.info:
                    exif.load(im.info["exif"])
            else:
                exif = im.getexif()
            raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL)
    except Exception:  # any unreadable header means "no EXIF date"
        return None
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def date_from_name(name: str) -> datetime | None:
    """A date (and time, if present) found in a file name.

    Examples
    --------
    >>> date_from_name("IMG_20240115_081500.jpg")
    datetime.datetime(2024, 1, 15, 8, 15)
    >>> date_from_name("progress 2024-03-02.png")
    datetime.datetime(2024, 3, 2, 0, 0)
    >>> date_from_name("PXL_20240229_1.jpg"), date_from_name("IMG_4821.jpg")
    (datetime.datetime(2024, 2, 29, 0, 0), None)
    """
    for m in _NAME_DATE.finditer(name):
        year, _, month, day, hh, mm, ss = m.groups()
        try:
            return datetime(
                int(year), int(month), int(day), int(hh or 0), int(mm or 0), int(ss or 0)
            )
        except ValueError:  # 2023-02-30 and the like
            continue
    return None
