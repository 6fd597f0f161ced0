"""The HTML progress report, made from the records alone."""

import subprocess
import sys
from datetime import datetime

from silhouette.apps.records import BatchRecord, Status
from silhouette.apps.report import render_report, trend_points, write_report


def result(left: float | None, right: float | None, popped: bool = False, cm=None) -> dict:
    side = lambda r: {"dip_depth_ratio": r, "dip_depth_cm": cm}  # noqa: E731
    return {
        "view": "front",
        "sides": {"left": side(left), "right": side(right)},
        "stance": {"hip_popped": popped},
        "warnings": [],
    }


def record(name, date, res=None, status=Status.MEASURED, error=None):
    return BatchRecord(name, name, status, date, "filename", error=error, result=res)


def test_trend_points_come_from_dated_measured_records_only():
    records = [
        record("a.jpg", "2024-01-01T08:00:00", result(0.03, 0.02)),
        record("b.jpg", "2024-02-01T08:00:00", result(0.04, None, popped=True, cm=1.2)),
        record("c.jpg", None, result(0.05, 0.05)),  # no date: not on a timeline
        record("d.jpg", "2024-03-01T08:00:00", result(None, None), Status.NO_PERSON),
        BatchRecord.failed("e.jpg", "e", "bad", "2024-04-01T08:00:00"),
    ]
    pts = trend_points(records)
    assert [p.when for p in pts] == [datetime(2024, 1, 1, 8), datetime(2024, 2, 1, 8)]
    assert (pts[0].left_ratio, pts[0].right_ratio, pts[0].posed) == (0.03, 0.02, False)
    assert (pts[1].left_ratio, pts[1].right_ratio, pts[1].posed) == (0.04, None, True)
    assert pts[1].left_cm == 1.2 and pts[0].left_cm is None


def test_the_page_counts_and_describes_the_photos(tmp_path):
    records = [
        record(f"m{k}.jpg", f"2024-0{k}-01T08:00:00", result(0.02 + 0.01 * k, 0.03))
        for k in (1, 2, 3)
    ]
    records.append(record("posed.jpg", "2024-04-01T08:00:00", result(0.09, None, popped=True)))
    records.append(record("room.jpg", "2024-04-02T08:00:00", result(None, None), Status.NO_PERSON))
    records.append(BatchRecord.failed("bad <i>.jpg", "x", "cannot read <b>this</b>"))
    html = render_report(records, folder="progress")
    assert "3 measured" not in html  # four were measured, one of them posed
    assert "4 measured" in html and "1 with no person" in html
    assert "1 hip-popped" in html and "1 could not be read" in html
    assert "1 hip-popped photo(s) left out" in html
    assert "L 3.0%" in html and "R 3.0%" in html and "not measured" in html
    assert "bad &lt;i&gt;.jpg" in html and "<b>this</b>" not in html
    assert "<svg" in html
    path = write_report(records, tmp_path, folder="progress")
    assert path == tmp_path / "report.html" and path.read_text(encoding="utf-8").startswith(
        "<!doctype html>"
    )


def test_without_a_measured_photo_there_is_no_plot():
    html = render_report([BatchRecord.failed("a.jpg", "a", "bad")], folder="f")
    assert "No photo with a measured person yet." in html and "<svg" not in html


def test_report_leaves_the_callers_matplotlib_alone():
    # A library must not switch the host's backend: a notebook that builds a
    # report would stop showing its own plots.
    code = """
import matplotlib
matplotlib.use("svg")
import matplotlib.pyplot as plt
from silhouette.apps.records import BatchRecord
from silhouette.apps.report import render_report
side = {"dip_depth_ratio": 0.03, "dip_depth_cm": 1.0}
res = {"view": "front", "sides": {"left": side, "right": side},
       "stance": {"hip_popped": False}, "warnings": []}
records = [BatchRecord(f"{m}.jpg", str(m), "measured", f"2024-0{m}-01T08:00:00", result=res)
           for m in (1, 2, 3)]
fig = plt.figure()
html = render_report(records, folder="f")
assert "<svg" in html
print(matplotlib.get_backend(), plt.get_fignums() == [fig.number])
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["svg", "True"]


def side_result(left: float, right: float, **extra) -> dict:
    res = result(left, right)
    res.update(extra)
    return res


def test_cards_round_the_published_values_once():
    # Published (JSON and CSV) as 0.0435 and 1.25 cm: 4.4 % and 1.3 cm
    # here, as everywhere else; Python's '%.1f' of 4.35 would give 4.3.
    res = result(0.0435, 0.0434, cm=1.25)
    html = render_report([record("a.jpg", "2024-01-01T08:00:00", res)], folder="f")
    assert "L 4.4%, 1.3 cm" in html and "R 4.3%, 1.3 cm" in html


def test_the_extra_measures_are_explained_where_they_are_shown():
    res = side_result(0.03, 0.02, symmetry=0.8, waist_to_hip_ratio=0.75, pelvic_height_index=0.2)
    html = render_report([record("a.jpg", "2024-01-01T08:00:00", res)], folder="f")
    assert "symmetry</abbr> 0.80" in html and "waist/hip</abbr> 0.75" in html
    for words in ("both sides&#39; dips are alike", "not a tape-measure", "in torso lengths"):
        assert words in html
    bare = render_report([record("a.jpg", "2024-01-01T08:00:00", result(0.03, 0.02))], folder="f")
    assert '<dl class="glossary">' not in bare  # nothing to explain


def test_a_sentence_both_sides_share_is_said_once_per_card():
    res = result(None, None)
    res["warnings"] = [
        {"code": "arm_touching_left", "message": "The person's left arm touches the hip."},
        {"code": "arm_touching_right", "message": "The person's right arm touches the hip."},
        {"code": "several_people", "message": "Two people."},
        {"code": "several_people", "message": "Two people."},
    ]
    html = render_report([record("a.jpg", "2024-01-01T08:00:00", res)], folder="f")
    assert "Both arms or hands touch the hip outline" in html
    assert "left arm touches" not in html and "right arm touches" not in html
    assert html.count("Two people.") == 1


def test_cards_are_in_date_order_and_an_implausible_date_does_not_break_the_page():
    records = [
        record("march.jpg", "2024-03-01T08:00:00", result(0.02, 0.02)),
        record("year-one.jpg", "0001-01-01T00:00:00", result(0.05, 0.05)),
        record("january.jpg", "2024-01-01T08:00:00", result(0.03, 0.02)),
        record("far-future.jpg", "9999-12-31T23:59:59", result(0.06, 0.06)),
    ]
    html = render_report(records, folder="f")
    assert "<svg" in html  # the plot of the two plausible dates
    assert html.index("january.jpg") < html.index("march.jpg")
    # The implausible ones are shown undated, not plotted.
    assert html.count("no date") == 2
    pts = trend_points(records)
    assert sorted(p.when.year for p in pts) == [2024, 2024]


def test_copies_and_notes_are_shown():
    records = [
        record("a.jpg", "2024-01-01T08:00:00", result(0.03, 0.02)),
        BatchRecord.duplicate("copy of a.jpg", "a.jpg", "a.jpg"),
        BatchRecord(
            "b.jpg",
            "b",
            Status.MEASURED,
            "2024-02-01T00:00:00",
            "filename",
            notes=("The EXIF date 0001-01-01 is not a plausible date for a photo.",),
            result=result(0.03, 0.02),
        ),
    ]
    html = render_report(records, folder="f")
    assert "Copies of other photos" in html and "a copy of a.jpg" in html
    assert "1 duplicate(s)" in html and "2 measured" in html
    assert "The EXIF date 0001-01-01 is not a plausible date" in html


def comparable_pair(earlier: dict, later: dict) -> list[BatchRecord]:
    """Two measured photos a month apart, a.jpg (the reference) then b.jpg, comparable."""
    same = {"reference": "a.jpg", "comparable": True, "reasons": []}
    return [
        BatchRecord(n, n, Status.MEASURED, d, "filename", result=res, comparison=same)
        for n, d, res in (
            ("a.jpg", "2024-01-01T08:00:00", earlier),
            ("b.jpg", "2024-02-01T08:00:00", later),
        )
    ]


def test_an_empty_folder_says_so():
    html = render_report([], folder="f")
    assert "No photos were found in this folder." in html and "<svg" not in html


def test_the_before_after_panel_never_says_minus_zero():
    from silhouette.apps.report import before_after_panel

    # The left dip 0.02 points shallower: rounds to zero points, said "+0.0".
    records = comparable_pair(result(0.0302, 0.02), result(0.0300, 0.02))
    left, right = before_after_panel(records)["lines"]
    assert "(+0.0 points of hip width): no clear change" in left
    assert "(+0.0 points of hip width)" in right


def test_the_before_after_panel_names_its_view():
    # Back photos only: the panel says the pair is of back photos.
    res = result(0.03, 0.02) | {"view": "back"}
    records = comparable_pair(res, res)
    html = write_report_html(records)
    assert "The first and the latest back photos taken like the back reference" in html


def write_report_html(records) -> str:
    from silhouette.apps.report import before_after_panel

    return render_report(records, folder="f", before_after=before_after_panel(records))


def test_a_plot_of_one_day_spans_days_not_years():
    import re

    # One photo, or three of one morning: the axis is the week around them.
    for times in (["08:00"], ["08:00", "08:05", "08:10"]):
        records = [record(f"{t}.jpg", f"2024-08-16T{t}:00", result(0.03, 0.02)) for t in times]
        html = render_report(records, folder="f")
        years = set(re.findall(r"\d\d [A-Z][a-z]{2} (\d{4})</text>", html))  # tick labels
        days = set(re.findall(r"(\d\d) Aug 2024</text>", html))
        assert years == {"2024"} and len(days) > 1, (years, days)


def test_measured_photos_without_a_date_are_not_called_no_measured_photo():
    records = [record(n, None, result(0.03, 0.02)) for n in ("a.jpg", "b.jpg")]
    html = render_report(records, folder="f")
    assert "No photo with a measured person yet" not in html
    assert "2 photo(s) measured, but none of a front or back view has a date" in html
    assert "No photo with a measured person yet" in render_report(
        [record("c.jpg", None, result(None, None), Status.NO_PERSON)], folder="f"
    )
    side = result(None, None) | {"view": "side"}
    html = render_report([record("d.jpg", "2024-01-01T08:00:00", side)], folder="f")
    assert "1 photo(s) with a person, none a front or back view" in html


def test_a_session_names_its_views_as_a_list():
    import re

    day = "2024-01-01T08:0{}:00"
    records = [
        record(f"{v}.jpg", day.format(k), result(0.03, 0.02) | {"view": v})
        for k, v in enumerate(("front", "back", "side"))
    ]
    html = render_report(records, folder="f")
    (views,) = re.findall(r'class="views">&middot; ([^<]*)</span>', html)
    assert views == "front, back and side"
    html = render_report(records[:2], folder="f")
    assert re.findall(r'class="views">&middot; ([^<]*)</span>', html) == ["front and back"]


def test_the_before_after_panel_says_which_photo_a_side_is_missing_from():
    from silhouette.apps.report import before_after_panel

    # An arm on the right hip in the later photo.
    records = comparable_pair(result(0.03, 0.02), result(0.03, None))
    _, right = before_after_panel(records)["lines"]
    assert right == "Right (the person's right): not measured in the later photo."
