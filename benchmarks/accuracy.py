"""Accuracy of silhouette against things known: injected dips, invariances,
labels, exact render masks, synthetic silhouettes, clothing and the stance.

Run from the project root (needs ../shared beside it):

    .venv/bin/python benchmarks/accuracy.py            # everything, a few minutes
    .venv/bin/python benchmarks/accuracy.py --quick    # a subset, for a smoke test
    .venv/bin/python benchmarks/accuracy.py --sections 14   # only sections 1 and 4
    .venv/bin/python benchmarks/accuracy.py --sections 7 --stance-renders /work/data/stance

Section 7 (the stance) reads the held-out split of the renders made by
benchmarks/render_stance.py (default ../data/stance; skipped when absent).

Prints Markdown tables (docs/accuracy.md keeps the last full run).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PHOTOS, SYNTH = SHARED / "photos", SHARED / "synth"
CLOTHED = SHARED / "synth_clothed"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # support/: body builders, dip injection

from silhouette import Analyzer, PoseEstimate, load_image  # noqa: E402
from silhouette.core.dip import (  # noqa: E402
    DIP_THRESHOLD_RATIO,
)
from support.inject import NOTCH, inject_dip, side_profile_of  # noqa: E402
from support.truth import (  # noqa: E402
    TRANSFORMS,
    exact_depth,
    expected_depth,
    hand_joins,
    jpeg,
    same_call,
    trace_exact,
)

SIDES = ("left", "right")
DEPTHS = (0.0, 0.01, 0.02, 0.04, 0.06, 0.08)  # fractions of hip width


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def pct(values, q) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def front_back_photos(quick: bool) -> list[Path]:
    rows = read_tsv(PHOTOS / "SOURCES.tsv")
    keep = [
        PHOTOS / r["file"]
        for r in rows
        if r["view"] in ("front", "back") and r["person_found_by_mediapipe"] == "yes"
    ]
    return keep[:8] if quick else keep


def front_back_renders(quick: bool) -> list[dict[str, str]]:
    rows = [r for r in read_tsv(SYNTH / "labels.tsv") if r["view"] in ("front", "back")]
    return rows[:10] if quick else rows


# --------------------------------------------------------------------------
# 1. Dip injection
# --------------------------------------------------------------------------


def bench_injection(analyzer, images: list[tuple[str, np.ndarray]]):
    """Per injected depth: the measured depth against the depth the definition
    gives on the ideal warped outline (the pipeline's error), and against d
    on straight sides; detection and false dips."""
    results = defaultdict(list)
    skipped = Counter()
    for _name, rgb in images:
        base = analyzer.analyze(rgb)
        for side in SIDES:
            s = base.sides[side]
            if not s.measured:
                why = [w.code for w in base.warnings if w.message in (s.reason or "")]
                skipped[why[0] if why else "?"] += 1
                continue
            frame, v, u = side_profile_of(base, side)
            lo, hi = np.array(NOTCH) * frame.torso_px
            span = (v >= lo) & (v <= hi)
            fit = np.polyval(np.polyfit(v[span], u[span], 1), v[span])
            straight = np.ptp(fit - u[span]) <= 1.0  # within a pixel of a line
            for frac in DEPTHS:
                d = frac * base.hip_width_px
                if frac == 0:
                    # No dip added, but a fresh photo: re-encoded and shifted by
                    # a pixel, so that noise gets its chance to make one.
                    img = jpeg(np.roll(rgb, 1, axis=1), 92)
                    expected = s.dip_depth_px
                else:
                    img = inject_dip(rgb, base, side, d)
                    expected = expected_depth(base, side, d)
                r = analyzer.analyze(img).sides[side]
                if not r.measured:
                    skipped["not measured after the warp"] += 1
                    continue
                due = expected >= DIP_THRESHOLD_RATIO * base.hip_width_px
                # Called present: True. A borderline call (None) is neither a
                # dip nor a false one; it has a column of its own.
                results[frac].append(
                    (
                        r.dip_depth_px,
                        expected,
                        d,
                        straight,
                        r.dip_present is True,
                        r.dip_present is None and r.outline_source == "body",
                        r.outline_source != "body",
                        s.dip_present is True,
                        due,
                    )
                )
    rows = []
    for frac in DEPTHS:
        data = results[frac]
        if not data:
            continue
        meas, exp, d, straight, present, borderline, notbody, before, due = (
            np.array(x, dtype=float) for x in zip(*data, strict=True)
        )
        due = due.astype(bool)
        err = np.abs(meas - exp)
        st = straight.astype(bool)
        if frac == 0:
            clean = before == 0  # sides that had no dip: does noise make one?
            rows.append(
                [
                    "0%",
                    len(err),
                    f"{np.median(err):.2f}",
                    f"{pct(err, 90):.2f}",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    f"{100 * present[clean].mean():.0f}% of {int(clean.sum())} dip-free sides "
                    f"({100 * borderline[clean].mean():.0f}% borderline, "
                    f"{100 * notbody[clean].mean():.0f}% not the body)",
                ]
            )
            continue
        rel = err / d * 100
        vs_d = np.abs(meas[st] - d[st]) / d[st] * 100
        kept = exp / d * 100
        rows.append(
            [
                f"{100 * frac:.0f}%",
                len(err),
                f"{np.median(err):.2f}",
                f"{pct(err, 90):.2f}",
                f"{np.median(rel):.0f}% (p90 {pct(rel, 90):.0f}%)",
                f"{np.median(vs_d):.0f}% (n={int(st.sum())})" if st.any() else "-",
                f"{np.median(kept):.0f}%",
                f"{100 * present.mean():.0f}%",
                f"{100 * borderline.mean():.0f}% / {100 * notbody.mean():.0f}%",
                f"{100 * present[due].mean():.0f}% of {int(due.sum())}" if due.any() else "-",
                "-",
            ]
        )
    header = [
        "d (of hip width)",
        "sides",
        "median abs err vs definition, px",
        "p90, px",
        "median err, % of d",
        "straight sides: median abs(depth - d), % of d",
        "definition on the ideal warped outline, median % of d",
        "dip present, all sides",
        "null: borderline / outline not the body, all sides",
        "dip present, where the definition gives >= threshold",
        "false dips at d = 0",
    ]
    return table(header, rows), skipped


# --------------------------------------------------------------------------
# 2. Invariance
# --------------------------------------------------------------------------


def bench_invariance(analyzer, images):
    rows = []
    base = {name: analyzer.analyze(rgb) for name, rgb in images}
    for tname, (fn, swaps) in TRANSFORMS.items():
        d_ratio, d_rel, d_tilt, lost = [], [], [], 0
        for name, rgb in images:
            a = base[name]
            b = analyzer.analyze(fn(rgb))
            for side in SIDES:
                other = ({"left": "right", "right": "left"}[side]) if swaps else side
                sa, sb = a.sides[side], b.sides[other]
                if sa.measured and sb.measured:
                    diff = abs(sa.dip_depth_ratio - sb.dip_depth_ratio)
                    d_ratio.append(100 * diff)
                    if sa.dip_depth_ratio >= 0.01:
                        d_rel.append(100 * diff / sa.dip_depth_ratio)
                elif sa.measured != sb.measured:
                    lost += 1
            ta, tb = a.stance.pelvic_tilt_deg, b.stance.pelvic_tilt_deg
            if ta is not None and tb is not None:
                d_tilt.append(abs(ta - (-tb if swaps else tb)))
        rows.append(
            [
                tname,
                len(d_ratio),
                f"{np.median(d_ratio):.2f}",
                f"{pct(d_ratio, 90):.2f}",
                f"{np.median(d_rel):.0f}% (n={len(d_rel)})" if d_rel else "-",
                f"{np.median(d_tilt):.1f}" if d_tilt else "-",
                f"{pct(d_tilt, 90):.1f}" if d_tilt else "-",
                lost,
            ]
        )
    header = [
        "transform",
        "sides",
        "median change, points of hip width",
        "p90",
        "median relative change (sides with a dip >= 1%)",
        "median tilt change, deg",
        "p90",
        "sides measured only once",
    ]
    return table(header, rows)


# --------------------------------------------------------------------------
# 3. Labels of the photos
# --------------------------------------------------------------------------


def bench_labels(analyzer):
    rows = read_tsv(PHOTOS / "SOURCES.tsv")
    views, stances = Counter(), Counter()
    for r in rows:
        res = analyzer.analyze(PHOTOS / r["file"])
        got = res.view if res.person_found else "none"
        views[(r["view"], got)] += 1
        if r["stance"] in ("straight", "hip_popped"):
            flag = {True: "hip_popped", False: "straight", None: "undetermined"}[
                res.stance.hip_popped
            ]
            stances[(r["stance"], flag)] += 1
    vlabels = ["front", "back", "side", "three-quarter", "none"]
    vcols = ["front", "back", "side", "unknown", "none"]
    view_rows = [[lab, *[views[(lab, c)] for c in vcols]] for lab in vlabels]
    clear = [k for k in views if k[0] in ("front", "back", "side")]
    acc = sum(views[k] for k in clear if k[0] == k[1]) / max(1, sum(views[k] for k in clear))
    scols = ["straight", "hip_popped", "undetermined"]
    stance_rows = [[lab] + [stances[(lab, c)] for c in scols] for lab in ("straight", "hip_popped")]
    return (
        table(["label \\ measured", *vcols], view_rows),
        acc,
        table(["label \\ measured", *scols], stance_rows),
    )


# --------------------------------------------------------------------------
# 4. Renders with exact truth
# --------------------------------------------------------------------------


def bench_renders(analyzer, rows_all, quick: bool):
    rows = [r for r in rows_all if r["view"] in ("front", "back")]
    results = {r["file"]: analyzer.analyze(SYNTH / r["file"]) for r in rows_all}
    view_ok = sum(results[r["file"]].view == r["view"] for r in rows_all)
    outline_d, point_d = [], defaultdict(list)
    depth_err, call_agrees, n_hand = [], [], 0
    pop_ok, weight_ok, weight_n, tilt_err, undetermined = 0, 0, 0, [], 0
    arms = Counter()
    for r in rows:
        res = results[r["file"]]
        exact = cv2.imread(str(SYNTH / r["mask_file"]), cv2.IMREAD_GRAYSCALE) > 127
        for side in SIDES:
            s = res.sides[side]
            frame, prof, distance = trace_exact(res, exact, side)
            if prof is None:
                continue
            outline = s.outline[np.isfinite(s.outline).all(axis=1)]
            if len(outline):
                outline_d.append(float(np.median(distance(outline))))
            for name in ("crest", "trochanter", "deepest"):
                p = getattr(s, name)
                if p is not None:
                    point_d[name].append(float(distance(p)[0]))
            if not s.measured or prof.valid.mean() < 0.9:
                continue
            if hand_joins(s, frame, distance):
                n_hand += 1
                continue
            depth = exact_depth(prof, frame)
            depth_err.append(abs(s.dip_depth_px - depth))
            call = same_call(res, side, depth)
            if call is not None:
                call_agrees.append(call)
        truth = r["stance"] == "hip_popped"
        pop_ok += res.stance.hip_popped is truth
        undetermined += res.stance.hip_popped is None
        if truth and res.stance.hip_popped:
            weight_n += 1
            weight_ok += res.stance.weight_side == r["raised_hip"]
        if truth and res.stance.pelvic_tilt_deg is not None:
            tilt_err.append(abs(res.stance.pelvic_tilt_deg - float(r["pelvic_tilt_deg"])))
        touching = r["arms"] == "touching"
        flagged = any(c.startswith("arm_touching") for c in res.warning_codes())
        arms[(touching, flagged)] += 1
    caught = arms[(True, True)] / max(1, arms[(True, True)] + arms[(True, False)])
    false_arm = arms[(False, True)] / max(1, arms[(False, True)] + arms[(False, False)])
    out = [
        ["view accuracy (all renders)", f"{view_ok}/{len(rows_all)}", ">= 95%"],
        [
            "outline to exact edge, median over sides of the median abs(d)",
            f"{np.median(outline_d):.2f} px (p90 {pct(outline_d, 90):.2f})",
            "<= 0.8 px",
        ],
    ]
    for name in ("crest", "trochanter", "deepest"):
        out.append(
            [
                f"{name} point to exact edge, median",
                f"{np.median(point_d[name]):.2f} px "
                f"(p90 {pct(point_d[name], 90):.2f}, n={len(point_d[name])})",
                "",
            ]
        )
    out += [
        [
            "depth vs the same measurement on the exact mask, median abs(error)",
            f"{np.median(depth_err):.2f} px (p90 {pct(depth_err, 90):.2f}, n={len(depth_err)})",
            "<= 0.5 px",
        ],
        [
            "dip present/absent as on the exact mask (depth clear of the threshold by > 0.5 px)",
            f"{sum(call_agrees)}/{len(call_agrees)}",
            "",
        ],
        [
            "sides left out of the two rows above: a hand joins one mask only",
            f"{n_hand}",
            "",
        ],
        [
            "hip-popped agreement (front/back; undetermined counts as wrong)",
            f"{pop_ok}/{len(rows)} ({undetermined} undetermined)",
            ">= 95%",
        ],
        ["weight side right, of flagged hip-popped", f"{weight_ok}/{weight_n}", ">= 95%"],
        [
            "pelvic tilt error, hip-popped renders, median",
            f"{np.median(tilt_err):.1f} deg (p90 {pct(tilt_err, 90):.1f}, n={len(tilt_err)})",
            "<= 1.5 deg",
        ],
        [
            "arms touching the hips caught",
            f"{100 * caught:.0f}% "
            f"({arms[(True, True)]}/{arms[(True, True)] + arms[(True, False)]})",
            ">= 90%",
        ],
        [
            "arms apart flagged as touching",
            f"{100 * false_arm:.0f}% "
            f"({arms[(False, True)]}/{arms[(False, True)] + arms[(False, False)]})",
            "",
        ],
    ]
    return table(["renders with exact truth", "measured", "target"], out)


# --------------------------------------------------------------------------
# 5. Synthetic silhouettes
# --------------------------------------------------------------------------


def bench_clothing(analyzer, quick: bool) -> str:
    """What each side's outline is called on dressed renders, plain renders and named photos."""
    rows = read_tsv(CLOTHED / "labels.tsv")
    if quick:
        rows = rows[::5]
    calls: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        a = analyzer.analyze(CLOTHED / row["file"])
        for side, tag in (("left", "L"), ("right", "R")):
            s = a.sides[side]
            changed = row[f"outline_changed_{tag}"] == "yes"
            key = f"{row['garment']} ({'changes' if changed else 'keeps'} the hip outline)"
            calls[key][s.outline_source if s.measured else "not measured"] += 1
            calls[key]["present on a garment outline"] += bool(changed and s.dip_present)
    for row in front_back_renders(quick):
        a = analyzer.analyze(SYNTH / row["file"])
        for side in SIDES:
            s = a.sides[side]
            key = f"plain render, arms {row['arms']}"
            calls[key][s.outline_source if s.measured else "not measured"] += 1
    out = []
    for key, c in sorted(calls.items()):
        measured = c["body"] + c["clothing"] + c["uncertain"]
        flagged = c["clothing"] + c["uncertain"]
        out.append(
            [
                key,
                measured,
                f"{100 * flagged / max(measured, 1):.0f}%",
                c["clothing"],
                c["uncertain"],
                c["body"],
                c["not measured"],
                c["present on a garment outline"] if "changes" in key else "-",
            ]
        )
    header = [
        "renders",
        "sides measured",
        "called clothing or uncertain",
        "clothing",
        "uncertain",
        "body",
        "not measured",
        "dip_present true on a garment outline",
    ]
    text = table(header, out)
    named = ["pifu_ryota_front_blackbg.png", "faraz_saif_front_straight.jpg"]
    named += ["faraz_ramzan_front_apose.jpg", "faraz_arsalan_front_apose.jpg"]
    lines = []
    for name in named:
        a = analyzer.analyze(PHOTOS / name)
        said = ", ".join(
            f"{side} {s.outline_source} ({'dip' if s.dip_present else s.dip_present})"
            for side, s in a.sides.items()
            if s.measured
        )
        lines.append(f"- `{name}`: {said or 'not measured'}")
    return text + "\n\nPhotos with loose clothing at the hips:\n\n" + "\n".join(lines)


# --------------------------------------------------------------------------
# 7. The stance
# --------------------------------------------------------------------------

STANCE = ROOT.parent / "data" / "stance"
KNEES = (25, 26)  # MediaPipe's knee landmarks


def stance_figures(pairs: list[tuple[dict, object]]) -> dict:
    """The issue's stance figures over (labels row, Analysis) pairs.

    Straight (tilt 0) and hip-popped (|tilt| >= 5) renders count for the
    agreement, an undetermined stance as wrong; the slight ones (1-4.5 deg)
    only for the tilt and for how often they are flagged.
    """
    f = Counter()
    err, slight_err = [], []
    for r, a in pairs:
        t, s = float(r["pelvic_tilt_deg"]), a.stance
        kind = r["stance"]
        call = s.hip_popped
        knees = a.landmarks is not None and all(a.landmarks[k, 2] >= 0.5 for k in KNEES)
        f["knees"] += knees
        f["knees_determined"] += knees and call is not None
        f["undetermined"] += call is None
        f["n"] += 1
        if kind == "straight":
            f["straight"] += 1
            f["straight_ok"] += call is False
            f["straight_flagged"] += call is True
        elif kind == "hip_popped":
            f["popped"] += 1
            f["popped_found"] += call is True
            ok = call is True and s.weight_side == r["raised_hip"]
            f["popped_ok"] += ok
            if s.pelvic_tilt_deg is not None:
                err.append(abs(s.pelvic_tilt_deg - t))
        else:
            f["slight"] += 1
            f["slight_flagged"] += call is True
            if s.pelvic_tilt_deg is not None:
                slight_err.append(abs(s.pelvic_tilt_deg - t))
    f["agree"] = f["straight_ok"] + f["popped_ok"]
    return {"count": f, "err": err, "slight_err": slight_err}


def _share(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}% ({a}/{b})" if b else "-"


def stance_target_rows(fig: dict) -> list[list]:
    c, err = fig["count"], fig["err"]
    med = f"{np.median(err):.1f} deg (p90 {pct(err, 90):.1f}, n={len(err)})" if err else "-"
    slight = fig["slight_err"]
    return [
        [
            "hip-popped agreement (straight and |tilt| >= 5; undetermined counts as wrong)",
            _share(c["agree"], c["straight"] + c["popped"]),
            ">= 95%",
        ],
        [
            "weight side right, of the hip-popped renders flagged",
            _share(c["popped_ok"], c["popped_found"]),
            ">= 95%",
        ],
        ["hip-popped renders flagged", _share(c["popped_found"], c["popped"]), ""],
        ["pelvic tilt error, hip-popped renders, median", med, "<= 1.5 deg"],
        ["straight renders flagged", _share(c["straight_flagged"], c["straight"]), "<= 3%"],
        [
            "stance determined, renders where MediaPipe sees both knees",
            _share(c["knees_determined"], c["knees"]),
            ">= 90%",
        ],
        [
            "slight tilts (1-4.5 deg) flagged; their tilt error, median",
            f"{_share(c['slight_flagged'], c['slight'])}; "
            + (f"{np.median(slight):.1f} deg" if slight else "-"),
            "",
        ],
    ]


def bench_stance(analyzer, folder: Path, quick: bool) -> str:
    """The stance check on the held-out stance renders, the shared renders and the photos."""
    out = []
    held = [
        r
        for r in read_tsv(folder / "labels.tsv")
        if r["split"] == "heldout" and r["view"] in ("front", "back")
    ]
    held = held[:24] if quick else held
    pairs = [(r, analyzer.analyze(folder / r["file"])) for r in held]
    fig = stance_figures(pairs)
    out.append(
        f"Held-out stance renders ({len(pairs)} front and back views of "
        f"{len({r['body_id'] for r in held})} bodies no cue was tuned on):\n\n"
        + table(["target", "measured", "target"], stance_target_rows(fig))
    )
    groups = [
        ("legs swung: pelvis over the standing foot", lambda r: float(r["sway_deg"]) != 0),
        ("legs upright (the generator's recipe)", lambda r: float(r["sway_deg"]) == 0),
        ("arms apart", lambda r: r["arms"] == "apart"),
        ("arms touching the hips", lambda r: r["arms"] == "touching"),
        ("front views", lambda r: r["view"] == "front"),
        ("back views", lambda r: r["view"] == "back"),
        ("underwear", lambda r: r["outfit"] == "underwear"),
        ("shorts", lambda r: r["outfit"] == "shorts"),
        ("bodysuit", lambda r: r["outfit"] == "bodysuit"),
        ("camera rolled", lambda r: float(r["camera_roll_deg"]) != 0),
    ]
    rows = []
    for name, keep in groups:
        f = stance_figures([(r, a) for r, a in pairs if keep(r)])
        c, err = f["count"], f["err"]
        rows.append(
            [
                name,
                _share(c["agree"], c["straight"] + c["popped"]),
                _share(c["straight_flagged"], c["straight"]),
                _share(c["popped_found"], c["popped"]),
                f"{np.median(err):.1f}" if err else "-",
            ]
        )
    header = ["held-out renders", "agreement", "straight flagged", "hip-popped flagged"]
    out.append(table([*header, "median tilt error, deg"], rows))
    shared = [r for r in read_tsv(SYNTH / "labels.tsv") if r["view"] in ("front", "back")][
        : 10 if quick else None
    ]
    shared_pairs = [(r, analyzer.analyze(SYNTH / r["file"])) for r in shared]
    out.append(
        f"The shared renders ({len(shared_pairs)} front and back views, camera at hip height, "
        "legs upright; also never tuned on):\n\n"
        + table(["target", "measured", "target"], stance_target_rows(stance_figures(shared_pairs)))
    )
    lines = []
    for r in read_tsv(PHOTOS / "SOURCES.tsv"):
        a = analyzer.analyze(PHOTOS / r["file"])
        s = a.stance
        said = {True: "hip-popped", False: "straight", None: "undetermined"}[s.hip_popped]
        tilt = (
            "" if s.pelvic_tilt_deg is None else f"{s.pelvic_tilt_deg:+.1f} +- {s.tilt_sd_deg:.1f}"
        )
        used = ", ".join(c.name for c in s.cues if c.used) or "-"
        lines.append([r["file"], r["stance"], a.view or "-", said, tilt, s.weight_side or "", used])
    out.append(
        "Every shared real photo (label by eye in SOURCES.tsv):\n\n"
        + table(["photo", "label", "view", "stance", "tilt, deg", "weight", "cues used"], lines)
    )
    return "\n\n".join(out)


SYNTH_HIP_WIDTH = 2 * 0.42 * 300  # the synthetic body's widest width, pixels


def bench_synthetic(quick: bool):
    from support.bodies import Body, FakePose, image_for, make_body

    rows = []
    depths = (0.0, 3.0, 6.0, 12.0)
    widths = (0.10, 0.15, 0.20)
    conditions = [
        ("clean", 0.0, 0.0),
        ("noise 0.05", 0.0, 0.05),
        ("blur 2 px", 2.0, 0.0),
        ("blur 2 px + noise 0.05", 2.0, 0.05),
    ]
    rng = np.random.default_rng(0)
    for cname, blur, noise in conditions:
        errs, present_at_0, detected = [], [], []
        for depth in depths:
            for hw in widths[: 1 if quick else None]:
                mask, lm = make_body(Body(dip_left_px=depth, dip_half_width=hw))
                if blur:
                    mask = cv2.GaussianBlur(mask, (0, 0), blur)
                if noise:
                    mask = np.clip(mask + rng.normal(0, noise, mask.shape).astype(np.float32), 0, 1)
                with Analyzer(pose_backend=FakePose(PoseEstimate(lm, mask))) as a:
                    r = a.analyze(image_for(mask)).left
                errs.append(abs(r.dip_depth_px - depth))
                if depth == 0:
                    present_at_0.append(r.dip_present is True)
                elif depth / SYNTH_HIP_WIDTH >= 0.02:
                    detected.append(r.dip_present is True)
        det = detected
        rows.append(
            [
                cname,
                len(errs),
                f"{np.median(errs):.2f}",
                f"{max(errs):.2f}",
                f"{100 * np.mean(det):.0f}%" if det else "-",
                f"{100 * np.mean(present_at_0):.0f}%",
            ]
        )
    header = [
        "mask condition",
        "cases",
        "median abs(depth error), px",
        "max, px",
        "detected (d >= 2% of hip width)",
        "false dips (d = 0)",
    ]
    return table(header, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--sections", default="1234567", help="which sections to run, e.g. 14 (default: all)"
    )
    ap.add_argument(
        "--stance-renders",
        type=Path,
        default=STANCE,
        help="renders of benchmarks/render_stance.py, for section 7 (default ../data/stance)",
    )
    args = ap.parse_args()
    run = set(args.sections)
    if not (PHOTOS / "SOURCES.tsv").exists():
        sys.exit(f"needs the shared photos at {PHOTOS}")
    with Analyzer() as analyzer:
        photos = [(p.name, load_image(p)) for p in front_back_photos(args.quick)]
        renders = [
            (r["file"], load_image(SYNTH / r["file"])) for r in front_back_renders(args.quick)
        ]
        print(f"Threshold for 'dip present': {100 * DIP_THRESHOLD_RATIO:.1f}% of hip width.\n")
        for title, images in (("real photos", photos), ("renders", renders)):
            if "1" not in run:
                break
            text, skipped = bench_injection(analyzer, images)
            print(f"## 1. Dip injection into {title} ({len(images)} images)\n\n{text}\n")
            print(
                "Sides not measured (and so not injected): "
                + ", ".join(f"{k}: {v}" for k, v in skipped.most_common())
                + "\n"
            )
        if "2" in run:
            n = len(photos) + len(renders)
            print(f"## 2. Invariance (real photos and renders, {n} images)\n")
            print(bench_invariance(analyzer, photos + renders) + "\n")
        if "3" in run:
            vtab, vacc, stab = bench_labels(analyzer)
            print(
                f"## 3. Labels of the real photos\n\nView (accuracy on front/back/side labels: "
                f"{100 * vacc:.0f}%):\n\n{vtab}\n\nStance:\n\n{stab}\n"
            )
        if "4" in run:
            print("## 4. Renders with exact truth\n")
            print(bench_renders(analyzer, read_tsv(SYNTH / "labels.tsv"), args.quick) + "\n")
        if "6" in run:
            print("## 6. Clothing: is the outline the body's?\n")
            print(bench_clothing(analyzer, args.quick) + "\n")
        if "7" in run:
            if (args.stance_renders / "labels.tsv").exists():
                print("## 7. The stance\n")
                print(bench_stance(analyzer, args.stance_renders, args.quick) + "\n")
            else:
                print(f"## 7. The stance: skipped, no renders at {args.stance_renders}\n")
    if "5" in run:
        print("## 5. Synthetic silhouettes (known notch depth; notch half-widths 0.10-0.20 T)\n")
        print(bench_synthetic(args.quick))


if __name__ == "__main__":
    main()
