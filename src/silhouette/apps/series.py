"""A progress series: which photos compare with the reference, and sessions by date.

The pose, the camera and the clothes change the hip outline as much as the
body does, so a series is judged against one reference photo per view (front
photos against a front photo, back against back): each measured photo gets a
``comparison`` (docs/schema.md#batch-results) saying whether it was taken like
the reference (:func:`silhouette.core.capture.compare_capture`) and, if not, why.
The trend and the report's "what changed" use the comparable photos only.

The reference of a view is the one the user names, or else the earliest photo
of that view taken the way a series should be: straight stance, the body's own
outline on both hips. Pure computation on records; no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from ..core.capture import compare_capture
from ..errors import InvalidInputError
from ..files import printable
from ..results import CaptureSignature
from .dates import plausible
from .records import BatchRecord, Status
from .store import date_order

__all__ = [
    "BEFORE_AFTER_IMAGE",
    "SERIES_VIEWS",
    "Session",
    "before_after_pair",
    "judge_series",
    "references",
    "sessions",
]

#: Views a dip is measured on, and so the views a series can have.
SERIES_VIEWS = ("front", "back")
#: The before/after picture of a series, in the output folder.
BEFORE_AFTER_IMAGE = "thumbs/before_after.png"


def _view(r: BatchRecord) -> str | None:
    if r.status is not Status.MEASURED or r.result is None:
        return None
    view = r.result.get("view")
    return view if view in SERIES_VIEWS else None


def _signature(r: BatchRecord) -> CaptureSignature | None:
    capture = (r.result or {}).get("capture")
    return None if capture is None else CaptureSignature.from_dict(capture)


def _exemplary(r: BatchRecord) -> bool:
    """Taken the way a series should be: straight stance, body outline on both hips."""
    sig = _signature(r)
    return (
        sig is not None
        and sig.hip_popped is False
        and sig.outline_left == "body"
        and sig.outline_right == "body"
    )


def references(records: Sequence[BatchRecord], named: str | None = None) -> dict[str, BatchRecord]:
    """The reference photo of each view with measured photos.

    Parameters
    ----------
    records : sequence of BatchRecord
    named : str, optional
        A photo's file name inside the folder the user chose as reference;
        it is the reference of its own view. Matched as the records spell it
        (:func:`silhouette.files.printable`: control characters and bytes
        that are not UTF-8 escaped).

    Raises
    ------
    InvalidInputError
        ``named`` is no measured front or back photo of the records.
    """
    ordered = [r for r in date_order(records) if _view(r) is not None and _signature(r)]
    refs: dict[str, BatchRecord] = {}
    if named is not None:
        named = printable(named)
        # A byte-identical copy names the photo it copies (recorded once).
        copied = {r.file: r.duplicate_of for r in records if r.duplicate_of is not None}
        named = copied.get(named, named)
        chosen = next((r for r in ordered if r.file == named), None)
        if chosen is None:
            raise InvalidInputError(
                f"--reference {named}: not a measured front or back photo of this folder"
            )
        refs[_view(chosen)] = chosen
    for view in SERIES_VIEWS:
        if view in refs:
            continue
        of_view = [r for r in ordered if _view(r) == view]
        if of_view:
            refs[view] = next((r for r in of_view if _exemplary(r)), of_view[0])
    return refs


def judge_series(
    records: Sequence[BatchRecord], *, reference: str | None = None, include_posed: bool = False
) -> list[BatchRecord]:
    """The records, each measured one with its ``comparison`` to its view's reference.

    Parameters
    ----------
    records : sequence of BatchRecord
    reference : str, optional
        The file name of the reference photo (its view's); default the
        earliest photo taken with a straight stance and the body's own outline.
    include_posed : bool, optional
        Let hip-popped photos compare with a straight reference (the stance is
        then no reason; ``--include-posed``).

    Returns
    -------
    list of BatchRecord
        In the order given. Records that were not measured on a front or back
        view, or have no capture signature (analysed by an older version),
        get ``comparison`` None.
    """
    refs = references(records, reference)
    judged = []
    for r in records:
        view, sig = _view(r), _signature(r)
        ref = refs.get(view) if view is not None else None
        if ref is None or sig is None:
            judged.append(replace(r, comparison=None))
            continue
        ref_sig = _signature(ref)
        if include_posed:
            ref_sig, sig = replace(ref_sig, hip_popped=None), replace(sig, hip_popped=None)
        verdict = compare_capture(ref_sig, sig, than="the reference photo")
        if r.key == ref.key:
            verdict = replace(verdict, comparable=True, reasons=())
        judged.append(
            replace(
                r,
                comparison={
                    "reference": ref.file,
                    "comparable": verdict.comparable,
                    "reasons": list(verdict.reasons),
                },
            )
        )
    return judged


@dataclass(frozen=True)
class Session:
    """The photos of one day (front, back and side views taken together).

    Attributes
    ----------
    day : datetime.date or None
        None for the photos without a date.
    records : tuple of BatchRecord
        In date order.
    """

    day: date | None
    records: tuple[BatchRecord, ...]

    @property
    def views(self) -> list[str]:
        """The views measured in this session, front first."""
        seen = {(r.result or {}).get("view") for r in self.records}
        return [v for v in ("front", "back", "side") if v in seen]

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": None if self.day is None else self.day.isoformat(),
            "files": [r.file for r in self.records],
        }


def sessions(records: Sequence[BatchRecord]) -> list[Session]:
    """The records grouped by the calendar day they were taken, oldest first.

    Examples
    --------
    >>> from silhouette.apps.records import BatchRecord, Status
    >>> rs = [BatchRecord(f, f, Status.NO_PERSON, date=d, result={})
    ...       for f, d in (("a", "2024-03-01T08:00:00"), ("b", "2024-03-01T08:01:00"),
    ...                    ("c", "2024-03-08T08:00:00"))]
    >>> [(s.day.isoformat(), [r.file for r in s.records]) for s in sessions(rs)]
    [('2024-03-01', ['a', 'b']), ('2024-03-08', ['c'])]
    """
    by_day: dict[date | None, list[BatchRecord]] = {}
    for r in date_order(records):
        when = r.when
        by_day.setdefault(None if when is None else when.date(), []).append(r)
    return [Session(day, tuple(rs)) for day, rs in by_day.items()]


def before_after_pair(records: Sequence[BatchRecord]) -> tuple[BatchRecord, BatchRecord] | None:
    """The first and the latest comparable dated photos of the series' main view.

    The main view is the one with the most comparable dated photos with a
    measured side (front on a tie); the latest is the latest with a side
    measured in the first as well. None when there is no such pair, or it is
    of one day (one session: photos minutes apart show no change of the body).
    """
    usable = [
        r
        for r in date_order(records)
        if _view(r) is not None
        and r.when is not None
        and plausible(r.when)  # older runs kept year 1 or 9999 for no date
        and r.comparison is not None
        and r.comparison["comparable"]
        and _measured_sides(r)
    ]
    by_view = {v: [r for r in usable if _view(r) == v] for v in SERIES_VIEWS}
    main = max(SERIES_VIEWS, key=lambda v: len(by_view[v]))
    rs = by_view[main]
    if len(rs) < 2:
        return None
    first = rs[0]
    last = next((r for r in reversed(rs[1:]) if _measured_sides(r) & _measured_sides(first)), None)
    if last is None or first.when.date() == last.when.date():
        return None
    return first, last


def _measured_sides(r: BatchRecord) -> set[str]:
    sides = (r.result or {}).get("sides") or {}
    return {s for s in ("left", "right") if (sides.get(s) or {}).get("dip_depth_ratio") is not None}
