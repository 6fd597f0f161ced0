"""Fit the stance cues' calibration (``core/posture.py``: CALIBRATION) on renders, check on photos.

Reads the stance renders of ``benchmarks/render_stance.py`` and their cached pose estimates
(``benchmarks/stance_data.py cache``), measures every cue's line angle with the package's own
functions, and fits, on the ``tune`` split only (bodies with ``body_id % 3 != 2``):

- each cue's gain: the cue's angle regressed on the true tilt through the origin (the cue
  measures the tilt with noise; regressing the tilt on the cue would shrink every estimate
  towards level), so that ``tilt = gain x angle``; cues in ``FIXED_GAIN`` keep theirs;
- its uncertainty: the robust SD (1.4826 x MAD) of the tilt it then gives.

Then it reports how the combination does on both splits with the fitted values, and how it
reads the shared real photos (``--photos``, with their cached estimates), so that a change can
be judged, on the renders and on real people, before pasting the values into
``core/posture.py``. Run from the project root:

    .venv/bin/python benchmarks/fit_stance.py --renders /work/data/stance \\
        --cache /work/data/stance-cache --photos ../shared/photos \\
        --photos-cache /work/data/photos-cache

The angles are kept in ``CACHE/angles.json`` (``--remeasure`` to measure again).

``--pairs DIR`` reads instead the tilt pairs of ``benchmarks/render_stance.py --pairs`` (the same
body and camera, the pelvis tilted by 0, 5 and 10 deg either way, legs upright or swung) and
prints how far each landmark of the exact silhouette moves with the tilt, on the raised and on
the lowered side: what a photo of that pose can show at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from stance_data import load, read_tsv  # noqa: E402

from silhouette.core import posture  # noqa: E402
from silhouette.core.anatomy import body_frame, is_standing  # noqa: E402
from silhouette.core.mask import refine_around_hips, select_person  # noqa: E402
from silhouette.core.view import body_yaw_deg, classify_view  # noqa: E402

CUES = tuple(posture.CALIBRATION)
VIEWS = ("front", "back")


def measure_angles(cached) -> dict | None:
    """Every cue's angle on one cached image, as the measurement chain would see it."""
    est = cached.estimate
    if est is None:
        return None
    lm = est.landmarks
    person = select_person(est.mask, lm)
    if person is None:
        return None
    shape = cached.rgb.shape[:2]
    frame = body_frame(lm, shape)
    if frame is None:
        return None
    view = classify_view(body_yaw_deg(lm, frame))
    if view not in ("front", "back") or not is_standing(frame, lm, shape):
        return {"view": view}
    mask = refine_around_hips(person.soft, cached.rgb, frame)
    widest, matched, _ = posture.outline_angles(mask, frame, lm)
    return {
        "view": view,
        "widest": widest,
        "matched": matched,
        "waistband": posture.waistband_angle(cached.rgb, mask, frame),
        "knees": posture.knee_angle(frame, lm, shape),
        "hip_landmarks": posture.hip_landmark_angle(frame, lm),
        "legs": posture.leg_shift_angle(frame, lm, shape),
    }


def outline_of(a: dict) -> float | None:
    w, m = a.get("widest"), a.get("matched")
    return w if m is None or w is None else (w + m) / 2.0


def angle_of(a: dict, cue: str) -> float | None:
    return outline_of(a) if cue == "outline" else a.get(cue)


def fit(rows: list[dict], angles: dict) -> dict:
    models = {}
    for cue, view in [(c, v) for c in CUES for v in VIEWS]:
        x, t = [], []
        for r in rows:
            a = angles.get(r["file"])
            v = None if a is None or a["view"] != view else angle_of(a, cue)
            if v is not None:
                x.append(v)
                t.append(float(r["pelvic_tilt_deg"]))
        x, t = np.array(x), np.array(t)
        if cue in posture.FIXED_GAIN:
            gain = posture.FIXED_GAIN[cue]
        else:
            gain = float(np.sum(t * t) / np.sum(x * t))  # angle = tilt / gain
        res = gain * x - t
        sd = 1.4826 * float(np.median(np.abs(res - np.median(res))))
        models.setdefault(cue, {})[view] = posture.CueModel(round(gain, 3), round(sd, 2))
        print(f"{cue:14s} {view:5s} n={len(x):3d} gain {gain:6.3f}  sd {sd:5.2f} deg")
    posture.CALIBRATION.update(models)
    return models


def combined(a: dict | None):
    if a is None or "hip_landmarks" not in a:
        return None
    cues = [posture._cue(c, angle_of(a, c), a["view"]) for c in CUES if angle_of(a, c) is not None]
    out, tilt, sd, problem = posture.combine_cues(cues)
    return tilt, sd, problem, out


def decide(a: dict | None, threshold: float) -> tuple[float | None, bool | None]:
    """(tilt, hip_popped) as ``estimate_posture`` would give them, or (None, None)."""
    est = combined(a)
    if est is None or est[0] is None:
        return None, None
    popped, _ = posture.decide(est[0], est[1], threshold_deg=threshold)
    return est[0], popped


def report(name: str, rows: list[dict], angles: dict, threshold: float) -> None:
    straight = popped = flagged = found = undet = side_ok = 0
    err, z = [], []
    for r in rows:
        t = float(r["pelvic_tilt_deg"])
        a = angles.get(r["file"])
        tilt, call = decide(a, threshold)
        if a is None or "hip_landmarks" not in a:
            continue
        undet += call is None
        if r["stance"] == "straight":
            straight += 1
            flagged += call is True
        elif r["stance"] == "hip_popped":
            popped += 1
            if call:
                found += 1
                side_ok += (tilt > 0) == (t > 0)
            if tilt is not None:
                err.append(abs(tilt - t))
        if tilt is not None:
            z.append((tilt - t) / combined(a)[1])
    agree = (straight - flagged + side_ok) / max(1, straight + popped)
    zs = 1.4826 * float(np.median(np.abs(z)))
    print(
        f"{name}: agreement {100 * agree:.1f}% (straight flagged {flagged}/{straight}, popped "
        f"found {found}/{popped}, side right {side_ok}/{found}), undetermined {undet}/{len(rows)}, "
        f"median |tilt error| on popped {np.median(err):.2f} deg; error / stated SD: {zs:.2f}"
    )


def photos(folder: Path, cache: Path, threshold: float) -> None:
    """How the shared real photos labelled straight or hip-popped are read."""
    for r in read_tsv(folder / "SOURCES.tsv"):
        if r["stance"] not in ("straight", "hip_popped"):
            continue
        a = measure_angles(load(folder, cache, r["file"]))
        tilt, call = decide(a, threshold)
        said = {True: "hip-popped", False: "straight", None: "undetermined"}[call]
        t = "" if tilt is None else f"{tilt:+.1f} deg"
        print(f"  {r['file']:40s} labelled {r['stance']:10s} read {said:12s} {t}")


def _silhouette_levels(mask: np.ndarray, joints: dict, left_on_image_right: bool) -> dict:
    """Heights (image rows) of the outline's landmarks on each of the person's sides.

    The camera is not rolled, so rows are heights. Per side: ``waist``, the centre of the
    narrowest part of the outline within 0.45 T above the hip joints; ``widest``, the centre of
    the widest part from 0.05 T above to 0.5 T below (each within 0.03 T of the extreme);
    and the whole body's ``crotch`` (top of the gap between the thighs). T: shoulder-to-hip
    height of the joints.
    """
    hip_y = 0.5 * (joints["hipjoint_L"][1] + joints["hipjoint_R"][1])
    mid_x = round(0.5 * (joints["hipjoint_L"][0] + joints["hipjoint_R"][0]))
    T = 0.5 * (joints["shoulder_L"][1] + joints["shoulder_R"][1])
    T = hip_y - T
    rows = np.arange(round(hip_y - 0.5 * T), round(hip_y + 0.6 * T))
    reach = {"img_left": np.full(rows.size, np.nan), "img_right": np.full(rows.size, np.nan)}
    crotch = None
    for i, y in enumerate(rows):
        row = mask[y]
        if not row[mid_x]:
            crotch = y if crotch is None else crotch
            continue
        r = mid_x + np.argmin(row[mid_x:]) - 1 if not row[mid_x:].all() else row.size - 1
        lft = mid_x - np.argmin(row[mid_x::-1]) + 1 if not row[mid_x::-1].all() else 0
        reach["img_left"][i], reach["img_right"][i] = mid_x - lft, r - mid_x
    out = {"crotch": crotch}
    for img_side, u in reach.items():
        side = "left" if (img_side == "img_right") == left_on_image_right else "right"
        up = (rows >= hip_y - 0.45 * T) & (rows <= hip_y) & np.isfinite(u)
        down = (rows >= hip_y - 0.05 * T) & (rows <= hip_y + 0.5 * T) & np.isfinite(u)
        w = np.clip((np.min(u[up]) + 0.03 * T) - u[up], 0, None)
        out[f"waist_{side}"] = float(np.sum(rows[up] * w) / np.sum(w))
        w = np.clip(u[down] - (np.max(u[down]) - 0.03 * T), 0, None)
        out[f"widest_{side}"] = float(np.sum(rows[down] * w) / np.sum(w))
    return out


def pairs(folder: Path) -> None:
    """How far the silhouette's landmarks move with the tilt (see the module docstring)."""
    import cv2

    meta = {m["name"]: m for m in json.loads((folder / "pairs.json").read_text())}
    moved = {}
    for m in meta.values():
        if m["pelvic_tilt_deg"] == 0:
            continue
        ref = meta[m["name"].rsplit("_t", 1)[0] + "_t+0"]
        lv = {}
        for k in (m, ref):
            mask = cv2.imread(str(folder / f"{k['name']}_mask.png"), cv2.IMREAD_GRAYSCALE) > 0
            lv[k["name"]] = _silhouette_levels(mask, k, k["view"] == "front")
        now, before = lv[m["name"]], lv[ref["name"]]
        up, down = ("left", "right") if m["pelvic_tilt_deg"] > 0 else ("right", "left")
        sd = {"left": "L", "right": "R"}
        row = {}
        for label, side in (("raised", up), ("lowered", down)):
            row[f"hip joint, {label}"] = (
                m[f"hipjoint_{sd[side]}"][1] - ref[f"hipjoint_{sd[side]}"][1]
            )
            row[f"waist, {label}"] = now[f"waist_{side}"] - before[f"waist_{side}"]
            row[f"widest part, {label}"] = now[f"widest_{side}"] - before[f"widest_{side}"]
            row[f"knee, {label}"] = m[f"knee_{sd[side]}"][1] - ref[f"knee_{sd[side]}"][1]
        row["crotch"] = now["crotch"] - before["crotch"]
        key = (m["view"], m["legs"], abs(round(m["pelvic_tilt_deg"])))
        moved.setdefault(key, []).append(row)
    names = list(next(iter(moved.values()))[0])
    print("Downward movement in px against the same body at tilt 0 (mean over bodies and sides):")
    print("| view, legs, tilt | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in sorted(moved):
        vals = [np.mean([r[n] for r in moved[key]]) for n in names]
        print(
            f"| {key[0]}, {key[1]}, {key[2]} deg | " + " | ".join(f"{v:+.0f}" for v in vals) + " |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--renders", type=Path)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--pairs", type=Path, help="read the tilt pairs in this folder instead")
    ap.add_argument("--remeasure", action="store_true")
    ap.add_argument("--photos", type=Path, help="folder of real photos with SOURCES.tsv")
    ap.add_argument("--photos-cache", type=Path, help="their cached estimates")
    args = ap.parse_args()
    if args.pairs is not None:
        pairs(args.pairs)
        return
    if args.renders is None or args.cache is None:
        ap.error("--renders and --cache are required (or --pairs)")
    rows = [r for r in read_tsv(args.renders / "labels.tsv") if r["view"] in ("front", "back")]
    store = args.cache / "angles.json"
    angles = {} if args.remeasure or not store.exists() else json.loads(store.read_text())
    todo = [r for r in rows if r["file"] not in angles]
    for i, r in enumerate(todo):
        angles[r["file"]] = measure_angles(load(args.renders, args.cache, r["file"]))
        if (i + 1) % 50 == 0:
            print(f"measured {i + 1}/{len(todo)}", flush=True)
    if todo:
        store.write_text(json.dumps(angles))
    tune = [r for r in rows if r["split"] == "tune"]
    held = [r for r in rows if r["split"] == "heldout"]
    models = fit(tune, angles)
    print("\nCALIBRATION = {")
    for cue, m in models.items():
        f, b = m["front"], m["back"]
        front, back = f"CueModel({f.gain}, {f.sd_deg})", f"CueModel({b.gain}, {b.sd_deg})"
        print(f'    "{cue}": {{"front": {front}, "back": {back}}},')
    print("}\n")
    for thr in (3.0, 3.5, posture.TILT_THRESHOLD_DEG, 4.5):
        print(f"threshold {thr}")
        report("  tune   ", tune, angles, thr)
        report("  heldout", held, angles, thr)
    if args.photos is not None and args.photos_cache is not None:
        print(f"real photos, threshold {posture.TILT_THRESHOLD_DEG}")
        photos(args.photos, args.photos_cache, posture.TILT_THRESHOLD_DEG)


if __name__ == "__main__":
    main()
