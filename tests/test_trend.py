"""Trend lines of each side's dip depth over time: robust, in plain words."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from silhouette.apps.trend import NOISE_RATIO, TrendPoint, compute_trend, theil_sen


def test_trend_slopes_are_robust_to_one_odd_photo():
    t0 = datetime(2024, 1, 1)
    from datetime import timedelta

    pts = [TrendPoint(t0 + timedelta(days=30.4375 * k), 0.04 - 0.003 * k, 0.02) for k in range(8)]
    pts[3] = TrendPoint(pts[3].when, 0.09, 0.02)  # a baggy shirt
    trend = compute_trend(pts)
    assert trend.left.slope_ratio_per_month == pytest.approx(-0.003, abs=2e-4)
    assert trend.right.slope_ratio_per_month == pytest.approx(0.0, abs=1e-9)
    assert "shallower" in trend.summary()[0] and "no clear change" in trend.summary()[1]


def test_posed_photos_are_left_out_of_the_trend_by_default():
    t0 = datetime(2024, 1, 1)
    from datetime import timedelta

    pts = [TrendPoint(t0 + timedelta(days=30 * k), 0.02, 0.02) for k in range(4)]
    pts.append(TrendPoint(t0 + timedelta(days=150), 0.06, 0.0, posed=True))
    assert compute_trend(pts).left.n == 4
    assert compute_trend(pts).excluded_posed == 1
    assert compute_trend(pts, include_posed=True).left.n == 5


def test_theil_sen_matches_scipy():
    from scipy.stats import theilslopes

    from silhouette.apps.trend import theil_sen

    rng = np.random.default_rng(7)
    for _ in range(100):
        n = int(rng.integers(2, 30))
        x = np.sort(rng.random(n) * 100)
        y = rng.normal(size=n) + 0.1 * x
        slope, intercept, _, _ = theilslopes(y, x)
        assert theil_sen(x, y) == pytest.approx((slope, intercept))


def months(k: float) -> datetime:
    return datetime(2024, 1, 1) + timedelta(days=365.25 / 12 * k)


def test_centimetres_are_fitted_when_every_photo_has_them():
    pts = [TrendPoint(months(k), 0.03, 0.02, 1.0 + 0.1 * k, None) for k in range(4)]
    t = compute_trend(pts)
    assert t.left.slope_cm_per_month == pytest.approx(0.1)
    assert t.left.start_cm == pytest.approx(1.0) and t.left.end_cm == pytest.approx(1.3)
    assert t.right.slope_cm_per_month is None and t.right.start_cm is None
    assert "(the trend in centimetres: 1.0 cm to 1.3 cm)" in t.summary()[0]


def test_fewer_than_two_photos_have_no_trend():
    t = compute_trend([TrendPoint(months(0), 0.031, None)])
    assert t.left.n == 1 and t.left.slope_ratio_per_month is None
    assert t.left.start_ratio == t.left.end_ratio == 0.031
    assert t.right.n == 0
    lines = t.summary()
    assert "one measurement on 01 Jan 2024, 3.1% of hip width; no trend yet" in lines[0]
    assert "not measured in any photo used" in lines[1]


def test_a_change_within_the_noise_is_no_clear_change():
    small = NOISE_RATIO * 0.8
    pts = [
        TrendPoint(months(k), 0.03 + small * k / 5, 0.03 - 3 * NOISE_RATIO * k / 5)
        for k in range(6)
    ]
    left, right = compute_trend(pts).summary()[:2]
    assert "no clear change" in left
    assert "shallower" in right
    assert "shallower" in right


def test_the_trend_line_never_goes_below_zero():
    pts = [TrendPoint(months(k), max(0.0, 0.01 - 0.004 * k), None) for k in range(5)]
    assert compute_trend(pts).left.end_ratio >= 0.0


def test_theil_sen_on_a_line_with_one_outlier():
    x = np.arange(7.0)
    y = 2.0 * x + 1.0
    y[6] = 50.0  # an odd last photo
    assert theil_sen(x, y) == pytest.approx((2.0, 1.0))


def test_the_words_call_fitted_values_the_trend_and_measured_values_measurements():
    # Three photos: the numbers are the trend line's, which no card shows.
    pts = [
        TrendPoint(datetime(2024, 1, 1), 0.004, None),
        TrendPoint(datetime(2024, 2, 1), 0.020, None),
        TrendPoint(datetime(2024, 3, 1), 0.012, None),
    ]
    t = compute_trend(pts)
    line = t.summary()[0]
    fitted = (f"{100 * t.left.start_ratio:.1f}%", f"{100 * t.left.end_ratio:.1f}%")
    assert fitted != ("0.4%", "1.2%")  # the line is not the first and last photo
    assert f"the trend line over 3 photos goes from {fitted[0]}" in line
    assert f"to {fitted[1]} on 01 Mar 2024" in line
    assert "0.4%" not in line  # the first photo's own value is not quoted as the trend's
    # Two photos: the two measurements, called measurements.
    two = compute_trend(pts[:2]).summary()[0]
    assert "measured 0.4% of hip width on 01 Jan 2024 and 2.0% on 01 Feb 2024" in two


def test_percentages_in_words_are_the_published_values_rounded_once():
    # 0.04346 is published as 0.0435 (JSON, CSV): 4.4 %, as on the cards.
    t = compute_trend([TrendPoint(months(0), 0.04346, None)])
    assert "4.4% of hip width" in t.summary()[0]


def test_photos_of_one_day_have_no_trend_per_month():
    # Three photos minutes apart (one session): a slope per month from them
    # would be hundreds of points.
    from datetime import timedelta

    pts = [
        TrendPoint(months(0) + timedelta(minutes=5 * k), 0.030 + 0.002 * k, 0.02) for k in range(3)
    ]
    t = compute_trend(pts)
    assert t.left.n == 3 and t.left.slope_ratio_per_month is None
    (left, _, *_) = t.summary()
    assert "3 photos of 01 Jan 2024" in left and "points per month" not in left
    assert "one measurement" not in left
