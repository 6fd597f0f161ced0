"""One photo's entry in a batch: a typed record, and the statuses it can have.

``results.jsonl`` holds one :meth:`BatchRecord.to_dict` per line (documented
in ``docs/schema.md#batch-results``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from ..errors import InvalidInputError
from ..files import printable

__all__ = ["RECORD_KEYS", "BatchRecord", "Failure", "Status"]


class Status(str, Enum):
    """What happened to a photo."""

    MEASURED = "measured"  #: a person was found and measured (sides may still be unmeasured)
    NO_PERSON = "no_person"  #: the photo was read but holds no person
    ERROR = "error"  #: the photo could not be read or analysed
    DUPLICATE = "duplicate"  #: a byte-identical copy of another photo of the folder


#: Keys of every record in results.jsonl, in order.
RECORD_KEYS = (
    "file",  # path relative to the analysed folder
    "sha256",  # content hash, or "unreadable:<file>" when the file could not be read
    "date",  # ISO 8601, local time, no zone
    "date_source",  # "exif" | "filename" | "mtime" | null
    "status",  # Status
    "error",  # one line, for status "error"
    "duplicate_of",  # the analysed copy, for status "duplicate"
    "notes",  # sentences about the photo that are not analysis warnings
    "options",  # the options that shaped the result: {"height_cm": ...}
    "thumbnail",  # path relative to the output folder, or null
    "closeup",  # the hips, larger, relative to the output folder, or null
    "overlay",  # path relative to the output folder, or null
    "comparison",  # {"reference", "comparable", "reasons"} against its view's reference, or null
    "result",  # Analysis.to_dict(), or null for errors and duplicates
)


class Failure(NamedTuple):
    """A photo that could not be analysed, and why (one line)."""

    file: str
    message: str


@dataclass(frozen=True)
class BatchRecord:
    """The outcome of one photo of a batch. See ``RECORD_KEYS`` for the fields."""

    file: str
    sha256: str
    status: Status
    date: str | None = None
    date_source: str | None = None
    error: str | None = None
    duplicate_of: str | None = None
    notes: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    thumbnail: str | None = None
    closeup: str | None = None
    overlay: str | None = None
    comparison: dict[str, Any] | None = None
    result: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        object.__setattr__(self, "notes", tuple(self.notes or ()))
        object.__setattr__(self, "options", dict(self.options or {}))
        if not all(isinstance(n, str) for n in self.notes):
            raise InvalidInputError("notes must be sentences")
        if (self.status is Status.ERROR) != (self.error is not None):
            raise InvalidInputError("an error record, and only one, has an error message")
        if (self.status is Status.DUPLICATE) != (self.duplicate_of is not None):
            raise InvalidInputError("a duplicate record, and only one, names the photo it copies")
        if (self.status in (Status.ERROR, Status.DUPLICATE)) != (self.result is None):
            raise InvalidInputError("every record but an error or a duplicate one has a result")
        if self.comparison is not None:
            c = self.comparison
            if self.status is not Status.MEASURED:
                raise InvalidInputError("only a measured photo is compared with the reference")
            if (
                not isinstance(c, dict)
                or not isinstance(c.get("reference"), str)
                or not isinstance(c.get("comparable"), bool)
                or not isinstance(c.get("reasons"), list)
                or c["comparable"] == bool(c["reasons"])
            ):
                raise InvalidInputError(
                    "comparison must be {reference, comparable, reasons}, with reasons "
                    "when, and only when, it is not comparable"
                )
        if self.date is not None:
            try:
                datetime.fromisoformat(self.date)
            except (TypeError, ValueError):
                raise InvalidInputError(f"date must be ISO 8601, got {self.date!r}") from None

    @classmethod
    def failed(
        cls,
        file: str,
        sha256: str,
        message: str,
        date: str | None = None,
        date_source: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> BatchRecord:
        """An error record; ``message`` is reduced to one printable line."""
        line = printable(" ".join(message.split())) or "unknown error"
        return cls(file, sha256, Status.ERROR, date, date_source, error=line, notes=notes)

    @classmethod
    def duplicate(cls, file: str, sha256: str, of: str) -> BatchRecord:
        """A byte-identical copy of the photo ``of``: reported, not analysed again."""
        return cls(file, sha256, Status.DUPLICATE, duplicate_of=of)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BatchRecord:
        """A record read back from results.jsonl (older records lack the newer keys).

        Raises
        ------
        InvalidInputError
            ``d`` is not a record (a key missing, an unknown status).
        """
        if not isinstance(d, dict) or not isinstance(d.get("sha256"), str):
            raise InvalidInputError("not a batch record")
        if not isinstance(d.get("file"), str):
            raise InvalidInputError("not a batch record: no file")
        try:
            return cls(**{k: d[k] for k in RECORD_KEYS if d.get(k) is not None})
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(f"not a batch record: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, keys in ``RECORD_KEYS`` order."""
        d = {k: getattr(self, k) for k in RECORD_KEYS}
        d["status"] = self.status.value
        d["notes"] = list(self.notes)
        return d

    @property
    def key(self) -> str:
        """What identifies the record in its log: the content hash; a copy's own name."""
        if self.status is Status.DUPLICATE:
            return f"duplicate:{self.file}"
        return self.sha256

    @property
    def when(self) -> datetime | None:
        """The photo's date, or None."""
        return None if self.date is None else datetime.fromisoformat(self.date)

    @property
    def failure(self) -> Failure | None:
        """``(file, message)`` of an error record, else None."""
        return None if self.error is None else Failure(self.file, self.error)

    def renamed(self, file: str) -> BatchRecord:
        """The same record under another file name (the photo was renamed)."""
        return replace(self, file=file)
