"""The batch result log and its CSV twin: one row per photo, values intact."""

import csv
import json

import pytest

from silhouette import Analysis, HipSide, InvalidInputError, Notice, Stance
from silhouette.apps.records import BatchRecord, Status
from silhouette.apps.store import CSV_COLUMNS, ResultStore, csv_row


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
        result=analysis().to_dict(),
    )


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_columns_are_the_record_then_the_analysis_row():
    assert CSV_COLUMNS[:6] == ["file", "sha256", "date", "date_source", "status", "error"]
    assert CSV_COLUMNS[6:] == list(analysis().to_row())


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
    assert {k: str(v) for k, v in csv_row(record).items() if v is not None} == {
        k: v for k, v in row.items() if v != ""
    }


def test_an_error_record_has_empty_result_columns(tmp_path):
    record = BatchRecord.failed("bad.jpg", "k9", "cannot identify image file")
    with ResultStore(tmp_path) as store:
        store.append(record)
    (row,) = read_csv(tmp_path / "results.csv")
    assert row["status"] == "error" and row["error"] == "cannot identify image file"
    assert all(row[c] == "" for c in CSV_COLUMNS[6:])


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
