"""The HTML progress report of a batch: timeline, trend plot and plain words.

Built from the result records (see :mod:`silhouette.apps.records`) alone, so it can be
rebuilt at any time. The page needs no network: styles are inline, the plot is
inline SVG, thumbnails are files beside it. Every file name and message is
escaped by Jinja2's autoescaping.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from ..files import atomic_write_text
from .records import BatchRecord, Status
from .trend import Trend, TrendPoint, compute_trend

__all__ = ["render_report", "trend_points", "write_report"]

_COLOURS = {"left": "#ff8c00", "right": "#00a6e0"}


def trend_points(records: Sequence[BatchRecord]) -> list[TrendPoint]:
    """Dated measurements of the records that measured a person."""
    points = []
    for r in records:
        res = r.result
        if r.status is not Status.MEASURED or res is None or r.when is None:
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
            )
        )
    return points


def render_report(
    records: Sequence[BatchRecord], *, folder: str, include_posed: bool = False
) -> str:
    """The report page as HTML text."""
    from jinja2 import Environment, select_autoescape

    from .. import __version__

    points = trend_points(records)
    trend = compute_trend(points, include_posed=include_posed)
    ordered = sorted(records, key=lambda r: (r.date or "", r.file))
    cards = [_card(r) for r in ordered]
    counts = {status.value: sum(r.status is status for r in records) for status in Status}
    counts["posed"] = sum(c["posed"] for c in cards)
    env = Environment(autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(
        resources.files(__package__).joinpath("templates/report.html").read_text("utf-8")
    )
    summary = trend.summary() if points else ["No photo with a measured person yet."]
    return template.render(
        folder=folder,
        records=records,
        generated=datetime.now().strftime("%d %b %Y %H:%M"),
        version=__version__,
        counts=counts,
        summary=summary,
        plot_svg=_plot(points, trend) if points else None,
        include_posed=include_posed,
        cards=cards,
        errors=[c for c in cards if c["status"] == "error"],
    )


def write_report(
    records: Sequence[BatchRecord],
    out_dir: str | Path,
    *,
    folder: str,
    include_posed: bool = False,
) -> Path:
    """Write ``report.html`` into ``out_dir`` atomically; return its path."""
    path = Path(out_dir) / "report.html"
    atomic_write_text(path, render_report(records, folder=folder, include_posed=include_posed))
    return path


def _card(r: BatchRecord) -> dict[str, Any]:
    res = r.result or {}
    sides = res.get("sides", {})

    def depth(side: str) -> str:
        s = sides.get(side) or {}
        if s.get("dip_depth_ratio") is None:
            return "not measured"
        cm = f", {s['dip_depth_cm']:.1f} cm" if s.get("dip_depth_cm") is not None else ""
        return f"{100 * s['dip_depth_ratio']:.1f}%{cm}"

    return {
        "file": r.file,
        "date": r.when.strftime("%d %b %Y") if r.when else "no date",
        "date_source": r.date_source or "unknown",
        "status": r.status.value,
        "error": r.error,
        "thumbnail": r.thumbnail,
        "overlay": r.overlay,
        "left": depth("left"),
        "right": depth("right"),
        "posed": bool((res.get("stance") or {}).get("hip_popped")),
        "warnings": [
            w["message"] for w in res.get("warnings", []) if w["code"] not in ("hip_popped",)
        ],
    }


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
            ax.set_ylim(bottom=0)
            ax.legend(loc="upper right", frameon=False)
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
    used = [
        p for p in points if getattr(p, key) is not None and (trend.include_posed or not p.posed)
    ]
    posed = [
        p for p in points if getattr(p, key) is not None and p.posed and not trend.include_posed
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
