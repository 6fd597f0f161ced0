"""The batch result log: one record per photo, written the moment it exists.

``results.jsonl`` is the source of truth: each record is appended, flushed and
synced to disk as soon as its photo is done, so a killed run loses nothing it
finished. A record appended again under the same key (a photo analysed again
with other options, or renamed) replaces the earlier one: the last line wins.
On the next start a torn last line (the kill came mid-write) is cut off, and
``results.csv`` is rebuilt from the log by an atomic rename before new rows
are appended to both. At the end of a run both files are rewritten once, in
date order. Records are keyed by the photo's content hash: a renamed photo is
not analysed again.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..files import atomic_write_text
from ..results import Analysis, flat_row
from .records import BatchRecord, Status

__all__ = ["CSV_COLUMNS", "ResultStore", "csv_row", "date_order", "read_records"]

_META_COLUMNS = [
    "file",
    "sha256",
    "date",
    "date_source",
    "status",
    "error",
    "duplicate_of",
    "notes",
    "height_cm",
    "reference",
    "comparable",
    "not_comparable_because",
]
#: Columns of results.csv: the record's metadata, then Analysis.to_row().
CSV_COLUMNS = _META_COLUMNS + list(Analysis(1, 1, person_found=False).to_row())

# What a spreadsheet takes for the start of a formula (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ResultStore:
    """Append-only result log of one output folder, with its CSV twin.

    Use as a context manager; :meth:`append` writes and syncs one record.

    Parameters
    ----------
    out_dir : path
        Output folder; created if missing.
    drop_errors : bool, optional
        Forget earlier error records so that those photos are tried again.
    """

    def __init__(self, out_dir: str | os.PathLike, *, drop_errors: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.jsonl_path = self.out_dir / "results.jsonl"
        self.csv_path = self.out_dir / "results.csv"
        self._by_key: dict[str, BatchRecord] = {r.key: r for r in self._load(drop_errors)}
        # The CSV is derived: rebuild it so that it matches the log exactly.
        atomic_write_text(self.csv_path, _csv_text(self.records))
        self._open()

    @property
    def records(self) -> list[BatchRecord]:
        """Every record, one per key, in the order they were first written."""
        return list(self._by_key.values())

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def get(self, key: str) -> BatchRecord | None:
        return self._by_key.get(key)

    def append(self, record: BatchRecord, *, replace: bool = False) -> None:
        """Write one record to both files and sync them to disk.

        With ``replace``, a record with the same key is superseded (the log
        keeps both lines until the next :meth:`rewrite`; the last one wins).
        """
        if record.key in self._by_key and not replace:
            raise InvalidInputError(f"{record.file} is already recorded")
        self._by_key[record.key] = record
        self._jsonl.write(_json_line(record))
        self._csv_writer.writerow(csv_row(record))
        for fh in (self._jsonl, self._csv):
            fh.flush()
            os.fsync(fh.fileno())

    def rewrite(self, records: Iterable[BatchRecord]) -> None:
        """Replace the whole log (and its CSV) with ``records``, atomically."""
        records = list(records)
        by_key = {r.key: r for r in records}
        if len(by_key) != len(records):
            raise InvalidInputError("two records with the same key")
        self._close()
        atomic_write_text(self.jsonl_path, "".join(_json_line(r) for r in records))
        atomic_write_text(self.csv_path, _csv_text(records))
        self._by_key = by_key
        self._open()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        self._jsonl = open(self.jsonl_path, "a", encoding="utf-8")
        self._csv = open(self.csv_path, "a", encoding="utf-8", newline="")
        self._csv_writer = csv.DictWriter(self._csv, CSV_COLUMNS, extrasaction="ignore")

    def _close(self) -> None:
        self._jsonl.close()
        self._csv.close()

    def _load(self, drop_errors: bool) -> list[BatchRecord]:
        records = read_records(self.jsonl_path)
        kept = [r for r in records if not (drop_errors and r.status is Status.ERROR)]
        raw = self.jsonl_path.read_bytes() if self.jsonl_path.exists() else b""
        if raw != "".join(_json_line(r) for r in kept).encode("utf-8"):
            # A torn or superseded line, an error to retry: keep the log tidy.
            atomic_write_text(self.jsonl_path, "".join(_json_line(r) for r in kept))
        return kept


def read_records(path: str | os.PathLike) -> list[BatchRecord]:
    """The records of a results.jsonl, one per key (the last line wins).

    Lines that are not records (a write torn by a kill) are skipped.
    """
    path = Path(path)
    if not path.exists():
        return []
    raw = path.read_text(encoding="utf-8", errors="replace")
    by_key: dict[str, BatchRecord] = {}
    # Records end at "\n" only: str.splitlines would also split at U+2028,
    # U+0085 and other separators that JSON leaves unescaped inside strings.
    for line in raw.split("\n"):
        if not line.strip():
            continue
        try:
            rec = BatchRecord.from_dict(json.loads(line))
        except (json.JSONDecodeError, InvalidInputError):
            continue
        by_key.pop(rec.key, None)  # a newer line moves the record to the end
        by_key[rec.key] = rec
    return list(by_key.values())


def date_order(records: Iterable[BatchRecord]) -> list[BatchRecord]:
    """Records by date (those without one last), then by file name."""
    return sorted(records, key=lambda r: (r.date is None, r.date or "", r.file))


def csv_row(record: BatchRecord) -> dict[str, Any]:
    """The flat CSV row of a record.

    Text that a spreadsheet would run as a formula (a cell starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading
    ``'``, as OWASP advises against CSV injection; numbers are left alone.
    results.jsonl keeps every value as it is.
    """
    d = record.to_dict()
    row = {k: d[k] for k in _META_COLUMNS if k in d}
    row["notes"] = " ".join(record.notes) or None
    row["height_cm"] = record.options.get("height_cm")
    if record.comparison is not None:
        row["reference"] = record.comparison["reference"]
        row["comparable"] = record.comparison["comparable"]
        row["not_comparable_because"] = "; ".join(record.comparison["reasons"]) or None
    if record.result is not None:
        row.update(flat_row(record.result))
    return {k: _cell(v) for k, v in row.items()}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _json_line(record: BatchRecord) -> str:
    return json.dumps(record.to_dict(), ensure_ascii=False, allow_nan=False) + "\n"


def _csv_text(records: Iterable[BatchRecord]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in records:
        writer.writerow(csv_row(r))
    return buf.getvalue()
