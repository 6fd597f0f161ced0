"""One photo's entry in a batch: a typed record, and the statuses it can have.

``results.jsonl`` holds one :meth:`BatchRecord.to_dict` per line (documented
in ``docs/schema.md#batch-results``).
"""

from __future__ import annotations

from dataclasses import dataclass
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


#: Keys of every record in results.jsonl, in order.
RECORD_KEYS = (
    "file",  # path relative to the analysed folder
    "sha256",  # content hash, or "unreadable:<file>" when the file could not be read
    "date",  # ISO 8601, local time, no zone
    "date_source",  # "exif" | "filename" | "mtime" | null
    "status",  # Status
    "error",  # one line, for status "error"
    "thumbnail",  # path relative to the output folder, or null
    "overlay",  # path relative to the output folder, or null
    "result",  # Analysis.to_dict(), or null for errors
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
    thumbnail: str | None = None
    overlay: str | None = None
    result: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        if (self.status is Status.ERROR) != (self.error is not None):
            raise InvalidInputError("an error record, and only one, has an error message")
        if (self.status is Status.ERROR) != (self.result is None):
            raise InvalidInputError("every record but an error one has a result")

    @classmethod
    def failed(
        cls,
        file: str,
        sha256: str,
        message: str,
        date: str | None = None,
        date_source: str | None = None,
    ) -> BatchRecord:
        """An error record; ``message`` is reduced to one printable line."""
        line = " ".join(printable(message).split()) or "unknown error"
        return cls(file, sha256, Status.ERROR, date, date_source, error=line)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BatchRecord:
        """A record read back from results.jsonl.

        Raises
        ------
        InvalidInputError
            ``d`` is not a record (a key missing, an unknown status).
        """
        if not isinstance(d, dict) or not isinstance(d.get("sha256"), str):
            raise InvalidInputError("not a batch record")
        try:
            return cls(**{k: d.get(k) for k in RECORD_KEYS})
        except (ValueError, TypeError) as exc:
            raise InvalidInputError(f"not a batch record: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, keys in ``RECORD_KEYS`` order."""
        d = {k: getattr(self, k) for k in RECORD_KEYS}
        d["status"] = self.status.value
        return d

    @property
    def when(self) -> datetime | None:
        """The photo's date, or None."""
        return None if self.date is None else datetime.fromisoformat(self.date)

    @property
    def failure(self) -> Failure | None:
        """``(file, message)`` of an error record, else None."""
        return None if self.error is None else Failure(self.file, self.error)
