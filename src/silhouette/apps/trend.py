"""Change over time of each side's dip: robust trend lines and plain words.

Pure computation on dated measurements; no files, no plots. Slopes are
Theil-Sen (the median of pairwise slopes), so one photo taken in bad light or
a baggy shirt does not swing the trend the way a least-squares line would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..core.scoring import SMALLEST_DETECTABLE_CHANGE

__all__ = ["DAYS_PER_MONTH", "SideTrend", "Trend", "TrendPoint", "compute_trend", "theil_sen"]

DAYS_PER_MONTH = 365.25 / 12
#: Changes smaller than the measurement's smallest detectable change (two
#: photos of the same unchanged body differ by up to this, 95 % of the time;
#: benchmarks/repeatability.py) are not called a change.
NOISE_RATIO = SMALLEST_DETECTABLE_CHANGE


@dataclass(frozen=True)
class TrendPoint:
    """One photo's measurements (None where a side was not measured)."""

    when: datetime
    left_ratio: float | None
    right_ratio: float | None
    left_cm: float | None = None
    right_cm: float | None = None
    posed: bool = False
    #: False when the photo was not taken like the series' reference photo
    #: (:func:`silhouette.apps.series.judge_series`): left out of the trend.
    comparable: bool = True


@dataclass(frozen=True)
class SideTrend:
    """Trend of one side's dip depth.

    Attributes
    ----------
    side : {'left', 'right'}
    n : int
        Photos used.
    start, end : datetime or None
        Dates of the first and last photo used.
    start_ratio, end_ratio : float or None
        Depth ratio on the trend line at ``start`` and ``end`` (the measured
        values when there are fewer than three photos).
    slope_ratio_per_month : float or None
        Change of the depth ratio per month; None with fewer than two photos
        or all within one day (a session).
    start_cm, end_cm, slope_cm_per_month : float or None
        The same in centimetres, when every photo used has a cm value.
    """

    side: str
    n: int
    start: datetime | None = None
    end: datetime | None = None
    start_ratio: float | None = None
    end_ratio: float | None = None
    slope_ratio_per_month: float | None = None
    start_cm: float | None = None
    end_cm: float | None = None
    slope_cm_per_month: float | None = None


@dataclass(frozen=True)
class Trend:
    """Trends of both sides and what was left out."""

    left: SideTrend
    right: SideTrend
    excluded_posed: int
    include_posed: bool
    excluded_incomparable: int = 0

    def summary(self) -> list[str]:
        """A few plain sentences describing the change."""
        lines = [_describe(s) for s in (self.left, self.right)]
        if self.excluded_posed:
            lines.append(
                f"{self.excluded_posed} hip-popped photo(s) left out: there the pose, not "
                "the body, changed the outline."
            )
        if self.excluded_incomparable:
            lines.append(
                f"{self.excluded_incomparable} photo(s) left out because they were not taken like "
                "the reference photo (another camera height or angle, body turned, other "
                "clothing at the hips); each card says why."
            )
        lines.append(
            f"Changes under {100 * NOISE_RATIO:.1f} points of hip width are not called a change: "
            "two photos of the same unchanged body, taken the usual way, differ by up to that "
            "much."
        )
        return lines


def compute_trend(points: Sequence[TrendPoint], *, include_posed: bool = False) -> Trend:
    """Fit each side's depth against time.

    Parameters
    ----------
    points : sequence of TrendPoint
    include_posed : bool, optional
        Keep hip-popped photos in the fit (they are left out by default).
        Photos not ``comparable`` with the series' reference are always left
        out, and counted.

    Examples
    --------
    >>> from datetime import datetime, timedelta
    >>> t0 = datetime(2024, 1, 1)
    >>> pts = [TrendPoint(t0 + timedelta(days=30 * k), 0.03 - 0.002 * k, 0.02)
    ...        for k in range(6)]
    >>> t = compute_trend(pts)
    >>> round(t.left.slope_ratio_per_month * 30 / DAYS_PER_MONTH, 4), t.left.n
    (-0.002, 6)
    """
    unposed = [p for p in points if include_posed or not p.posed]
    used = [p for p in unposed if p.comparable]
    return Trend(
        _side(used, "left"),
        _side(used, "right"),
        len(points) - len(unposed),
        include_posed,
        len(unposed) - len(used),
    )


def _side(points: Sequence[TrendPoint], side: str) -> SideTrend:
    pts = sorted(
        (p for p in points if getattr(p, f"{side}_ratio") is not None), key=lambda p: p.when
    )
    if not pts:
        return SideTrend(side, 0)
    t0 = pts[0].when
    days = np.array([(p.when - t0).total_seconds() / 86400.0 for p in pts])
    ratio = np.array([getattr(p, f"{side}_ratio") for p in pts])
    cms = [getattr(p, f"{side}_cm") for p in pts]
    cm = np.array(cms, dtype=float) if all(c is not None for c in cms) else None
    start_r, end_r, slope_r = _fit(days, ratio)
    start_c = end_c = slope_c = None
    if cm is not None:
        start_c, end_c, slope_c = _fit(days, cm)
    return SideTrend(
        side, len(pts), pts[0].when, pts[-1].when, start_r, end_r, slope_r, start_c, end_c, slope_c
    )


def _fit(days: np.ndarray, y: np.ndarray) -> tuple[float, float, float | None]:
    """(value at start, value at end, slope per month)."""
    # Photos of one day (one session, minutes apart) show no change over time.
    if y.size < 2 or np.ptp(days) < 1.0:
        return float(y[0]), float(y[-1]), None
    slope, intercept = theil_sen(days, y)
    if y.size < 3:
        return float(y[0]), float(y[-1]), float(slope * DAYS_PER_MONTH)
    # A depth is never negative, even where the line is extrapolated.
    start, end = max(0.0, intercept), max(0.0, intercept + slope * days[-1])
    return float(start), float(end), float(slope * DAYS_PER_MONTH)


def theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Theil-Sen line: the median of all pairwise slopes, through the medians.

    The same estimator as ``scipy.stats.theilslopes`` (its default intercept,
    ``median(y) - slope * median(x)``, without the confidence interval),
    which would cost over a second of import time here.

    Examples
    --------
    >>> theil_sen(np.array([0.0, 1, 2, 3, 4]), np.array([1.0, 3, 5, 70, 9]))
    (2.0, 1.0)
    >>> theil_sen(np.array([0.0, 1, 2]), np.array([1.0, 1, 1]))
    (0.0, 1.0)
    """
    i, j = np.triu_indices(x.size, k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    slope = float(np.median((y[j] - y[i])[keep] / dx[keep]))
    return slope, float(np.median(y) - slope * np.median(x))


def _describe(s: SideTrend) -> str:
    """One side's change in words.

    With three photos or more the numbers are the trend line's (fitted, so
    they are not any one photo's measurement) and are called that; with two,
    they are the two measurements.
    """
    from ..draw import change_verdict, format_percent

    name = f"{s.side.capitalize()} side (the person's {s.side})"
    if s.n == 0:
        return f"{name}: not measured in any photo used."
    if s.slope_ratio_per_month is None:
        if s.n > 1:
            return (
                f"{name}: {s.n} photos of {s.start:%d %b %Y}, {format_percent(s.start_ratio)} "
                f"to {format_percent(s.end_ratio)} of hip width; no trend within one day."
            )
        return (
            f"{name}: one measurement on {s.start:%d %b %Y}, {format_percent(s.start_ratio)} "
            "of hip width; no trend yet."
        )
    verdict = change_verdict(s.end_ratio - s.start_ratio)
    start, end = format_percent(s.start_ratio), format_percent(s.end_ratio)
    if s.n >= 3:
        what = (
            f"the trend line over {s.n} photos goes from {start} of hip width on "
            f"{s.start:%d %b %Y} to {end} on {s.end:%d %b %Y}"
        )
        cm_what = "the trend in centimetres"
    else:
        what = f"measured {start} of hip width on {s.start:%d %b %Y} and {end} on {s.end:%d %b %Y}"
        cm_what = "in centimetres"
    cm = ""
    if s.start_cm is not None and s.end_cm is not None:
        cm = f" ({cm_what}: {_cm(s.start_cm)} to {_cm(s.end_cm)})"
    return f"{name}: {what}{cm}: {verdict} ({100 * s.slope_ratio_per_month:+.2f} points per month)."


def _cm(value: float) -> str:
    """Centimetres as the JSON publishes them (two decimals), rounded once to one."""
    from decimal import ROUND_HALF_UP, Decimal

    published = Decimal(repr(round(float(value), 2)))
    return f"{published.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} cm"
