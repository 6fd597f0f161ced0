"""Test-retest repeatability of the dip depth: the same unchanged body, photographed again.

Reads renders made by ``benchmarks/render_retakes.py`` (24 bodies, each re-taken 10 times with
the capture variation of real progress photos, plus 3 "floor" re-takes with none) and reports,
on the exact masks and on MediaPipe's, how much one side's depth ratio moves between re-takes:

- the pooled within-body SD and each body's SD, in points of hip width;
- the share of photos more than 0.5 points from their body's median;
- the intraclass correlation ICC(1,1) across bodies (one-way, absolute agreement);
- the smallest detectable change, 2.77 x the within-body SD (1.96 x sqrt 2: a change between
  two photos larger than this is not noise, with 95 % confidence);
- how often the present/absent call disagrees between re-takes of one body.

The rendered bodies have shallow natural dips (mostly under 1 % of hip width), so an ICC over
them says little. The second table adds dips of known depth, 0-5 % of hip width by body,
at a fixed anatomical height (6 cm below to 9 cm above the true hip-joint centre, from the
render's labels): the notch is subtracted from each traced outline, the exact one and
MediaPipe's, and the dip is measured again with the package's definition.

Run from the project root (renders beside it, as made by render_retakes.py)::

    .venv/bin/python benchmarks/repeatability.py --renders ../renders/retakes
    .venv/bin/python benchmarks/repeatability.py --renders ../renders/retakes --quick

Prints Markdown tables (docs/accuracy.md keeps the last full run).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # support/: exact-mask tracing, dip injection

from silhouette import Analyzer  # noqa: E402
from silhouette.core.capture import capture_signature, compare_capture  # noqa: E402
from silhouette.core.dip import DIP_THRESHOLD_RATIO, dip_of_profile, fill_gaps  # noqa: E402
from support.inject import raised_cosine, side_profile_of  # noqa: E402
from support.truth import trace_exact  # noqa: E402

SIDES = ("left", "right")
MASKS = ("exact", "mediapipe")
#: Injected depths, fractions of hip width; body b's left side gets DEPTHS[b % 6], its right
#: side DEPTHS[(b + 3) % 6].
DEPTHS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05)
#: The injected notch, cm below and above the true hip-joint centre.
NOTCH_CM = (-6.0, 9.0)


def xy(text: str) -> np.ndarray:
    return np.array([float(t) for t in text.split(",")])


def measure(analyzer: Analyzer, folder: Path, rows: list[dict[str, str]]) -> list[dict]:
    """One entry per image side: traced outlines (exact and MediaPipe) and their frame."""
    out = []
    for row in rows:
        analysis = analyzer.analyze(folder / row["file"])
        exact = np.asarray(Image.open(folder / row["mask_file"])) > 0
        for side in SIDES:
            s = analysis.sides[side]
            if not s.measured:
                continue
            frame, prof, _ = trace_exact(analysis, exact, side)
            if prof is None or prof.valid.mean() < 0.9:
                continue
            _, v_mp, u_mp = side_profile_of(analysis, side)
            hips = (xy(row["gt_hipjoint_L_xy"]) + xy(row["gt_hipjoint_R_xy"])) / 2
            out.append(
                dict(
                    body=int(row["body_id"]),
                    kind=row["kind"],
                    side=side,
                    T=frame.torso_px,
                    hip_width=analysis.hip_width_px,
                    exact=(prof.v, fill_gaps(prof.u)),
                    mediapipe=(v_mp, u_mp),
                    # The true hip-joint centre's height in the analysis frame, and the scale.
                    v_hip=float(frame.to_frame(hips)[1]),
                    px_per_cm=float(row["px_per_cm"]),
                    pipeline=s.dip_depth_ratio,
                    call=s.dip_present,
                    capture=capture_signature(analysis),
                )
            )
    return out


def depth_ratio(entry: dict, mask: str, inject: float) -> float:
    """The side's depth ratio on one outline, with a notch of ``inject`` hip widths taken off."""
    v, u = entry[mask]
    if inject:
        lo, hi = (entry["v_hip"] + np.array(NOTCH_CM) * entry["px_per_cm"]).tolist()
        notch = raised_cosine((v - (lo + hi) / 2) / ((hi - lo) / 2))
        u = u - inject * entry["hip_width"] * notch
    return dip_of_profile(v, u, entry["T"]).depth_px / entry["hip_width"]


def icc_1_1(groups: list[np.ndarray]) -> float:
    """One-way random-effects, single-measure ICC over equally long groups."""
    k = min(len(g) for g in groups)
    x = np.array([g[:k] for g in groups])
    n = len(x)
    msb = k * ((x.mean(axis=1) - x.mean()) ** 2).sum() / (n - 1)
    msw = ((x - x.mean(axis=1, keepdims=True)) ** 2).sum() / (n * (k - 1))
    return float((msb - msw) / (msb + (k - 1) * msw))


def summarise(groups: dict[tuple, list[float]]) -> list[str]:
    """Table cells for per-body-side series of depth ratios (fractions of hip width)."""
    series = [100 * np.asarray(x) for x in groups.values() if len(x) >= 3]
    sds = np.array([x.std(ddof=1) for x in series])
    pooled = float(np.sqrt(np.mean(sds**2)))
    off = np.mean(np.concatenate([np.abs(x - np.median(x)) > 0.5 for x in series]))
    return [
        str(len(series)),
        f"{pooled:.3f}",
        f"{np.median(sds):.3f}",
        f"{np.percentile(sds, 90):.3f}",
        f"{sds.max():.3f}",
        f"{100 * off:.1f}%",
        f"{icc_1_1(series):.3f}",
        f"{2.77 * pooled:.2f}",
    ]


HEADER = (
    "| masks | body sides | within-body SD, points | median SD | p90 SD | max SD "
    "| photos > 0.5 points off the median | ICC(1,1) | smallest detectable change, points |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def camera_factors(analyzer: Analyzer, folder: Path) -> str:
    """Per camera factor and level: how far the depth moves from the body's base photo,
    and whether the capture signatures call the photo comparable."""
    with open(folder / "labels.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    level_key = {
        "distance": ("camera_distance_m", "m"),
        "height": ("camera_height_cm", "cm"),
        "yaw": ("view_azimuth_deg", "deg"),
        "roll": ("camera_roll_deg", "deg"),
    }
    base_sig, base_depth = {}, {}
    moved: dict[tuple, list] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["kind"] != "base"):
        entries = measure(analyzer, folder, [row])
        if not entries:
            continue
        sig = entries[0]["capture"]
        body = row["body_id"]
        depths = {(e["side"], m): depth_ratio(e, m, 0.0) for e in entries for m in MASKS}
        if row["kind"] == "base":
            base_sig[body], base_depth[body] = sig, depths
            continue
        key, unit = level_key[row["kind"]]
        level = f"{row['kind']} {float(row[key]):g} {unit}"
        if body not in base_sig:
            continue
        comparable = compare_capture(base_sig[body], sig).comparable
        for k, d in depths.items():
            if k in base_depth[body]:
                moved[level, k[1]].append((abs(d - base_depth[body][k]) * 100, comparable))
    out = [
        "| change from the base (3.0 m, hip height, square on, level) | masks | sides "
        "| median change, points | p90 | max | called comparable |",
        "|---|---|---|---|---|---|---|",
    ]
    for (level, mask), x in sorted(moved.items()):
        d = np.array([a for a, _ in x])
        share = np.mean([c for _, c in x])
        out.append(
            f"| {level} | {mask} | {d.size} | {np.median(d):.2f} | {np.percentile(d, 90):.2f} "
            f"| {d.max():.2f} | {100 * share:.0f}% |"
        )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=Path, default=ROOT.parent / "renders" / "retakes")
    ap.add_argument("--quick", action="store_true", help="the first 6 bodies only")
    ap.add_argument(
        "--camera", type=Path, help="also the camera-factor set made by render_retakes.py camera"
    )
    args = ap.parse_args()
    labels = args.renders / "labels.tsv"
    if not labels.exists():
        sys.exit(f"no renders at {args.renders}: make them with benchmarks/render_retakes.py")
    with open(labels, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if args.quick:
        rows = [r for r in rows if int(r["body_id"]) < 6]
    with Analyzer() as analyzer:
        entries = measure(analyzer, args.renders, rows)
    bodies = len({e["body"] for e in entries})
    print(
        f"{bodies} bodies, {sum(e['kind'] == 'retake' for e in entries)} re-take sides, "
        f"{sum(e['kind'] == 'floor' for e in entries)} floor sides.\n"
    )
    for title, kind, inject in (
        ("Re-takes of the rendered bodies as they are", "retake", False),
        ("Re-takes with dips of 0-5 % of hip width added", "retake", True),
        ("Floor: no capture variation, only lighting and noise", "floor", False),
    ):
        print(f"### {title}\n\n{HEADER}")
        for mask in MASKS:
            groups: dict[tuple, list[float]] = defaultdict(list)
            for e in entries:
                if e["kind"] != kind:
                    continue
                d = DEPTHS[(e["body"] + 3 * SIDES.index(e["side"])) % 6] if inject else 0.0
                groups[(e["body"], e["side"])].append(depth_ratio(e, mask, d))
            print(f"| {mask} | " + " | ".join(summarise(groups)) + " |")
        print()
    # The calls the full pipeline makes: never True on one re-take and False on another?
    calls: dict[tuple, set] = defaultdict(set)
    depths: dict[tuple, list[float]] = defaultdict(list)
    for e in entries:
        if e["kind"] == "retake":
            calls[(e["body"], e["side"])].add(e["call"])
            depths[(e["body"], e["side"])].append(e["pipeline"])
    flips = sum({True, False} <= c for c in calls.values())
    withheld = sum(None in c for c in calls.values())
    print(
        f"Full pipeline (MediaPipe, threshold {100 * DIP_THRESHOLD_RATIO:.1f} %): of "
        f"{len(calls)} body sides, {flips} were called a dip on one re-take and not on another; "
        f"{withheld} had at least one re-take withheld as borderline.\n\n{HEADER}\n"
        "| pipeline | " + " | ".join(summarise(depths)) + " |\n"
    )
    if args.camera is not None:
        with Analyzer() as analyzer:
            print("### One camera factor at a time\n\n" + camera_factors(analyzer, args.camera))


if __name__ == "__main__":
    main()
