"""A progress series: the reference of each view, each photo's verdict against it,
sessions by day and the before/after pair, on records whose capture is known."""

from __future__ import annotations

import pytest

from silhouette import InvalidInputError
from silhouette.apps.records import BatchRecord, Status
from silhouette.apps.series import before_after_pair, judge_series, references, sessions
from silhouette.results import CaptureSignature

STRAIGHT = CaptureSignature(0.0, 0.0, 0.57, 0.3, False, "body", "body")


def rec(
    name,
    day,
    view="front",
    capture=STRAIGHT,
    status=Status.MEASURED,
    depths=(0.02, 0.02),
    **changes,
):
    sig = None if capture is None else CaptureSignature(**(capture.to_dict() | changes))
    sides = {s: {"dip_depth_ratio": d} for s, d in zip(("left", "right"), depths, strict=True)}
    result = {"view": view, "capture": None if sig is None else sig.to_dict(), "sides": sides}
    date = None if day is None else f"2024-03-{day:02d}T08:00:00"
    return BatchRecord(name, name, status, date, "filename", result=result)


def verdicts(records, **kw):
    return {r.file: r.comparison for r in judge_series(records, **kw)}


def test_each_photo_is_judged_against_the_earliest_straight_photo_of_its_view():
    records = [
        rec("posed.jpg", 1, hip_popped=True),
        rec("first.jpg", 2),
        rec("back.jpg", 2, view="back", body_yaw_deg=178.0),
        rec("turned.jpg", 9, body_yaw_deg=15.0),
        rec("later.jpg", 16, body_fill=0.2),  # further away: still comparable
        rec("back_later.jpg", 16, view="back", body_yaw_deg=-179.0),
    ]
    v = verdicts(records)
    assert v["first.jpg"] == {"reference": "first.jpg", "comparable": True, "reasons": []}
    assert v["later.jpg"] == {"reference": "first.jpg", "comparable": True, "reasons": []}
    assert v["posed.jpg"]["comparable"] is False
    assert v["posed.jpg"]["reasons"] == ["hip-popped stance, not in the reference photo"]
    assert v["turned.jpg"]["reasons"] == [
        "body turned about 15 degrees further to show its left flank than in the reference photo"
    ]
    # The back views against a back view, never against a front one.
    assert v["back.jpg"] == {"reference": "back.jpg", "comparable": True, "reasons": []}
    assert v["back_later.jpg"] == {"reference": "back.jpg", "comparable": True, "reasons": []}


def test_a_named_reference_holds_for_its_view_only():
    records = [rec("a.jpg", 1), rec("b.jpg", 2, perspective=0.8), rec("c.jpg", 3, view="back")]
    v = verdicts(records, reference="b.jpg")
    assert v["b.jpg"]["comparable"] and v["a.jpg"]["reference"] == "b.jpg"
    assert v["a.jpg"]["reasons"] == ["taken from lower down than the reference photo"]
    assert v["c.jpg"]["reference"] == "c.jpg"
    with pytest.raises(InvalidInputError, match=r"--reference nobody\.jpg"):
        judge_series(records, reference="nobody.jpg")


def test_with_include_posed_the_stance_alone_breaks_nothing():
    records = [rec("a.jpg", 1), rec("p.jpg", 2, hip_popped=True)]
    assert verdicts(records, include_posed=True)["p.jpg"]["comparable"] is True
    assert verdicts(records)["p.jpg"]["comparable"] is False


def test_without_a_straight_body_outline_photo_the_earliest_is_the_reference():
    records = [rec("a.jpg", 1, outline_left="clothing"), rec("b.jpg", 2, outline_left="clothing")]
    assert references(records)["front"].file == "a.jpg"
    assert verdicts(records)["b.jpg"]["comparable"] is True


def test_photos_without_a_verdict():
    records = [
        rec("old.jpg", 1, capture=None),  # measured by a version without signatures
        rec("side.jpg", 2, view="side"),
        BatchRecord("room.jpg", "room.jpg", Status.NO_PERSON, result={"view": None}),
        BatchRecord.failed("bad.jpg", "bad", "cannot read"),
    ]
    assert all(c is None for c in verdicts(records).values())


def test_sessions_group_a_day_and_keep_undated_photos_last():
    records = [
        rec("back.jpg", 2, view="back"),
        rec("undated.jpg", None),
        rec("front.jpg", 2),
        rec("next.jpg", 9),
    ]
    got = [(s.day and s.day.day, [r.file for r in s.records], s.views) for s in sessions(records)]
    assert got == [
        (2, ["back.jpg", "front.jpg"], ["front", "back"]),
        (9, ["next.jpg"], ["front"]),
        (None, ["undated.jpg"], ["front"]),
    ]


def test_the_before_after_pair_is_the_first_and_latest_comparable_of_the_main_view():
    records = [
        rec("a.jpg", 1),
        rec("b.jpg", 8),
        rec("c.jpg", 15, body_yaw_deg=20.0),  # not comparable: not the latest
        rec("d.jpg", 22),
        rec("e.jpg", 22, view="back"),
    ]
    first, last = before_after_pair(judge_series(records))
    assert (first.file, last.file) == ("a.jpg", "d.jpg")
    # The back view has one photo: the front is the main view. With three back
    # photos and two front ones, the back is.
    more_back = [*records, rec("f.jpg", 23, view="back"), rec("g.jpg", 24, view="back")]
    more_back = [r for r in more_back if r.file not in ("b.jpg",)]
    first, last = before_after_pair(judge_series(more_back))
    assert (first.file, last.file) == ("e.jpg", "g.jpg")
    assert before_after_pair(judge_series(records[:1])) is None
    assert before_after_pair(records) is None  # not judged: nothing to show


def test_a_named_reference_is_found_under_the_name_the_records_print():
    # On Linux a file name is bytes: a tab or a byte that is not UTF-8 reaches
    # Python as itself or as a surrogate escape, and the records keep the name
    # escaped (printable). The name as the user typed it still names the photo.
    import os

    raw_tab, raw_byte = "week\t1.jpg", os.fsdecode(b"caf\xe9.jpg")
    records = [rec("week\\x091.jpg", 1), rec("caf\\xe9.jpg", 2, perspective=0.8)]
    assert references(records, raw_tab)["front"].file == "week\\x091.jpg"
    assert references(records, raw_byte)["front"].file == "caf\\xe9.jpg"
    # The escaped spelling (as results.jsonl shows it) names it too.
    assert references(records, "caf\\xe9.jpg")["front"].file == "caf\\xe9.jpg"


def test_photos_of_one_day_make_no_before_and_after():
    # One session (front photos minutes apart): no change of the body to show.
    def at(name, minute):
        r = rec(name, 5)
        return BatchRecord(
            r.file, r.key, r.status, f"2024-03-05T08:{minute:02d}:00", "filename", result=r.result
        )

    same_day = [at("a.jpg", 0), at("b.jpg", 5), at("c.jpg", 10)]
    assert before_after_pair(judge_series(same_day)) is None
    first, last = before_after_pair(judge_series([*same_day, rec("d.jpg", 6)]))
    assert (first.file, last.file) == ("a.jpg", "d.jpg")


def test_a_copy_named_as_reference_names_the_photo_it_copies():
    records = [
        rec("a.jpg", 1),
        rec("b.jpg", 2, perspective=0.8),
        BatchRecord.duplicate("sub/b copy.jpg", "b.jpg", "b.jpg"),
    ]
    assert references(records, "sub/b copy.jpg")["front"].file == "b.jpg"


def test_the_before_after_pair_has_a_side_measured_in_both_photos():
    # Photos where no side was measured (arms on the hips) show no change:
    # not counted for the main view, and never one of the pair.
    unmeasured = dict(depths=(None, None))
    records = [
        rec("f1.jpg", 1),
        rec("f2.jpg", 8),
        rec("b1.jpg", 1, view="back", depths=(0.02, None)),
        rec("b2.jpg", 8, view="back", **unmeasured),
        rec("b3.jpg", 9, view="back", **unmeasured),
        rec("f3.jpg", 15, depths=(None, 0.03)),  # the right side only
    ]
    first, last = before_after_pair(judge_series(records))
    assert (first.file, last.file) == ("f1.jpg", "f3.jpg")
    # The latest with a side measured in the first as well.
    records[0] = rec("f1.jpg", 1, depths=(0.02, None))
    first, last = before_after_pair(judge_series(records))
    assert (first.file, last.file) == ("f1.jpg", "f2.jpg")
    # Only the back view left, with one measured photo: no pair.
    assert before_after_pair(judge_series(records[2:5])) is None


def test_a_hip_popped_reference_is_pointed_out_by_the_command():
    # Named by the user: every straight photo is then "not comparable", and
    # the reference itself, hip-popped, is left out of the trend.
    from silhouette.apps.cli import _reference_notes

    records = [rec("a.jpg", 1), rec("p.jpg", 2, hip_popped=True), rec("b.jpg", 3, view="back")]
    for r in records:
        r.result["stance"] = {"hip_popped": r.result["capture"]["hip_popped"]}
    judged = judge_series(records, reference="p.jpg")
    assert {r.file: r.comparison["comparable"] for r in judged} == {
        "a.jpg": False,
        "p.jpg": True,
        "b.jpg": True,
    }
    (note,) = _reference_notes(judged, include_posed=False)
    assert note.startswith("the reference photo p.jpg has a hip-popped stance")
    assert (
        _reference_notes(judge_series(records, reference="p.jpg", include_posed=True), True) == []
    )
    assert _reference_notes(judge_series(records), include_posed=False) == []


def test_a_reference_most_photos_do_not_compare_with_is_pointed_out():
    # The earliest photo was taken turned: every later, square-on one then
    # reads "body turned" and leaves the trend; the command says so.
    from silhouette.apps.cli import _reference_notes

    records = [rec("turned.jpg", 1, body_yaw_deg=12.0), *(rec(f"{d}.jpg", d) for d in (8, 15, 22))]
    for r in records:
        r.result["stance"] = {"hip_popped": False}
    judged = judge_series(records)
    assert [r.comparison["comparable"] for r in judged] == [True, False, False, False]
    (note,) = _reference_notes(judged, include_posed=False)
    assert note.startswith("3 of the 3 other photos do not compare with the reference photo turned")
    assert _reference_notes(judge_series(records, reference="8.jpg"), include_posed=False) == []


def test_a_date_no_photo_can_have_is_never_one_end_of_the_before_and_after():
    # Older runs recorded "no date" as year 1 (or 9999): not a before.
    old = rec("old.jpg", 1)
    old = BatchRecord(
        old.file, old.key, old.status, "0001-01-01T00:00:00", "mtime", result=old.result
    )
    records = [old, rec("a.jpg", 2), rec("b.jpg", 9)]
    first, last = before_after_pair(judge_series(records))
    assert (first.file, last.file) == ("a.jpg", "b.jpg")
