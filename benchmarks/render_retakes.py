"""Render retakes of synthetic bodies with exactly known silhouettes.

Two sets, made with the anny generator in ../shared/tools/synth (render.py, used unchanged):

- ``retakes``: the same unchanged body photographed again and again, as in progress photos. Per
  body (shape from the generator's ``sample_params``; view front for even body ids, back for odd;
  straight stance; arms apart) 10 retakes with capture variation -- camera distance uniform
  2.4-3.2 m, camera height uniform +-5 cm around hip-joint height, roll uniform +-1.5 deg, body
  yaw uniform +-4 deg around 0 or 180, principal point jittered by up to +-10 px on each axis --
  and 3 "floor" retakes with none (2.8 m, height 0, roll 0, yaw exactly 0/180, centred principal
  point) where only lighting, background and sensor noise differ. Every image of a set gets
  fresh lighting, background and noise.
- ``camera``: front views, one factor varied at a time from the base (3.0 m, height 0, yaw 0,
  roll 0): distance 2.5/3.5 m, height -20/-10/+10/+20 cm, yaw 5/10/15/20 deg, roll 2/4 deg. The
  base is rendered once per body and belongs to every factor's series. Lighting, background and
  noise are the same for all images of a body, so only the geometry changes. ``--levels``
  renders other levels instead (e.g. ``--levels yaw=30,-20 --levels roll=8``).
- ``compare``: test pairs for ``silhouette compare``. Per body (front view, straight, arms apart,
  underwear whatever the sampled outfit) the base (3.0 m, height 0, yaw 0, roll 0), the same at
  2.5 and 3.5 m, the same turned 20 degrees (yaw), and the same camera as the base on a body
  whose shape was changed by ``--change`` (kind ``shape``; default hip-scale-horiz-incr -0.6:
  narrower hips). Lighting, background, noise and colours as in the camera set.

Camera: a pinhole at hip-joint height plus the height offset, at the given horizontal distance
from the pelvis centre, always aimed at the point below the pelvis centre at the body's
mid-height (0-12 cm below the hip joints), as a photographer frames the whole body: at height 0
it looks down 0-2.5 deg, more when raised (``camera_pitch_deg`` < 0 = looking down). So the
pelvis stays near the image centre and its depth along the optical axis equals the distance to
within 0.4%. Yaw swings the camera around the pelvis; roll turns it about its optical axis.
The focal length is fixed per body: the body fills 85% of the image height at 2.8 m, height 0,
roll 0, so it looks bigger when closer, like a phone that never zooms. The body's skin and
outfit colours are drawn once per body. Everything follows from ``--seed``; the set name and
body id pick the random streams, so each image is reproducible on its own.

Run from the project root with the generator's venv (torch 2.13.0 + anny, see the generator's
README), not the project's, with the model cache somewhere writable; the renders go beside the
project, where ``benchmarks/repeatability.py`` looks for them (about 50 MB, 5 minutes)::

    python3 -m venv ../synth-venv
    ../synth-venv/bin/pip install torch==2.13.0 anny numpy opencv-python-headless
    export ANNY_CACHE_DIR=../renders/.anny-cache WARP_CACHE_PATH=../renders/.anny-cache/warp
    ../synth-venv/bin/python benchmarks/render_retakes.py retakes --out ../renders/retakes
    ../synth-venv/bin/python benchmarks/render_retakes.py camera --out ../renders/camera

Writes to OUT, 720x1280 like ../shared/synth: ``bNNN_<kind>_<i>.jpg`` (JPEG q92),
``bNNN_<kind>_<i>_mask.png`` (exact person mask, 1-bit PNG), ``labels.tsv`` (one row per image,
columns explained in ``README.txt``) and ``README.txt``. A rerun into the same folder resumes:
images whose files and labels row exist are kept. Use a new folder for another seed.
"""

from __future__ import annotations

import argparse
import copy
import csv
import importlib
import math
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
W, H = 720, 1280
FILL, FOCAL_DIST_M = 0.85, 2.8  # the body fills 85% of the image height at 2.8 m
SET_CODES = {"retakes": 1, "camera": 2, "compare": 3}  # keeps the sets' bodies apart
RETAKES, FLOORS = 10, 3
STILL = {
    "dist_m": 3.0,
    "height_cm": 0.0,
    "yaw_deg": 0.0,
    "roll_deg": 0.0,
    "pp_dx_px": 0.0,
    "pp_dy_px": 0.0,
}  # the camera set's base; floors and the focal use it at 2.8 m
CAMERA_FACTORS = {
    "distance": ("dist_m", [2.5, 3.5]),
    "height": ("height_cm", [-20.0, -10.0, 10.0, 20.0]),
    "yaw": ("yaw_deg", [5.0, 10.0, 15.0, 20.0]),
    "roll": ("roll_deg", [2.0, 4.0]),
}
COMPARE_CHANGE = {"hip-scale-horiz-incr": -0.6}  # the compare set's default shape change
SHAPE_KEYS = [  # render.py's PHENOS and LOCAL_CHANGES
    "gender",
    "age",
    "muscle",
    "weight",
    "height",
    "proportions",
    "hip-scale-horiz-incr",
    "hip-waist-up",
    "pelvis-tone-incr",
    "buttocks-volume-incr",
]


def captures(set_name, rng, factors=None):
    """The captures of one body: list of dicts (kind, index, dist_m, height_cm, yaw_deg,
    roll_deg, pp_dx_px, pp_dy_px). ``factors`` replaces CAMERA_FACTORS for the camera set."""
    if set_name == "compare":
        return [
            dict(STILL, kind="base", index=0),
            dict(STILL, kind="distance", index=0, dist_m=2.5),
            dict(STILL, kind="distance", index=1, dist_m=3.5),
            dict(STILL, kind="yaw", index=0, yaw_deg=20.0),
            dict(STILL, kind="shape", index=0),
        ]
    if set_name == "camera":
        out = [dict(STILL, kind="base", index=0)]
        for kind, (key, values) in (factors or CAMERA_FACTORS).items():
            out += [dict(STILL, kind=kind, index=i, **{key: v}) for i, v in enumerate(values)]
        return out
    out = [
        dict(
            kind="retake",
            index=i,
            dist_m=rng.uniform(2.4, 3.2),
            height_cm=rng.uniform(-5, 5),
            yaw_deg=rng.uniform(-4, 4),
            roll_deg=rng.uniform(-1.5, 1.5),
            pp_dx_px=rng.uniform(-10, 10),
            pp_dy_px=rng.uniform(-10, 10),
        )
        for i in range(RETAKES)
    ]
    return out + [dict(STILL, kind="floor", index=i, dist_m=FOCAL_DIST_M) for i in range(FLOORS)]


def camera(V, J, body, cap, azimuth_deg, focal_px):
    """Pinhole camera for capture ``cap`` (see ``captures``), framing the whole body.

    Returns render.py's camera dict plus ``pitch_deg`` (< 0 = looking down). The camera stands
    ``cap["height_cm"]`` above hip-joint height, ``cap["dist_m"]`` horizontally from the pelvis
    centre, and aims at the point below that centre at the body's mid-height. ``azimuth_deg``
    follows render.py (0 = in front of the body, +90 = on its left); roll > 0 turns the scene
    clockwise.
    """
    hip_z = 0.5 * (J[body.idx["upperleg01.L"], 2] + J[body.idx["upperleg01.R"], 2])
    target = J[body.idx["root"]].copy()
    target[2] = 0.5 * (V[:, 2].min() + V[:, 2].max())
    az, d = math.radians(azimuth_deg), cap["dist_m"]
    C = np.array([target[0] + d * math.sin(az), target[1] - d * math.cos(az), hip_z])
    C[2] += cap["height_cm"] / 100
    fwd = (target - C) / np.linalg.norm(target - C)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, fwd)
    c, s = math.cos(math.radians(cap["roll_deg"])), math.sin(math.radians(cap["roll_deg"]))
    R = np.stack([c * right + s * up, -s * right + c * up, fwd])
    cx, cy = W / 2 + cap["pp_dx_px"], H / 2 + cap["pp_dy_px"]
    pitch_deg = math.degrees(math.asin(fwd[2]))
    return dict(C=C, R=R, f=float(focal_px), cx=cx, cy=cy, pitch_deg=pitch_deg)


def fixed_focal(V, J, body, azimuth_deg):
    """Focal length (px) at which the body fills FILL of the image height at FOCAL_DIST_M."""
    cam = camera(V, J, body, dict(STILL, dist_m=FOCAL_DIST_M), azimuth_deg, 1.0)
    Pc = (V - cam["C"]) @ cam["R"].T
    y = Pc[:, 1] / Pc[:, 2]
    return FILL * H / (y.max() - y.min())


def xy(p):
    return f"{p[0]:.1f},{p[1]:.1f}"


def clipped_edges(mask):
    edges = {"top": mask[0], "bottom": mask[-1], "left": mask[:, 0], "right": mask[:, -1]}
    return ",".join(k for k, v in edges.items() if v.any()) or "none"


def save(img_bgr, mask, stem, quality=92):
    """JPEG image and 1-bit PNG mask, each written whole (temp file, then rename)."""
    for array, path, fmt, opts in (
        (img_bgr[..., ::-1], f"{stem}.jpg", "JPEG", {"quality": quality}),
        (mask > 0, f"{stem}_mask.png", "PNG", {}),
    ):
        Image.fromarray(np.ascontiguousarray(array)).save(path + ".part", fmt, **opts)
        os.replace(path + ".part", path)


def changed_shape(gen, shape, change):
    """``shape`` with the deltas of ``change`` added, phenotypes kept in [0, 1] and local
    changes in [-1, 1]."""
    out = dict(shape)
    for key, delta in change.items():
        lo = 0.0 if key in gen.PHENOS else -1.0
        out[key] = float(np.clip(out[key] + delta, lo, 1.0))
    return out


def render_body(gen, body, set_name, b, seed, out, done, factors=None, change=None, quality=92):
    """Render (or reuse from ``done``, keyed by file name) all images of body ``b``.

    ``factors``: the camera set's levels (see ``captures``); ``change``: the compare set's
    shape change (default COMPARE_CHANGE); ``quality``: JPEG quality."""
    code = SET_CODES[set_name]
    rng = np.random.default_rng([seed, code, b])
    prm = gen.sample_params(rng)
    view = "back" if set_name == "retakes" and b % 2 else "front"
    arm_abd = prm["arm_abd"] if prm["arms"] == "apart" else float(rng.uniform(20, 30))
    if set_name == "compare":
        prm["outfit"] = "underwear"
    caps = captures(set_name, np.random.default_rng([seed, code, b, 1]), factors)
    names = [f"b{b:03d}_{c['kind']}_{c['index']}" for c in caps]
    if all(n + ".jpg" in done and (out / f"{n}_mask.png").exists() for n in names):
        return [done[n + ".jpg"] for n in names]

    pz = body.pose(prm["shape"], 0.0, arm_abd, False, prm["elbow"])
    V, J, idx = pz["V"], pz["J"], body.idx
    colour_rng = copy.deepcopy(rng)  # the changed body of the compare set gets the same colours
    col, layers = gen.vertex_colors(
        body, pz["restV"], pz["restJ"], rng, prm["outfit"], prm["shape"]["gender"]
    )
    base_az = 180.0 if view == "back" else 0.0
    focal = fixed_focal(V, J, body, base_az)
    shapes = {"base": (prm["shape"], V, J, col, layers, pz)}
    if any(c["kind"] == "shape" for c in caps):
        # The changed body: same pose, same colours, same focal length.
        shape = changed_shape(gen, prm["shape"], COMPARE_CHANGE if change is None else change)
        pz2 = body.pose(shape, 0.0, arm_abd, False, prm["elbow"])
        col2, layers2 = gen.vertex_colors(
            body, pz2["restV"], pz2["restJ"], colour_rng, prm["outfit"], shape["gender"]
        )
        shapes["shape"] = (shape, pz2["V"], pz2["J"], col2, layers2, pz2)
    rows = []
    for i, (cap, name) in enumerate(zip(caps, names, strict=True)):
        if name + ".jpg" in done and (out / f"{name}_mask.png").exists():
            rows.append(done[name + ".jpg"])
            continue
        t0 = time.time()
        az = base_az + cap["yaw_deg"]
        shape, V, J, col, layers, pz = shapes["shape" if cap["kind"] == "shape" else "base"]
        cam = camera(V, J, body, cap, az, focal)
        # camera/compare sets: one lighting/background/noise per body; retakes: fresh per image
        stream = [seed, code, b, 2, i] if set_name == "retakes" else [seed, code, b, 2]
        render_rng = np.random.default_rng(stream)
        img, mask, background = gen.render(
            V, body.faces, col, cam, render_rng, pz["restV"][:, 2], layers
        )
        save(img, mask, str(out / name), quality)
        J2, _ = gen.project(J, cam)
        dip = gen.mask_hip_dip(mask > 0, J, body, cam, view)
        rows.append(
            dict(
                file=name + ".jpg",
                mask_file=name + "_mask.png",
                body_id=b,
                retake=cap["index"],
                kind=cap["kind"],
                view=view,
                stance="straight",
                arms="apart",
                arm_abduction_deg=round(0.5 * (pz["arm_final"]["L"] + pz["arm_final"]["R"]), 1),
                view_azimuth_deg=round(az, 2),
                camera_distance_m=round(cap["dist_m"], 3),
                camera_height_cm=round(cap["height_cm"], 2),
                camera_pitch_deg=round(cam["pitch_deg"], 3),
                camera_roll_deg=round(cap["roll_deg"], 2),
                focal_px=round(focal, 1),
                principal_point_xy=xy((cam["cx"], cam["cy"])),
                px_per_cm=round(focal / cap["dist_m"] / 100, 3),
                image_side_of_person_left=gen.image_side_of_left(view),
                gt_hipjoint_L_xy=xy(J2[idx["upperleg01.L"]]),
                gt_hipjoint_R_xy=xy(J2[idx["upperleg01.R"]]),
                gt_knee_L_xy=xy(J2[idx["lowerleg01.L"]]),
                gt_knee_R_xy=xy(J2[idx["lowerleg01.R"]]),
                **{k: round(v, 3) for k, v in shape.items()},
                outfit=prm["outfit"],
                background=background,
                mask_clipped=clipped_edges(mask > 0),
                approx_mask_hipdip_L_px=dip["L"][0],
                approx_mask_hipdip_L_cm=dip["L"][1],
                approx_mask_hipdip_R_px=dip["R"][0],
                approx_mask_hipdip_R_cm=dip["R"][1],
            )
        )
        print(f"{name} {view} {time.time() - t0:.2f}s", flush=True)
    return rows


def write_labels(path, rows):
    with open(f"{path}.part", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(f"{path}.part", path)


README = """\
{title}, rendered by silhouette's benchmarks/render_retakes.py with the anny generator
({generator}, unchanged). Made in {cwd} with ANNY_CACHE_DIR={cache} by:

    {command}

seed {seed}, {n_bodies} bodies, {n_images} images, 720x1280. How the set varies, the camera model
and the random streams: see the docstring of benchmarks/render_retakes.py.

NAME.jpg = image (JPEG q{quality}); NAME_mask.png = exact person mask (1-bit PNG), the rendered
silhouette before the 0.6-px blur and noise applied to the image only.

labels.tsv columns (same names and conventions as ../shared/synth/labels.tsv where they overlap)
 file, mask_file
 body_id, retake, kind   body, image index within its kind; kind = {kinds}{change}
 view                    front | back;  stance, arms: always straight, apart
 arm_abduction_deg       mean upper-arm angle from vertical (frontal plane)
 view_azimuth_deg        0 = camera in front of the body, 180 = behind, +90 = on its left side
 camera_distance_m       horizontal, camera to the pelvis centre
 camera_height_cm        camera height minus hip-joint height; the camera aims at the body's
                         mid-height below the pelvis centre
 camera_pitch_deg        resulting pitch of the optical axis, < 0 = looking down
 camera_roll_deg         > 0: scene appears rotated CLOCKWISE in the image
 focal_px                pinhole focal length, fixed per body (85% height fill at 2.8 m)
 principal_point_xy      px
 px_per_cm               focal_px / camera_distance_m / 100, scale at the pelvis (within 0.4%)
 image_side_of_person_left   right for front views, left for back views
 gt_hipjoint_L_xy / _R_xy, gt_knee_L_xy / _R_xy   projected 3D joint centres (px, x,y), anatomical
 gender age muscle weight height proportions   anny phenotypes in [0,1] (gender 0 = male)
 hip-scale-horiz-incr hip-waist-up pelvis-tone-incr buttocks-volume-incr   anny local changes
 outfit                  underwear | shorts | bodysuit (colour only; silhouette = body)
 background              plain | texture
 mask_clipped            image edges the mask touches (top,bottom,left,right) or none
 approx_mask_hipdip_{{L,R}}_{{px,cm}}   APPROXIMATE helper from render.py: max inward deviation of
                         the mask outline from the chord, 10 cm above .. 2 cm below the hip joint;
                         > 0 concave. Not an anatomical ground truth.
"""


def parse_levels(ap, args):
    """``--levels`` as a CAMERA_FACTORS-like dict, or None when not given."""
    if not args.levels:
        return None
    if args.set != "camera":
        ap.error("--levels applies to the camera set only")
    factors = {}
    for item in args.levels:
        kind, _, values = item.partition("=")
        if kind not in CAMERA_FACTORS:
            ap.error(f"--levels: unknown factor {kind!r}, expected one of {sorted(CAMERA_FACTORS)}")
        try:
            factors[kind] = (CAMERA_FACTORS[kind][0], [float(v) for v in values.split(",")])
        except ValueError:
            ap.error(f"--levels: expected FACTOR=number,number,..., got {item!r}")
    return factors


def parse_change(ap, args):
    """``--change`` as a dict of shape deltas, or None when not given."""
    if not args.change:
        return None
    if args.set != "compare":
        ap.error("--change applies to the compare set only")
    change = {}
    for item in args.change:
        key, _, delta = item.partition("=")
        if key not in SHAPE_KEYS:
            ap.error(f"--change: unknown shape key {key!r}, expected one of {SHAPE_KEYS}")
        try:
            change[key] = float(delta)
        except ValueError:
            ap.error(f"--change: expected KEY=number, got {item!r}")
    return change


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set", choices=sorted(SET_CODES), help="which set to render")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument(
        "--bodies", type=int, help="number of bodies (default 24 retakes, 8 camera, 1 compare)"
    )
    ap.add_argument(
        "--body-ids",
        type=lambda t: [int(x) for x in t.split(",")],
        metavar="N,N,...",
        help="render these bodies instead of the first --bodies (a body id picks its shape)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--generator",
        type=Path,
        default=ROOT.parent / "shared" / "tools" / "synth",
        help="folder of render.py (default ../shared/tools/synth)",
    )
    ap.add_argument(
        "--levels",
        action="append",
        metavar="FACTOR=V,V,...",
        help="camera set only: render these levels of this factor (distance m, height cm, "
        "yaw deg, roll deg) instead of the default ones, e.g. --levels yaw=30,-20; repeat per "
        "factor; factors not named are left out (the base is always rendered, identical to "
        "the default set's for the same seed)",
    )
    ap.add_argument(
        "--change",
        action="append",
        metavar="KEY=DELTA",
        help="compare set only: the shape change of the 'shape' image, added to the body's "
        "anny parameter KEY (phenotypes kept in [0, 1], local changes in [-1, 1]); repeat per "
        "key (default hip-scale-horiz-incr=-0.6)",
    )
    ap.add_argument("--quality", type=int, default=92, help="JPEG quality (default 92)")
    args = ap.parse_args()
    factors = parse_levels(ap, args)
    change = parse_change(ap, args)
    n_bodies = args.bodies or {"retakes": 24, "camera": 8, "compare": 1}[args.set]
    body_ids = args.body_ids or list(range(n_bodies))

    sys.path.insert(0, str(args.generator.resolve()))
    gen = importlib.import_module("render")
    gen.torch.set_num_threads(1)  # one core: others share this machine
    gen.cv2.setNumThreads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    labels = args.out / "labels.tsv"
    done = {}
    if labels.exists():
        with open(labels, newline="", encoding="utf-8") as fh:
            done = {
                r["file"]: r
                for r in csv.DictReader(fh, delimiter="\t")
                if (args.out / r["file"]).exists()
            }

    t0 = time.time()
    body = gen.Body()
    print(f"model built in {time.time() - t0:.0f}s", flush=True)
    rows = []
    for n, b in enumerate(body_ids):
        rows += render_body(
            gen, body, args.set, b, args.seed, args.out, done, factors, change, args.quality
        )
        write_labels(labels, rows)
        print(
            f"body {n + 1}/{len(body_ids)} done, {len(rows)} images, {time.time() - t0:.0f}s",
            flush=True,
        )

    kinds = {
        "retakes": "retake | floor",
        "camera": "base | " + " | ".join(factors or CAMERA_FACTORS),
        "compare": "base | distance | yaw | shape",
    }[args.set]
    shape_change = ""
    if args.set == "compare":
        shape_change = "; shape = the base camera on the body changed by " + ", ".join(
            f"{k} {v:+g}" for k, v in (change or COMPARE_CHANGE).items()
        )
    command = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    (args.out / "README.txt").write_text(
        README.format(
            title=f"Set '{args.set}'",
            generator=args.generator.resolve(),
            command=command,
            cwd=Path.cwd(),
            cache=os.environ.get("ANNY_CACHE_DIR", "(unset)"),
            seed=args.seed,
            n_bodies=len(body_ids),
            n_images=len(rows),
            kinds=kinds,
            change=shape_change,
            quality=args.quality,
        ),
        encoding="utf-8",
    )
    print(f"done: {len(rows)} images in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
