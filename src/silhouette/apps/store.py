"""The batch result log: one record per photo, written the moment it exists.

``results.jsonl`` is the source of truth: each record is appended, flushed and
synced to disk as soon as its photo is done, so a killed run loses nothing it
finished. On the next start a torn last line (the kill came mid-write) is cut
off, and ``results.csv`` is rebuilt from the log by an atomic rename before new
rows are appended to both. Records are keyed by the photo's content hash: a
renamed photo is not analysed again.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from ..files import atomic_write_text
from ..results import Analysis, flat_row
from .records import BatchRecord, Status

__all__ = ["CSV_COLUMNS", "ResultStore", "csv_row"]

_META_COLUMNS = ["file", "sha256", "date", "date_source", "status", "error"]
#: Columns of results.csv: the record's metadata, then Analysis.to_row().
CSV_COLUMNS = _META_COLUMNS + list(Analysis(1, 1, person_found=False).to_row())


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
        self.records: list[BatchRecord] = self._load(drop_errors)
        self._by_key = {r.sha256: r for r in self.records}
        # The CSV is derived: rebuild it so that it matches the log exactly.
        atomic_write_text(self.csv_path, _csv_text(self.records))
        self._jsonl = open(self.jsonl_path, "a", encoding="utf-8")
        self._csv = open(self.csv_path, "a", encoding="utf-8", newline="")
        self._csv_writer = csv.DictWriter(self._csv, CSV_COLUMNS, extrasaction="ignore")

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def append(self, record: BatchRecord) -> None:
        """Write one record to both files and sync them to disk."""
        if record.sha256 in self._by_key:
            raise InvalidInputError(f"{record.file} is already recorded")
        self._jsonl.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        self._csv_writer.writerow(csv_row(record))
        for fh in (self._jsonl, self._csv):
            fh.flush()
            os.fsync(fh.fileno())
        self.records.append(record)
        self._by_key[record.sha256] = record

    def close(self) -> None:
        self._jsonl.close()
        self._csv.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self, drop_errors: bool) -> list[BatchRecord]:
        if not self.jsonl_path.exists():
            return []
        raw = self.jsonl_path.read_text(encoding="utf-8", errors="replace")
        records, seen, damaged = [], set(), False
        for line in raw.splitlines():
            try:
                rec = BatchRecord.from_dict(json.loads(line))
            except (json.JSONDecodeError, InvalidInputError):
                damaged = True  # a torn write from a killed run: drop it
                continue
            if rec.sha256 in seen or (drop_errors and rec.status is Status.ERROR):
                damaged = True
                continue
            seen.add(rec.sha256)
            records.append(rec)
        if damaged or (raw and not raw.endswith("\n")):
            atomic_write_text(self.jsonl_path, _jsonl_text(records))
        return records


def csv_row(record: BatchRecord) -> dict[str, Any]:
    """The flat CSV row of a record."""
    d = record.to_dict()
    row = {k: d[k] for k in _META_COLUMNS}
    if record.result is not None:
        row.update(flat_row(record.result))
    return row


def _jsonl_text(records: Iterable[BatchRecord]) -> str:
    return "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in records)


def _csv_text(records: Iterable[BatchRecord]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in records:
        writer.writerow(csv_row(r))
    return buf.getvalue()
