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
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ._types import Analysis, flat_row

__all__ = ["CSV_COLUMNS", "RECORD_KEYS", "ResultStore", "atomic_write_text"]

#: Keys of every record in results.jsonl, in order.
RECORD_KEYS = (
    "file",  # path relative to the analysed folder
    "sha256",  # content hash, or "unreadable:<file>" when the file could not be read
    "date",  # ISO 8601, local time, no zone
    "date_source",  # "exif" | "filename" | "mtime" | null
    "status",  # "measured" | "no_person" | "error"
    "error",  # one line, for status "error"
    "thumbnail",  # path relative to the output folder, or null
    "overlay",  # path relative to the output folder, or null
    "result",  # Analysis.to_dict(), or null for errors
)

_META_COLUMNS = ["file", "sha256", "date", "date_source", "status", "error"]
#: Columns of results.csv: the record's metadata, then Analysis.to_row().
CSV_COLUMNS = _META_COLUMNS + list(Analysis(1, 1, person_found=False).to_row())


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers never see half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        self.records: list[dict[str, Any]] = self._load(drop_errors)
        self._by_key = {r["sha256"]: r for r in self.records}
        # The CSV is derived: rebuild it so that it matches the log exactly.
        atomic_write_text(self.csv_path, _csv_text(self.records))
        self._jsonl = open(self.jsonl_path, "a", encoding="utf-8")
        self._csv = open(self.csv_path, "a", encoding="utf-8", newline="")
        self._csv_writer = csv.DictWriter(self._csv, CSV_COLUMNS, extrasaction="ignore")

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def append(self, record: dict[str, Any]) -> None:
        """Write one record to both files and sync them to disk."""
        missing = set(RECORD_KEYS) - set(record)
        if missing:
            raise ValueError(f"record lacks {sorted(missing)}")
        if record["sha256"] in self._by_key:
            raise ValueError(f"{record['file']} is already recorded")
        self._jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._csv_writer.writerow(csv_row(record))
        for fh in (self._jsonl, self._csv):
            fh.flush()
            os.fsync(fh.fileno())
        self.records.append(record)
        self._by_key[record["sha256"]] = record

    def close(self) -> None:
        self._jsonl.close()
        self._csv.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load(self, drop_errors: bool) -> list[dict[str, Any]]:
        if not self.jsonl_path.exists():
            return []
        raw = self.jsonl_path.read_text(encoding="utf-8", errors="replace")
        records, seen, damaged = [], set(), False
        for line in raw.splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                damaged = True  # a torn write from a killed run: drop it
                continue
            if not isinstance(rec, dict) or rec.get("sha256") in seen:
                damaged = True
                continue
            if drop_errors and rec.get("status") == "error":
                damaged = True
                continue
            seen.add(rec.get("sha256"))
            records.append({k: rec.get(k) for k in RECORD_KEYS})
        if damaged or (raw and not raw.endswith("\n")):
            atomic_write_text(self.jsonl_path, _jsonl_text(records))
        return records


def csv_row(record: dict[str, Any]) -> dict[str, Any]:
    """The flat CSV row of a record."""
    row = {k: record.get(k) for k in _META_COLUMNS}
    if record.get("result") is not None:
        row.update(flat_row(record["result"]))
    return row


def _jsonl_text(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def _csv_text(records: Iterable[dict[str, Any]]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for r in records:
        writer.writerow(csv_row(r))
    return buf.getvalue()
