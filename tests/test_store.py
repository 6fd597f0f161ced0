"""The batch result log and its CSV twin: one row per photo, values intact."""

import csv
import json

import pytest

from silhouette import Analysis, HipSide, InvalidInputError, Notice, Stance
from silhouette.apps.records import BatchRecord, Status
from silhouette.apps.store import CSV_COLUMNS, ResultStore, csv_row, date_order, read_records


def analysis() -> Analysis:
    left = HipSide(
        "left",
        dip_depth_px=7.5,
        dip_depth_ratio=0.03,
        dip_present=True,
        confidence=0.9,
        crest=(410.0, 350.0),
        trochanter=(412.0, 448.0),
        deepest=(404.0, 398.0),
        love_handle_px=2.0,
        love_handle_ratio=0.008,
    )
    return Analysis(
        600,
        900,
        True,
        view="front",
        left=left,
        right=HipSide("right", reason="An arm touches the hip."),
        stance=Stance(
            hip_popped=True, pelvic_tilt_deg=6.5, weight_side="left", exaggerated_side="left"
        ),
        hip_width_px=250.0,
        warnings=(
            Notice("several_people", "Two people."),
            Notice("arm_touching_right", "An arm touches the hip."),
            Notice("hip_popped", "Hip-popped."),
        ),
    )


def measured(name: str = "a.jpg", key: str = "k1") -> BatchRecord:
    return BatchRecord(
        name,
        key,
        Status.MEASURED,
        "2024-01-15T08:15:00",
        "filename",
        thumbnail="thumbs/k1.jpg",
        comparison={
            "reference": "week 0.jpg",
            "comparable": False,
            "reasons": [
                "taken from lower down than the reference photo",
                "camera tilted 8 degrees",
            ],
        },
        result=analysis().to_dict(),
    )


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_columns_are_the_record_then_the_analysis_row():
    assert CSV_COLUMNS[:12] == [
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
    assert CSV_COLUMNS[12:] == list(analysis().to_row())


def test_a_record_is_written_to_both_files_with_its_values(tmp_path):
    record = measured()
    with ResultStore(tmp_path) as store:
        store.append(record)
        assert "k1" in store and "k2" not in store
    lines = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == [record.to_dict()]
    (row,) = read_csv(tmp_path / "results.csv")
    assert list(row) == CSV_COLUMNS
    assert row["file"] == "a.jpg" and row["status"] == "measured" and row["error"] == ""
    assert row["date"] == "2024-01-15T08:15:00" and row["date_source"] == "filename"
    # The analysis values, not only their columns.
    assert row["warnings"] == "several_people;arm_touching_right;hip_popped"
    assert row["left_dip_depth_px"] == "7.5" and row["left_dip_depth_ratio"] == "0.03"
    assert (row["left_crest_x"], row["left_crest_y"]) == ("410.0", "350.0")
    assert (row["left_trochanter_x"], row["left_trochanter_y"]) == ("412.0", "448.0")
    assert row["left_dip_present"] == "True" and row["right_dip_present"] == ""
    assert row["right_reason"] == "An arm touches the hip."
    assert row["stance_weight_side"] == "left" and row["stance_pelvic_tilt_deg"] == "6.5"
    assert row["hip_width_px"] == "250.0" and row["person_found"] == "True"
    assert (row["reference"], row["comparable"]) == ("week 0.jpg", "False")
    assert row["not_comparable_because"] == (
        "taken from lower down than the reference photo; camera tilted 8 degrees"
    )
    assert {k: str(v) for k, v in csv_row(record).items() if v is not None} == {
        k: v for k, v in row.items() if v != ""
    }


def test_an_error_record_has_empty_result_columns(tmp_path):
    record = BatchRecord.failed("bad.jpg", "k9", "cannot identify image file")
    with ResultStore(tmp_path) as store:
        store.append(record)
    (row,) = read_csv(tmp_path / "results.csv")
    assert row["status"] == "error" and row["error"] == "cannot identify image file"
    assert all(row[c] == "" for c in CSV_COLUMNS[6:])  # no result, no copy, no note


def test_records_are_read_back_on_the_next_run(tmp_path):
    a, b = measured("a.jpg", "k1"), BatchRecord.failed("b.jpg", "k2", "bad")
    with ResultStore(tmp_path) as store:
        store.append(a)
        store.append(b)
    with ResultStore(tmp_path) as store:
        assert store.records == [a, b]
        assert "k1" in store and "k2" in store
        with pytest.raises(InvalidInputError, match="already"):
            store.append(measured("renamed.jpg", "k1"))
    # Retrying errors forgets them, in both files.
    with ResultStore(tmp_path, drop_errors=True) as store:
        assert store.records == [a] and "k2" not in store
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 1
    assert [r["file"] for r in read_csv(tmp_path / "results.csv")] == ["a.jpg"]


def test_a_duplicate_line_in_the_log_is_dropped(tmp_path):
    line = json.dumps(measured().to_dict()) + "\n"
    (tmp_path / "results.jsonl").write_text(line + line, encoding="utf-8")
    with ResultStore(tmp_path) as store:
        assert len(store.records) == 1
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8") == line


def test_store_repairs_a_torn_log_and_rebuilds_the_csv(tmp_path):
    record = BatchRecord.failed("a.jpg", "abc", "bad")
    with ResultStore(tmp_path) as store:
        store.append(record)
        with pytest.raises(ValueError, match="already"):
            store.append(record)
    with open(tmp_path / "results.jsonl", "a") as fh:
        fh.write('{"file": "b.jp')
    (tmp_path / "results.csv").write_text("garbage\n")
    with ResultStore(tmp_path) as store:
        assert store.records == [record]
    assert (tmp_path / "results.jsonl").read_text().count("\n") == 1
    rows = list(csv.DictReader(open(tmp_path / "results.csv", newline="")))
    assert len(rows) == 1 and rows[0]["file"] == "a.jpg"


def test_names_with_line_separators_are_read_back_as_one_record(tmp_path):
    # JSON leaves U+2028, U+2029, U+0085 and the C1 separators unescaped;
    # splitting the log at them made these photos never "done".
    names = ["a\\u2028b.jpg", "c\\u2029d.jpg", "e\\x85f.jpg", "g\\x1ch.jpg", "i\\x0bj.jpg"]
    names = [n.encode().decode("unicode_escape") for n in names]
    with ResultStore(tmp_path) as store:
        for k, name in enumerate(names):
            store.append(measured(name, f"k{k}"))
    with ResultStore(tmp_path) as store:
        assert [r.file for r in store.records] == names
        assert all(f"k{k}" in store for k in range(len(names)))


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://x","y").jpg', "+1.jpg", "-2.jpg", "@SUM(A1).jpg", "\tx.jpg"]
)
def test_text_a_spreadsheet_would_run_as_a_formula_is_escaped_in_the_csv(tmp_path, name):
    record = BatchRecord.failed(name, "k", "=cmd|' /C calc'!A0")
    with ResultStore(tmp_path) as store:
        store.append(record)
    (row,) = read_csv(tmp_path / "results.csv")
    assert row["file"] == "'" + name
    assert row["error"].startswith("'=")
    # The log keeps the name as it is.
    assert json.loads((tmp_path / "results.jsonl").read_text())["file"] == name


def test_numbers_are_not_escaped_even_when_negative(tmp_path):
    with ResultStore(tmp_path) as store:
        store.append(measured())
    (row,) = read_csv(tmp_path / "results.csv")
    assert row["stance_pelvic_tilt_deg"] == "6.5"
    a = analysis()
    negative = BatchRecord(
        "n.jpg", "k2", Status.MEASURED, result=a.to_dict() | {"body_yaw_deg": -3.5}
    )
    with ResultStore(tmp_path) as store:
        store.append(negative)
    assert read_csv(tmp_path / "results.csv")[1]["body_yaw_deg"] == "-3.5"


def test_a_record_appended_again_replaces_the_earlier_one_in_both_files(tmp_path):
    first = measured("a.jpg", "k1")
    again = BatchRecord(
        "a.jpg", "k1", Status.MEASURED, options={"height_cm": 170.0}, result=first.result
    )
    with ResultStore(tmp_path) as store:
        store.append(first)
        store.append(measured("b.jpg", "k2"))
        store.append(again, replace=True)
        assert store.records[0] == again  # in its place
    with ResultStore(tmp_path) as store:  # the last line wins, read back
        assert [r.options for r in store.records] == [{}, {"height_cm": 170.0}]
        assert [r.file for r in store.records] == ["b.jpg", "a.jpg"]
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 2  # tidied
    assert [r["file"] for r in read_csv(tmp_path / "results.csv")] == ["b.jpg", "a.jpg"]


def test_rewrite_puts_both_files_in_date_order(tmp_path):
    def dated(name, date):
        return BatchRecord(name, name, Status.MEASURED, date, result=analysis().to_dict())

    records = [
        dated("c.jpg", "2024-03-01T08:00:00"),
        dated("none.jpg", None),
        dated("a.jpg", "2024-01-01T08:00:00"),
        dated("b.jpg", "2024-01-01T07:00:00"),
    ]
    with ResultStore(tmp_path) as store:
        for r in records:
            store.append(r)
        store.rewrite(date_order(store.records))
    expected = ["b.jpg", "a.jpg", "c.jpg", "none.jpg"]
    assert [r["file"] for r in read_csv(tmp_path / "results.csv")] == expected
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert [json.loads(x)["file"] for x in lines] == expected
    assert [r.file for r in read_records(tmp_path / "results.jsonl")] == expected
