"""One photo's batch record: typed, validated, and read back exactly as written."""

from datetime import datetime

import pytest

from silhouette import InvalidInputError
from silhouette.apps.records import RECORD_KEYS, BatchRecord, Failure, Status

RESULT = {"schema_version": "1", "person_found": True}


def test_a_record_round_trips_through_its_json_form():
    r = BatchRecord(
        "week 1.jpg",
        "abc",
        Status.MEASURED,
        "2024-01-15T08:15:00",
        "exif",
        thumbnail="thumbs/abc.jpg",
        overlay="overlays/week_1_abc.png",
        comparison={"reference": "week 0.jpg", "comparable": False, "reasons": ["turned"]},
        result=RESULT,
    )
    d = r.to_dict()
    assert list(d) == list(RECORD_KEYS)
    assert d == {
        "file": "week 1.jpg",
        "sha256": "abc",
        "date": "2024-01-15T08:15:00",
        "date_source": "exif",
        "status": "measured",
        "error": None,
        "duplicate_of": None,
        "notes": [],
        "options": {},
        "thumbnail": "thumbs/abc.jpg",
        "closeup": None,
        "overlay": "overlays/week_1_abc.png",
        "comparison": {"reference": "week 0.jpg", "comparable": False, "reasons": ["turned"]},
        "result": RESULT,
    }
    assert BatchRecord.from_dict(d) == r
    assert r.when == datetime(2024, 1, 15, 8, 15) and r.failure is None


def test_status_is_typed_from_its_text():
    r = BatchRecord("a.jpg", "k", "no_person", result=RESULT)
    assert r.status is Status.NO_PERSON and r.when is None


def test_a_failure_is_one_printable_line():
    r = BatchRecord.failed("b.jpg", "k", "cannot\n  identify\timage ", "2024-02-01T00:00:00")
    assert r.status is Status.ERROR and r.result is None
    # One line, whatever the exception's text held: no raw line break or tab.
    assert "\n" not in r.error and "\t" not in r.error
    assert r.error.startswith("cannot") and r.error.endswith("image")
    assert r.failure == Failure("b.jpg", r.error)
    assert r.date == "2024-02-01T00:00:00"
    assert BatchRecord.failed("c.jpg", "k", " \n ").error == "unknown error"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(status=Status.ERROR), "error message"),  # an error says why
        (dict(status=Status.MEASURED, error="x", result=RESULT), "error message"),
        (dict(status=Status.ERROR, error="x", result=RESULT), "result"),
        (dict(status=Status.MEASURED), "result"),
        (dict(status=Status.NO_PERSON), "result"),
    ],
)
def test_impossible_records_are_refused(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        BatchRecord("a.jpg", "k", **kwargs)


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        BatchRecord("a.jpg", "k", "lost", result=RESULT)


@pytest.mark.parametrize(
    "d",
    [
        [],
        {"file": "a.jpg"},  # no key
        {"file": "a.jpg", "sha256": 3, "status": "measured", "result": RESULT},
        {"file": "a.jpg", "sha256": "k", "status": "lost", "result": RESULT},
        {"file": "a.jpg", "sha256": "k", "status": "error"},  # no message
    ],
)
def test_what_is_not_a_record_is_refused_when_read(d):
    with pytest.raises(InvalidInputError, match="not a batch record"):
        BatchRecord.from_dict(d)


def test_a_record_of_an_earlier_version_is_read_with_the_newer_keys_empty():
    old = {
        "file": "a.jpg",
        "sha256": "k",
        "date": "2024-01-15T08:15:00",
        "date_source": "exif",
        "status": "measured",
        "error": None,
        "thumbnail": "thumbs/k.jpg",
        "overlay": None,
        "result": RESULT,
    }
    r = BatchRecord.from_dict(old)
    assert r.notes == () and r.options == {} and r.closeup is None and r.duplicate_of is None


def test_a_duplicate_names_its_original_and_has_no_result():
    d = BatchRecord.duplicate("copy of a.jpg", "k", "a.jpg")
    assert d.status is Status.DUPLICATE and d.result is None and d.duplicate_of == "a.jpg"
    # Its key is its own name: the original keeps the content hash.
    assert (
        d.key == "duplicate:copy of a.jpg"
        and BatchRecord("a.jpg", "k", "measured", result=RESULT).key == "k"
    )
    assert BatchRecord.from_dict(d.to_dict()) == d
    with pytest.raises(InvalidInputError, match="duplicate"):
        BatchRecord("b.jpg", "k", Status.MEASURED, duplicate_of="a.jpg", result=RESULT)


def test_options_and_notes_round_trip():
    r = BatchRecord(
        "a.jpg",
        "k",
        Status.MEASURED,
        notes=("The EXIF date 0001-01-01 is not a plausible date for a photo.",),
        options={"height_cm": 170.0},
        result=RESULT,
    )
    assert BatchRecord.from_dict(r.to_dict()) == r
    assert r.renamed("b.jpg").file == "b.jpg" and r.renamed("b.jpg").options == r.options


@pytest.mark.parametrize(
    "status, comparison",
    [
        ("no_person", {"reference": "a.jpg", "comparable": True, "reasons": []}),
        ("measured", {"reference": "a.jpg", "comparable": True, "reasons": ["turned"]}),
        ("measured", {"reference": "a.jpg", "comparable": False, "reasons": []}),
        ("measured", {"reference": None, "comparable": True, "reasons": []}),
        ("measured", {"reference": "a.jpg", "comparable": "yes", "reasons": []}),
        ("measured", ["a.jpg", True]),
    ],
)
def test_a_comparison_is_a_measured_photos_verdict_with_its_reasons(status, comparison):
    with pytest.raises(InvalidInputError, match="compar"):
        BatchRecord("b.jpg", "k", status, comparison=comparison, result=RESULT)
