"""How far each camera factor can move before two photos of one body stop comparing.

Reads the camera-factor renders made by ``benchmarks/render_retakes.py camera`` (one body, one
factor changed at a time from the base: 3.0 m, camera at hip height, square on, level) and
reports, per factor and level, against the same body's base photo:

- how far the depth ratio moved, on the exact render masks and on MediaPipe's (the outline the
  package traces, measured with the package's definition: what the pipeline reports, which is
  None where it finds no dip geometry), in points of hip width (median, p90 and max over
  body sides, and the share that moved by the smallest detectable change or more);
- what the capture signature read for the change (the measured body yaw, the relative change of
  the perspective ratio, the measured roll; median and 10th-90th percentile over bodies);
- how often ``compare_capture`` calls the photo comparable with its base.

Then the limits: per factor, the largest level tested at which the camera's own effect stays
within the measurement's noise -- p90 of the exact-mask change <= the within-photo SD (0.25
points) -- and at which MediaPipe's p90 stays under the smallest detectable change (0.7 points),
so no re-take at that level reads as a change; and the signature value that level reads as, set
beside the limit in ``silhouette.core.capture``; how the signature follows each factor; the
share of re-takes that candidate limits on the signature would keep. Last, the issue's distance
target: the same render at 2.5 and 3.5 m (against each other).

Run from the project root, with one or more camera-factor sets (bodies with the same id and
seed share the base across folders)::

    .venv/bin/python benchmarks/comparability.py --cache ../data/camera2/measured.json
        --camera ../data/camera2 --camera ../data/camera3      (one line)

(docs/comparability.md gives the commands that rendered those two sets and keeps the last run.)

``--cache`` keeps each photo's measurements (JSON) so that the tables can be printed again
without MediaPipe. ``--label-truth FOLDER`` instead writes the exact-mask depth ratios of a
folder's renders into its ``labels.tsv`` (used for ``tests/data/compare``).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import repeatability as rep  # noqa: E402  (puts src/ and tests/ on the path)

from silhouette import Analyzer  # noqa: E402
from silhouette.core.capture import (  # noqa: E402
    MAX_PERSPECTIVE_CHANGE,
    MAX_ROLL_CHANGE_DEG,
    MAX_YAW_CHANGE_DEG,
    compare_capture,
)
from silhouette.results import CaptureSignature  # noqa: E402

#: The measurement's noise, points of hip width (docs/accuracy.md, issue 19): the SD of one
#: photo's depth ratio, and the smallest change the report calls a change.
NOISE_SD, SDC = 0.25, 0.7
MASKS = ("exact", "mediapipe")
#: The words that start each kind of reason ``compare_capture`` gives.
REASONS = {
    "body turned": "turn",
    "taken from": "height",
    "camera tilted": "roll",
    "hip-popped": "stance",
    "a hip-popped": "stance",
    "different clothing": "outline",
}
CAMERA_REASONS = ("turn", "height", "roll")
#: Per factor: the labels column of its level, the unit, and the signature field it moves.
FACTORS = {
    "distance": ("camera_distance_m", "m", "body_fill"),
    "height": ("camera_height_cm", "cm", "perspective"),
    "yaw": ("view_azimuth_deg", "deg", "body_yaw_deg"),
    "roll": ("camera_roll_deg", "deg", "camera_roll_deg"),
}
DIRECTIONS = {
    "distance": ("further", "nearer"),
    "height": ("higher", "lower"),
    "yaw": ("showing the left flank", "showing the right flank"),
    "roll": ("clockwise", "anticlockwise"),
}
LIMIT_OF = {
    "yaw": ("measured yaw change", MAX_YAW_CHANGE_DEG, "deg"),
    "height": ("perspective change", 100 * MAX_PERSPECTIVE_CHANGE, "%"),
    "roll": ("measured roll change", MAX_ROLL_CHANGE_DEG, "deg"),
}


def read_rows(folder: Path) -> list[dict[str, str]]:
    with open(folder / "labels.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def measure_photo(analyzer: Analyzer, folder: Path, row: dict[str, str]) -> dict:
    """One photo: per side the depth ratio on each outline, and the capture signature."""
    entries = rep.measure(analyzer, folder, [row])
    sides = {
        e["side"]: {
            "exact": rep.depth_ratio(e, "exact", 0.0),
            "mediapipe": rep.depth_ratio(e, "mediapipe", 0.0),
            "pipeline": e["pipeline"],  # reported; = "mediapipe" on 1810 of 1811 sides
        }
        for e in entries
    }
    sig = entries[0]["capture"] if entries else None
    return {
        "body": int(row["body_id"]),
        "kind": row["kind"],
        "level": {k: float(row[col]) for k, (col, _, _) in FACTORS.items()},
        "sides": sides,
        # Unrounded (to_dict rounds the angles to 0.1 degree).
        "signature": None if sig is None else json_safe(dataclasses.asdict(sig)),
    }


def json_safe(d: dict) -> dict:
    return {
        k: v
        if v is None or isinstance(v, str)
        else (bool(v) if isinstance(v, (bool, np.bool_)) else float(v))
        for k, v in d.items()
    }


def measure_all(folders: list[Path], cache: Path | None, bodies: range | None = None) -> list[dict]:
    """Every photo of the folders (of ``bodies`` only, when given), measured once (from
    ``cache`` when it has them)."""
    done = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    rows = [
        (f, r)
        for f in folders
        for r in read_rows(f)
        if bodies is None or int(r["body_id"]) in bodies
    ]
    todo = [(f, r) for f, r in rows if f"{f}/{r['file']}" not in done]
    if todo:
        with Analyzer() as analyzer:
            for i, (folder, row) in enumerate(todo):
                done[f"{folder}/{row['file']}"] = measure_photo(analyzer, folder, row)
                if cache is not None and (i % 25 == 24 or i == len(todo) - 1):
                    cache.write_text(json.dumps(done))
                print(f"measured {i + 1}/{len(todo)} {row['file']}", file=sys.stderr, flush=True)
    keys = {f"{f}/{r['file']}" for f, r in rows}
    return [v for k, v in done.items() if k in keys]


def signature(d: dict | None) -> CaptureSignature | None:
    return None if d is None else CaptureSignature(**d)


def signature_reading(factor: str, base: dict, photo: dict) -> float | None:
    """What the signature read for the change from ``base`` to ``photo``: measured yaw and
    roll changes in degrees, perspective and body-fill changes in per cent."""
    field = FACTORS[factor][2]
    a, b = base["signature"], photo["signature"]
    if a is None or b is None or a[field] is None or b[field] is None:
        return None
    if field in ("perspective", "body_fill"):
        return 100 * (b[field] / a[field] - 1)
    return b[field] - a[field]


def levels(photos: list[dict]) -> tuple[dict, dict]:
    """Per (factor, level): the changes from the base by outline, the signature readings and
    the comparable calls. Also the base photo of each body."""
    base = {p["body"]: p for p in photos if p["kind"] == "base"}
    out: dict[tuple, dict] = defaultdict(
        lambda: {"moved": defaultdict(list), "read": [], "ok": [], "camera_ok": [], "why": []}
    )
    for p in photos:
        if p["kind"] not in FACTORS or p["body"] not in base:
            continue
        b = base[p["body"]]
        level = p["level"][p["kind"]]
        cell = out[p["kind"], level]
        for side, depths in p["sides"].items():
            for mask in MASKS:
                before = b["sides"].get(side, {}).get(mask)
                if before is not None and depths[mask] is not None:
                    cell["moved"][mask].append(100 * (depths[mask] - before))
        reading = signature_reading(p["kind"], b, p)
        if reading is not None:
            cell["read"].append(reading)
        sa, sb = signature(b["signature"]), signature(p["signature"])
        if sa is not None and sb is not None:
            verdict = compare_capture(sa, sb)
            why = {kind for r in verdict.reasons for w, kind in REASONS.items() if r.startswith(w)}
            cell["ok"].append(verdict.comparable)
            cell["camera_ok"].append(not why & set(CAMERA_REASONS))
            cell["why"] += sorted(why)
    return out, base


def stats(x: list[float]) -> tuple[float, float, float, float]:
    """Median, p90 and max of |x|, and the share >= SDC."""
    a = np.abs(np.asarray(x))
    return np.median(a), np.percentile(a, 90), a.max(), np.mean(a >= SDC)


def level_table(cells: dict) -> str:
    rows = [
        "| factor | level | sides | exact: median / p90 / max change, points "
        "| MediaPipe: median / p90 / max | MediaPipe >= 0.7 "
        "| signature reads (median, p10..p90) | comparable on the camera "
        "| comparable | reasons when not |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (factor, level), c in sorted(
        cells.items(), key=lambda kv: (list(FACTORS).index(kv[0][0]), kv[0][1])
    ):
        unit = FACTORS[factor][1]
        ex, mp = (stats(c["moved"][m]) for m in ("exact", "mediapipe"))
        what = {"yaw": "yaw", "roll": "roll", "height": "perspective", "distance": "body fill"}
        r = np.asarray(c["read"])
        why = ", ".join(f"{k} {c['why'].count(k)}" for k in sorted(set(c["why"]))) or "-"
        u = "deg" if factor in ("yaw", "roll") else "%"
        read = "-"
        if r.size:
            p10, p90 = np.percentile(r, [10, 90])
            read = f"{what[factor]} {np.median(r):+.1f} {u} ({p10:+.1f}..{p90:+.1f})"
        rows.append(
            f"| {factor} | {level:g} {unit} | {len(c['moved']['exact'])} "
            f"| {ex[0]:.2f} / {ex[1]:.2f} / {ex[2]:.2f} | {mp[0]:.2f} / {mp[1]:.2f} / {mp[2]:.2f} "
            f"| {100 * mp[3]:.0f}% | {read} | {100 * np.mean(c['camera_ok']):.0f}% "
            f"| {100 * np.mean(c['ok']):.0f}% | {why} |"
        )
    return "\n".join(rows)


def limits_table(cells: dict) -> str:
    """Per factor and direction: the largest level reached without leaving the noise."""
    rows = [
        "| factor | direction | within noise up to (exact p90 <= 0.25 and MediaPipe p90 < 0.7) "
        "| first level beyond | signature reads there (median) | limit in core/capture.py |",
        "|---|---|---|---|---|---|",
    ]
    base_level = {"distance": 3.0, "height": 0.0, "yaw": 0.0, "roll": 0.0}
    for factor in FACTORS:
        unit = FACTORS[factor][1]
        mine = {lv: c for (f, lv), c in cells.items() if f == factor}
        for sign, word in zip((1, -1), DIRECTIONS[factor], strict=True):
            lvls = sorted(
                (lv for lv in mine if (lv - base_level[factor]) * sign > 0),
                key=lambda lv: abs(lv - base_level[factor]),
            )
            if not lvls:
                continue
            ok_to, beyond = None, None
            for lv in lvls:
                ex, mp = stats(mine[lv]["moved"]["exact"]), stats(mine[lv]["moved"]["mediapipe"])
                if ex[1] <= NOISE_SD and mp[1] < SDC:
                    ok_to = lv
                else:
                    beyond = lv
                    break

            def read(lv, mine=mine):
                r = mine[lv]["read"] if lv is not None else []
                return f"{np.median(r):+.1f}" if len(r) else "-"

            limit = LIMIT_OF.get(factor)
            lim = f"{limit[0]} <= {limit[1]:g} {limit[2]}" if limit else "none (distance is free)"
            rows.append(
                f"| {factor} | {word} | {'-' if ok_to is None else f'{ok_to:g} {unit}'} "
                f"(reads {read(ok_to)}) | {'-' if beyond is None else f'{beyond:g} {unit}'} "
                f"| {read(beyond)} | {lim} |"
            )
    return "\n".join(rows)


def slopes(cells: dict, base: dict) -> str:
    """How the signature follows the true factor: a least-squares slope through 0, each
    direction apart, and what the base photos (square on, level, at hip height) read."""
    out = []
    for factor, what in (
        ("yaw", "measured yaw change per true degree"),
        ("roll", "measured roll change per true degree"),
        ("height", "perspective change, % per cm of camera height"),
    ):
        for sign, word in zip((1, -1), DIRECTIONS[factor], strict=True):
            xs, ys = [], []
            for (f, lv), c in cells.items():
                if f == factor and lv * sign > 0:
                    xs += [lv] * len(c["read"])
                    ys += c["read"]
            if not xs:
                continue
            x, y = np.asarray(xs), np.asarray(ys)
            k = float(x @ y / (x @ x))
            sd = float(np.std(y - k * x))
            out.append(f"- {what}, {word}: {k:.3f} (residual SD {sd:.2f}, {x.size} photos)")
    for field, what in (("body_yaw_deg", "yaw, deg"), ("camera_roll_deg", "roll, deg")):
        r = [b["signature"][field] for b in base.values() if b["signature"] is not None]
        r = np.asarray([x for x in r if x is not None])
        lo, hi = np.percentile(r, [10, 90])
        out.append(
            f"- base photos (square on, level) read {what}: median {np.median(r):+.1f} "
            f"(p10..p90 {lo:+.1f}..{hi:+.1f}, {r.size} bodies)"
        )
    return "\n".join(out)


#: Candidate limits on the signature's change, per factor (the present one among them).
CANDIDATES = {
    "yaw": (4.0, 5.0, MAX_YAW_CHANGE_DEG, 8.0),
    "height": (100 * MAX_PERSPECTIVE_CHANGE, 15.0, 20.0, 25.0, 30.0),
    "roll": (MAX_ROLL_CHANGE_DEG, 10.0, 15.0, 20.0),
}


def signature_limits(cells: dict, factor: str) -> str:
    """Per true level: the share of re-takes that a limit on the signature's change keeps
    (measured yaw or roll change in degrees, perspective change in per cent)."""
    candidates = CANDIDATES[factor]
    unit = " %" if factor == "height" else " deg"
    cols = " | ".join(f"limit {c:g}{unit}" for c in candidates)
    rows = [f"| true {factor} | {cols} |", "|---|" + "---|" * len(candidates)]
    for (f, level), c in sorted(cells.items()):
        if f != factor:
            continue
        r = np.abs(np.asarray(c["read"]))
        rows.append(
            f"| {level:+g} {FACTORS[factor][1]} | "
            + " | ".join(f"{100 * np.mean(r <= x):.0f}%" for x in candidates)
            + " |"
        )
    return "\n".join(rows)


def distance_target(photos: list[dict]) -> str:
    """The same render at 2.5 and 3.5 m, against each other."""
    at = defaultdict(dict)
    for p in photos:
        if p["kind"] in ("distance", "base"):
            at[p["body"]][p["level"]["distance"]] = p
    moved: dict[str, list[float]] = defaultdict(list)
    for body in at.values():
        if 2.5 in body and 3.5 in body:
            for side, d in body[2.5]["sides"].items():
                for mask in MASKS:
                    o = body[3.5]["sides"].get(side, {}).get(mask)
                    if o is not None and d[mask] is not None:
                        moved[mask].append(100 * (o - d[mask]))
    rows = [
        "| outline | sides | median change, points | p90 | max | signed mean | within 0.3 |",
        "|---|---|---|---|---|---|---|",
    ]
    for mask in MASKS:
        a = np.asarray(moved[mask])
        m = np.abs(a)
        rows.append(
            f"| {mask} | {a.size} | {np.median(m):.2f} | {np.percentile(m, 90):.2f} "
            f"| {m.max():.2f} | {a.mean():+.2f} | {100 * np.mean(m <= 0.3):.0f}% |"
        )
    return "\n".join(rows)


def label_truth(folder: Path) -> None:
    """Add each render's exact-mask depth ratio per side (fraction of hip width, the package's
    definition on the exact mask, in the frame MediaPipe's landmarks give) to labels.tsv."""
    rows = read_rows(folder)
    with Analyzer() as analyzer:
        for row in rows:
            m = measure_photo(analyzer, folder, row)
            for side in ("left", "right"):
                d = m["sides"].get(side, {}).get("exact")
                row[f"exact_dip_ratio_{side}"] = "" if d is None else f"{d:.5f}"
    with open(folder / "labels.tsv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    for row in rows:
        print(row["file"], row["exact_dip_ratio_left"], row["exact_dip_ratio_right"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--camera", type=Path, action="append", help="a camera-factor set (repeatable)")
    ap.add_argument("--cache", type=Path, help="JSON file keeping each photo's measurements")
    ap.add_argument(
        "--label-truth", type=Path, help="write exact-mask depths into FOLDER/labels.tsv"
    )
    ap.add_argument(
        "--bodies",
        type=lambda t: range(*map(int, t.split(":"))),
        metavar="LO:HI",
        help="only bodies LO..HI-1 (e.g. 0:8 for a quick run)",
    )
    args = ap.parse_args()
    if args.label_truth is not None:
        label_truth(args.label_truth)
        return
    folders = args.camera or [ROOT.parent / "renders" / "camera"]
    for f in folders:
        if not (f / "labels.tsv").exists():
            sys.exit(f"no renders at {f}: make them with benchmarks/render_retakes.py camera")
    photos = measure_all(folders, args.cache, args.bodies)
    # Sets rendered with the same seed share their base photos: count each photo once.
    photos = list({(p["body"], p["kind"], *p["level"].values()): p for p in photos}.values())
    cells, base = levels(photos)
    print(f"{len(base)} bodies, {len(photos)} photos.\n")
    print("### Each camera factor against the body's base photo\n\n" + level_table(cells) + "\n")
    print("### Limits\n\n" + limits_table(cells) + "\n")
    print("### What the capture signature reads\n\n" + slopes(cells, base) + "\n")
    for factor in CANDIDATES:
        print(
            f"### Re-takes that a limit on the signature keeps: {factor}\n\n"
            + signature_limits(cells, factor)
            + "\n"
        )
    print("### The same render at 2.5 m and at 3.5 m\n\n" + distance_target(photos))


if __name__ == "__main__":
    main()
