"""When was a photo taken? EXIF first, then the file name, then the file's mtime.

A date outside the years photos can have been taken (before 1826, or in the
future) is not believed: the next source is used, and a note says why.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from PIL import Image

from ..io import register_heif

__all__ = ["EARLIEST", "PhotoDate", "date_from_name", "photo_date", "plausible"]

DateSource = Literal["exif", "filename", "mtime"]

_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003

#: The first photograph that survives was taken in 1826 or 1827.
EARLIEST = datetime(1826, 1, 1)

# A date in a file name: IMG_20240115_..., PXL_20240115..., 2024-01-15,
# 2024_01_15, IMG-20240115-WA0001, optionally followed by a time: HHMM,
# HHMMSS or HHMMSSmmm (Pixel phones add milliseconds).
_NAME_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])"
    r"(?:[-_ T.]?([01]\d|2[0-3])[-_.:]?([0-5]\d)(?:[-_.:]?([0-5]\d)(?:\d{3})?)?)?(?!\d)"
)


@dataclass(frozen=True)
class PhotoDate:
    """A photo's date and where it came from.

    Attributes
    ----------
    when : datetime or None
        Naive local date and time (EXIF stores no time zone reliably); None
        when no source gives a plausible date.
    source : {'exif', 'filename', 'mtime'} or None
    note : str or None
        Why a source was passed over (an EXIF date in year 1, a file time in
        the future), in one sentence.
    """

    when: datetime | None
    source: DateSource | None
    note: str | None = None


def plausible(when: datetime, *, now: datetime | None = None) -> bool:
    """Whether a photo can have been taken at ``when``: from 1826 until tomorrow.

    (A day of slack: the camera's clock may be in another time zone.)

    Examples
    --------
    >>> plausible(datetime(2024, 1, 15)), plausible(datetime(1, 1, 1))
    (True, False)
    >>> plausible(datetime(9999, 12, 31))
    False
    """
    now = datetime.now() if now is None else now
    return EARLIEST <= when <= now + timedelta(days=1)


def photo_date(path: str | os.PathLike) -> PhotoDate:
    """The date a photo was taken, as well as it can be told.

    EXIF ``DateTimeOriginal`` when present, valid and plausible, else a date
    in the file name, else the file's modification time.
    """
    path = Path(path)
    ignored = []
    for source, when in (
        ("exif", _exif_date(path)),
        ("filename", date_from_name(path.name)),
        ("mtime", _mtime(path)),
    ):
        if when is None:
            continue
        if plausible(when):
            return PhotoDate(when, source, _note(ignored, source) if ignored else None)
        ignored.append(f"the {_NAMES[source]} {when.date().isoformat()}")
    return PhotoDate(None, None, _note(ignored, None))


def _mtime(path: Path) -> datetime | None:
    """The file's modification time; None if no date can hold it."""
    st = path.stat()  # OSError: the caller says the file cannot be read
    try:
        return datetime.fromtimestamp(st.st_mtime)
    except (OverflowError, ValueError, OSError):
        return None


_NAMES = {"exif": "EXIF date", "filename": "date in the file name", "mtime": "file time"}


def _note(ignored: list[str], used: str | None) -> str:
    what = " and ".join(ignored) + (" is" if len(ignored) == 1 else " are")
    then = f"the {_NAMES[used]} is used" if used else "the photo has no date"
    return f"{what[0].upper()}{what[1:]} not a plausible date for a photo; {then}."


def _exif_date(path: Path) -> datetime | None:
    register_heif()
    try:
        # Pillow warns about photos over 89 megapixels and about damaged
        # tags; neither matters for the date.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:  # the header only
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
    >>> date_from_name("IMG_20240115_0900.jpg"), date_from_name("PXL_20240115_081502123.jpg")
    (datetime.datetime(2024, 1, 15, 9, 0), datetime.datetime(2024, 1, 15, 8, 15, 2))
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
