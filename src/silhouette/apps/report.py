"""The HTML progress report of a batch: timeline, trend plot and plain words.

Built from the result records (see :mod:`silhouette.apps.records`) alone, so it can be
rebuilt at any time. The page needs no network: styles are inline, the plot is
inline SVG, thumbnails are files beside it. Every file name and message is
escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from ..core.compare import side_change
from ..files import atomic_write_text
from .dates import plausible
from .records import BatchRecord, Status
from .series import (
    BEFORE_AFTER_IMAGE,
    SERIES_VIEWS,
    Session,
    before_after_pair,
    judge_series,
    sessions,
)
from .store import date_order
from .trend import Trend, TrendPoint, compute_trend

__all__ = ["before_after_panel", "render_report", "trend_points", "write_report"]

_COLOURS = {"left": "#ff8c00", "right": "#00a6e0"}


def trend_points(records: Sequence[BatchRecord], view: str | None = None) -> list[TrendPoint]:
    """Dated measurements of the records that measured a person (of one ``view``)."""
    points = []
    for r in records:
        res = r.result
        if r.status is not Status.MEASURED or res is None or not _dated(r):
            continue
        if view is not None and res.get("view") != view:
            continue
        sides = res["sides"]
        points.append(
            TrendPoint(
                when=r.when,
                left_ratio=sides["left"]["dip_depth_ratio"],
                right_ratio=sides["right"]["dip_depth_ratio"],
                left_cm=sides["left"]["dip_depth_cm"],
                right_cm=sides["right"]["dip_depth_cm"],
                posed=bool(res["stance"]["hip_popped"]),
                comparable=r.comparison is None or r.comparison["comparable"],
            )
        )
    return points


def render_report(
    records: Sequence[BatchRecord],
    *,
    folder: str,
    include_posed: bool = False,
    before_after: dict[str, Any] | None = None,
) -> str:
    """The report page as HTML text.

    ``before_after`` is the before/after panel (:func:`before_after_panel`),
    with ``"image"``: the picture's path relative to the report.
    """
    from jinja2 import Environment, select_autoescape

    from .. import __version__

    if not any(r.comparison for r in records):
        records = judge_series(records, include_posed=include_posed)
    ordered = date_order(records)
    by_view = {v: trend_points(records, v) for v in SERIES_VIEWS}
    views = [v for v in SERIES_VIEWS if by_view[v]]
    trends = []
    for view in views:
        points = by_view[view]
        trend = compute_trend(points, include_posed=include_posed)
        lines = trend.summary()
        if len(views) > 1:
            lines = [f"{view.capitalize()} photos:", *lines]
        trends.append({"view": view, "lines": lines, "plot": _plot(points, trend)})
    cards = {r.key: _card(r) for r in ordered}
    counts = {status.value: sum(r.status is status for r in records) for status in Status}
    counts["posed"] = sum(c["posed"] for c in cards.values())
    counts["incomparable"] = sum(c["comparable"] is False for c in cards.values())
    groups = [
        {
            "day": "Photos without a date" if s.day is None else f"{s.day:%d %b %Y}",
            "views": " and ".join(
                [", ".join(s.views[:-1]), *s.views[-1:]] if s.views[:-1] else s.views
            ),
            "cards": [cards[r.key] for r in s.records if r.status is not Status.DUPLICATE],
        }
        for s in _sessions(ordered)
    ]
    groups = [g for g in groups if g["cards"]]
    env = Environment(autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(
        resources.files(__package__).joinpath("templates/report.html").read_text("utf-8")
    )
    measured = [r for r in records if r.status is Status.MEASURED]
    if not records:
        summary = ["No photos were found in this folder."]
    elif trends:
        # Each view's trend ends with the same sentence on noise: said once, last.
        lines = [line for t in trends for line in t["lines"]]
        summary = [line for line in lines if line != lines[-1]] + lines[-1:]
    elif any((r.result or {}).get("view") in SERIES_VIEWS for r in measured):
        summary = [
            f"{len(measured)} photo(s) measured, but none of a front or back view has a "
            "date a photo can have (from the camera, the file name or the file's time), so "
            "there is no change over time to show; each card gives its measurement."
        ]
    elif measured:
        summary = [
            f"{len(measured)} photo(s) with a person, none a front or back view: the dips are "
            "measured on front and back views only."
        ]
    else:
        summary = ["No photo with a measured person yet."]
    every = list(cards.values())
    return template.render(
        folder=folder,
        photos=len(records),
        generated=datetime.now().strftime("%d %b %Y %H:%M"),
        version=__version__,
        counts=counts,
        summary=summary,
        plots=[{"view": t["view"], "svg": t["plot"]} for t in trends],
        several_views=len(trends) > 1,
        include_posed=include_posed,
        sessions=groups,
        cards=[c for c in every if c["status"] != "duplicate"],
        duplicates=[c for c in every if c["status"] == "duplicate"],
        errors=[c for c in every if c["status"] == "error"],
        extras_shown=any(c["extras"] for c in every),
        before_after=before_after,
    )


def write_report(
    records: Sequence[BatchRecord],
    out_dir: str | Path,
    *,
    folder: str,
    include_posed: bool = False,
) -> Path:
    """Write ``report.html`` into ``out_dir`` atomically; return its path.

    ``records`` are a batch's (``BatchSummary.records`` from
    :func:`silhouette.run_batch`); ``folder`` is the name shown as the title.
    The page needs no network; thumbnails are the files beside it. The
    before/after panel shows ``before_after.png`` of ``out_dir`` when it is
    there and drawn for the photos the records name now
    (:func:`silhouette.apps.series.write_before_after`).
    """
    out_dir = Path(out_dir)
    panel = before_after_panel(records)
    if panel is not None:
        image = out_dir / BEFORE_AFTER_IMAGE
        stamp = out_dir / (BEFORE_AFTER_IMAGE + ".json")
        try:
            drawn = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            drawn = None
        if image.is_file() and drawn == [panel["before"]["file"], panel["after"]["file"]]:
            panel["image"] = BEFORE_AFTER_IMAGE
    path = out_dir / "report.html"
    html = render_report(records, folder=folder, include_posed=include_posed, before_after=panel)
    atomic_write_text(path, html)
    return path


def before_after_panel(records: Sequence[BatchRecord]) -> dict[str, Any] | None:
    """The first and the latest comparable photos of the series' main view, and the change.

    The main view is the one with the most comparable dated photos (front
    before back on a tie). None with fewer than two.
    """
    from ..draw import change_verdict, format_change, format_percent, missing_from

    pair = before_after_pair(records)
    if pair is None:
        return None
    first, last = pair
    lines = []
    for side in ("left", "right"):
        a = first.result["sides"][side]["dip_depth_ratio"]
        b = last.result["sides"][side]["dip_depth_ratio"]
        name = f"{side.capitalize()} (the person's {side})"
        change = side_change(side, a, b)
        if change.change_ratio is None:
            lines.append(f"{name}: not measured in {missing_from(change)}.")
            continue
        lines.append(
            f"{name}: {format_percent(a)} then, {format_percent(b)} now "
            f"({format_change(100 * change.change_ratio)} points of hip width): "
            f"{change_verdict(change.change_ratio)}."
        )

    def who(r: BatchRecord) -> dict[str, str]:
        return {"file": r.file, "date": f"{r.when:%d %b %Y}"}

    view = first.result["view"]
    return {"before": who(first), "after": who(last), "view": view, "lines": lines, "image": None}


def _sessions(ordered: Sequence[BatchRecord]) -> list[Session]:
    """Sessions by day; the photos without a date a photo can have, last, as one."""
    undated = tuple(r for r in ordered if not _dated(r))
    dated = sessions([r for r in ordered if _dated(r)])
    return dated + ([Session(None, undated)] if undated else [])


def _dated(r: BatchRecord) -> bool:
    """A record with a date a photo can have (older runs kept year 1 or 9999)."""
    return r.when is not None and plausible(r.when)


#: Per-side warnings said once for both sides, when both have them.
_BOTH_SIDES = {
    "arm_touching": (
        "Both arms or hands touch the hip outline, so neither side was measured; hold the "
        "arms a little away from the body."
    ),
    "outline_clipped": "The photo's edge cuts through both hips, so neither side was measured.",
    "outline_incomplete": (
        "The outline of both hips could not be traced (the person mask has gaps there), so "
        "neither side was measured."
    ),
}


def _warnings(res: dict[str, Any]) -> list[str]:
    """The card's warnings: each said once (a sentence both sides share, once)."""
    # The badge says hip-popped, the card says "No person found".
    warnings = [w for w in res.get("warnings", []) if w["code"] not in ("hip_popped", "no_person")]
    codes = {w["code"] for w in warnings}
    out: list[str] = []
    for w in warnings:
        code, message = w["code"], w["message"]
        kind, _, side = code.rpartition("_")
        if side in ("left", "right") and kind in _BOTH_SIDES:
            if {f"{kind}_left", f"{kind}_right"} <= codes:
                message = _BOTH_SIDES[kind]
        if message not in out:
            out.append(message)
    return out


def _card(r: BatchRecord) -> dict[str, Any]:
    from ..draw import format_percent

    res = r.result or {}
    sides = res.get("sides", {})

    def depth(side: str) -> str:
        s = sides.get(side) or {}
        if s.get("dip_depth_ratio") is None:
            return "not measured"
        cm = f", {_one_decimal(s['dip_depth_cm'])} cm" if s.get("dip_depth_cm") is not None else ""
        return f"{format_percent(s['dip_depth_ratio'])}{cm}"

    extras = []
    for key, label, tip in _EXTRAS:
        if res.get(key) is not None:
            extras.append({"label": label, "value": f"{res[key]:.2f}", "tip": tip})
    when = r.when if _dated(r) else None
    return {
        "file": r.file,
        "date": when.strftime("%d %b %Y, %H:%M") if when else "no date",
        "date_source": r.date_source if when else None,
        "notes": list(r.notes),
        "status": r.status.value,
        "error": r.error,
        "duplicate_of": r.duplicate_of,
        "thumbnail": r.thumbnail,
        "closeup": r.closeup,
        "overlay": r.overlay,
        "left": depth("left"),
        "right": depth("right"),
        "extras": extras,
        "posed": bool((res.get("stance") or {}).get("hip_popped")),
        "warnings": _warnings(res),
        "comparable": None if r.comparison is None else r.comparison["comparable"],
        "reasons": [] if r.comparison is None else r.comparison["reasons"],
        "reference": r.comparison is not None and r.comparison["reference"] == r.file,
    }


#: The measures shown beside the depths: JSON key, label, one-line explanation.
_EXTRAS = (
    (
        "symmetry",
        "symmetry",
        "1 when both sides' dips are alike, 0 when only one side has a dip",
    ),
    (
        "waist_to_hip_ratio",
        "waist/hip",
        "narrowest waist width over widest hip width, as seen in the photo (not a tape measure)",
    ),
    (
        "pelvic_height_index",
        "pelvic height",
        "hip bone to thigh bone span, in torso lengths: a high pelvis tends to show deeper dips",
    ),
)


def _one_decimal(value: float) -> str:
    """A published value (two decimals) rounded once, half up, to one decimal."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _plot(points: Sequence[TrendPoint], trend: Trend) -> str:
    """Depth (% of hip width, and cm when known) against date, as inline SVG."""
    # A Figure without pyplot draws off-screen and leaves the host program's
    # matplotlib backend and open figures alone (a notebook keeps its plots).
    import matplotlib as mpl
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    has_cm = any(p.left_cm is not None or p.right_cm is not None for p in points)
    rows = 2 if has_cm else 1
    with mpl.rc_context({"svg.fonttype": "none", "font.size": 10}):
        fig = Figure(figsize=(9, 3.2 * rows))
        axes = fig.subplots(rows, 1, sharex=True, squeeze=False)
        for ax, unit in zip(axes[:, 0], ("ratio", "cm")[:rows], strict=True):
            for side in ("left", "right"):
                _plot_side(ax, points, trend, side, unit)
            ax.set_ylabel("dip depth, % of hip width" if unit == "ratio" else "dip depth, cm")
            ax.grid(alpha=0.3)
            # Room above the highest marker: with one photo (or equal depths)
            # the automatic limits end at its centre and cut it in half.
            highest = ax.dataLim.y1 if math.isfinite(ax.dataLim.y1) else 0.0
            ax.set_ylim(0, max(ax.get_ylim()[1], 1.15 * highest, 0.5))
            ax.legend(loc="upper right", frameon=False)
        whens = [p.when for p in points]
        if whens and max(whens) - min(whens) < timedelta(days=2):
            # One day (or one photo): a week around it, not years of empty axis.
            mid = min(whens) + (max(whens) - min(whens)) / 2
            axes[-1, 0].set_xlim(mid - timedelta(days=3), mid + timedelta(days=3))
        axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))
        fig.autofmt_xdate()
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    # matplotlib's RDF credits block is not needed in the page.
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)


def _plot_side(ax, points, trend: Trend, side: str, unit: str) -> None:
    colour = _COLOURS[side]
    scale = 100.0 if unit == "ratio" else 1.0
    key = f"{side}_{unit}"
    # Filled: the photos the trend is fitted to; hollow: those left out of it.
    fitted = [p.comparable and (trend.include_posed or not p.posed) for p in points]
    used = [p for p, f in zip(points, fitted, strict=True) if f and getattr(p, key) is not None]
    posed = [
        p for p, f in zip(points, fitted, strict=True) if not f and getattr(p, key) is not None
    ]
    label = f"{side} (person's {side})"
    ax.plot(
        [p.when for p in used],
        [scale * getattr(p, key) for p in used],
        "o",
        color=colour,
        label=label,
    )
    if posed:
        ax.plot(
            [p.when for p in posed],
            [scale * getattr(p, key) for p in posed],
            "o",
            mfc="none",
            color=colour,
        )
    st = getattr(trend, side)
    start, end = (st.start_ratio, st.end_ratio) if unit == "ratio" else (st.start_cm, st.end_cm)
    if st.n >= 2 and start is not None and end is not None:
        ax.plot([st.start, st.end], [scale * start, scale * end], "--", color=colour, alpha=0.8)
