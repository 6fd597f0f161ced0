"""Render standing bodies in straight and hip-popped stances, with the exact pelvic tilt.

Data to tune and test the stance check (``core/posture.py``) on, made with the anny generator in
../shared/tools/synth (render.py, used unchanged; this driver only adds the sideways sway of
the legs below). Per body (shape from the generator's ``sample_params``) ``--poses`` images,
each with a fresh pose and capture:

- view front or back (equal odds), body yaw uniform +-4 deg around 0 or 180;
- stance: 30 % straight (tilt 0), 15 % slight (|tilt| uniform 1-4.5 deg), 55 % hip-popped
  (|tilt| uniform 5-12 deg), either side. The generator tilts the pelvis, sets the torso and
  the legs upright again and bends the knee of the leg under the lowered hip until both feet
  rest on the floor (``knee_bend_deg``);
- sway: in half of the tilted poses both legs are also swung sideways at the hips by 1-6 deg
  so that the feet move towards the free leg's side, i.e. the pelvis shifts over the standing
  foot, as in a real contrapposto (the feet are kept flat, and the knee bend is solved with the
  sway in place); in half of the straight poses by -1.5..+1.5 deg either way (a straight stance
  is never exactly symmetric). The rest have the generator's vertical legs;
- arms touching the hips (35 %, the generator solves the upper-arm angle so that forearm and
  hand rest on the hip's side) or apart (upper arm 15-30 deg from vertical); elbow straightened
  by 15-35 deg;
- outfit underwear 35 %, shorts 40 %, bodysuit 25 % (colour only: the silhouette is the body);
- camera: distance uniform 2.6-3.4 m, height uniform +-20 cm around hip-joint height, aimed at
  the body's mid-height below the pelvis (``render_retakes.camera``), roll uniform +-3 deg in half
  of the images (0 otherwise), principal point jittered +-10 px; focal length such that the body
  fills 80 % of the image height at 2.8 m.

Bodies are split by id: every third body (``body_id % 3 == 2``) is ``heldout`` and nothing is
tuned on it; the others are ``tune``.

Run from the project root with the generator's venv (see render_retakes.py), one process::

    export ANNY_CACHE_DIR=/work/data/.anny-cache WARP_CACHE_PATH=/work/data/.anny-cache/warp
    /work/synth-venv/bin/python benchmarks/render_stance.py --out /work/data/stance --bodies 150

Writes to OUT, 720x1280: ``bNNN_pK.jpg`` (JPEG q92), ``bNNN_pK_mask.png`` (exact person mask,
1-bit PNG), ``labels.tsv`` (columns in ``README.txt``). A rerun into the same folder resumes.
Everything follows from ``--seed``; body and pose ids pick the random streams.

``--pairs`` renders instead, for a few bodies of the held-out split, the same body from the same
camera (3 m, hip height, no roll, arms apart, underwear) with the pelvis tilted by -10, -5, 0, 5
and 10 deg, legs upright or swung by 4 deg: what a tilt changes in the exact silhouette, read by
``benchmarks/fit_stance.py --pairs OUT`` (``pairs.json`` holds the projected joints)::

    /work/synth-venv/bin/python benchmarks/render_stance.py --pairs --out /work/data/stance-pairs

``--sample NAME`` renders one hip-popped front view for ``sample_images/`` (body 38 of the
held-out split, tilt 10 deg with the legs swung 5 deg, arms apart, shorts) to OUT/NAME.jpg.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import math
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from render_retakes import H, camera, clipped_edges, save, write_labels, xy  # noqa: E402

SET_CODE = 3  # keeps these bodies apart from render_retakes.py's sets (1, 2)
FILL, FOCAL_DIST_M = 0.80, 2.8
JOINTS = {
    "hipjoint": "upperleg01",
    "knee": "lowerleg01",
    "ankle": "foot",
    "shoulder": "upperarm01",
}


def split_of(body_id: int) -> str:
    """``heldout`` for every third body, ``tune`` for the others."""
    return "heldout" if body_id % 3 == 2 else "tune"


def pose_params(rng):
    """One pose and capture (see the module docstring)."""
    view = "back" if rng.random() < 0.5 else "front"
    u = rng.random()
    sign = float(rng.choice([-1.0, 1.0]))
    if u < 0.30:
        kind, tilt = "straight", 0.0
    elif u < 0.45:
        kind, tilt = "slight", sign * float(rng.uniform(1.0, 4.5))
    else:
        kind, tilt = "hip_popped", sign * float(rng.uniform(5.0, 12.0))
    sway = 0.0
    if rng.random() < 0.5:
        # > 0 swings the feet to the person's right: the pelvis over the left foot.
        sway = sign * float(rng.uniform(1.0, 6.0)) if tilt else float(rng.uniform(-1.5, 1.5))
    touching = rng.random() < 0.35
    roll = float(rng.uniform(-3.0, 3.0)) if rng.random() < 0.5 else 0.0
    return dict(
        view=view,
        kind=kind,
        tilt=tilt,
        sway=sway,
        touching=bool(touching),
        arm_abd=float(rng.uniform(15.0, 30.0)),
        elbow=float(rng.uniform(15.0, 35.0)),
        outfit=str(rng.choice(["underwear", "shorts", "bodysuit"], p=[0.35, 0.40, 0.25])),
        cap=dict(
            dist_m=float(rng.uniform(2.6, 3.4)),
            height_cm=float(rng.uniform(-20.0, 20.0)),
            yaw_deg=float(rng.uniform(-4.0, 4.0)),
            roll_deg=roll,
            pp_dx_px=float(rng.uniform(-10.0, 10.0)),
            pp_dy_px=float(rng.uniform(-10.0, 10.0)),
        ),
    )


def sway_body(gen):
    """The generator's Body, with both legs swung sideways at the hips by ``self.sway`` deg.

    The extra rotation is applied inside ``forward``, so every pass of ``Body.pose`` (the knee
    search included) sees it. A leg's world rotation is the product of its chain's deltas, root
    first, in world-aligned axes: pre-multiplying the thigh's delta by a rotation about the
    front-back axis swings the whole leg about the hip joint, and post-multiplying the foot's by
    the inverse keeps the sole flat.
    """

    class SwayBody(gen.Body):
        sway = 0.0

        def forward(self, shape, deltas, batch=1):
            if self.sway:
                deltas = dict(deltas)
                size = next((v.shape[0] for v in deltas.values()), 1)
                R = gen.homog(gen.rot("y", self.sway))
                Rinv = gen.homog(gen.rot("y", -self.sway))
                for sd in ("L", "R"):
                    thigh, foot = f"upperleg01.{sd}", f"foot.{sd}"
                    eye = np.repeat(np.eye(4)[None], size, 0)
                    deltas[thigh] = R @ deltas.get(thigh, eye)
                    deltas[foot] = deltas.get(foot, eye) @ Rinv
            return super().forward(shape, deltas, batch)

    return SwayBody()


def focal_for(V, J, body, azimuth_deg):
    """Focal length (px) at which this posed body fills FILL of the image height at 2.8 m."""
    still = dict(dist_m=FOCAL_DIST_M, height_cm=0.0, yaw_deg=0.0, roll_deg=0.0)
    cam = camera(V, J, body, dict(still, pp_dx_px=0.0, pp_dy_px=0.0), azimuth_deg, 1.0)
    Pc = (V - cam["C"]) @ cam["R"].T
    y = Pc[:, 1] / Pc[:, 2]
    return FILL * H / (y.max() - y.min())


def render_one(gen, body, b, k, seed, out):
    """Render pose ``k`` of body ``b``; returns its labels row."""
    prm = gen.sample_params(np.random.default_rng([seed, SET_CODE, b]))
    rng = np.random.default_rng([seed, SET_CODE, b, k])
    p = pose_params(rng)
    body.sway = p["sway"]
    pz = body.pose(prm["shape"], p["tilt"], p["arm_abd"], p["touching"], p["elbow"])
    V, J, idx = pz["V"], pz["J"], body.idx
    col, layers = gen.vertex_colors(
        body, pz["restV"], pz["restJ"], rng, p["outfit"], prm["shape"]["gender"]
    )
    base_az = 180.0 if p["view"] == "back" else 0.0
    az = base_az + p["cap"]["yaw_deg"]
    focal = focal_for(V, J, body, base_az)
    cam = camera(V, J, body, p["cap"], az, focal)
    img, mask, background = gen.render(
        V,
        body.faces,
        col,
        cam,
        np.random.default_rng([seed, SET_CODE, b, k, 2]),
        pz["restV"][:, 2],
        layers,
    )
    name = f"b{b:03d}_p{k}"
    save(img, mask, str(out / name))
    J2, _ = gen.project(J, cam)
    gt = {}
    for label, bone in JOINTS.items():
        for sd in ("L", "R"):
            gt[f"gt_{label}_{sd}_xy"] = xy(J2[idx[f"{bone}.{sd}"]])
    tilt = pz["tilt_meas"]
    popped = abs(tilt) >= 0.5
    raised = ("left" if tilt > 0 else "right") if popped else "none"
    return dict(
        file=name + ".jpg",
        mask_file=name + "_mask.png",
        body_id=b,
        pose=k,
        split=split_of(b),
        view=p["view"],
        view_azimuth_deg=round(az, 2),
        stance=p["kind"],
        pelvic_tilt_deg=round(tilt, 3),
        raised_hip=raised,
        weight_side=raised,
        knee_bend_deg=round(pz["knee_bend"], 2),
        bent_knee=("right" if tilt > 0 else "left") if popped else "none",
        sway_deg=round(p["sway"], 2),
        arms="touching" if p["touching"] else "apart",
        arm_abduction_deg=round(0.5 * (pz["arm_final"]["L"] + pz["arm_final"]["R"]), 1),
        camera_distance_m=round(p["cap"]["dist_m"], 3),
        camera_height_cm=round(p["cap"]["height_cm"], 2),
        camera_pitch_deg=round(cam["pitch_deg"], 3),
        camera_roll_deg=round(p["cap"]["roll_deg"], 2),
        focal_px=round(focal, 1),
        image_side_of_person_left=gen.image_side_of_left(p["view"]),
        **gt,
        foot_floor_gap_mm=round(pz["foot_gap"] * 1000, 2),
        **{k2: round(v, 3) for k2, v in prm["shape"].items()},
        outfit=p["outfit"],
        background=background,
        mask_clipped=clipped_edges(mask > 0),
    )


PAIR_TILTS = (-10.0, -5.0, 0.0, 5.0, 10.0)
PAIR_BODIES = (2, 5, 11)  # held-out bodies (body_id % 3 == 2)
PAIR_SWAY_DEG = 4.0


def still_capture():
    return dict(dist_m=3.0, height_cm=0.0, yaw_deg=0.0, roll_deg=0.0, pp_dx_px=0.0, pp_dy_px=0.0)


def render_fixed(gen, body, shape, view, tilt, sway, outfit, focal, seed_bits):
    """One render of ``shape`` from the still capture; returns (img, mask, joints, pose)."""
    body.sway = sway
    pz = body.pose(shape, tilt, 20.0, False, 25.0)
    V, J = pz["V"], pz["J"]
    base_az = 180.0 if view == "back" else 0.0
    if focal is None:
        focal = focal_for(V, J, body, base_az)
    cam = camera(V, J, body, still_capture(), base_az, focal)
    col, layers = gen.vertex_colors(
        body, pz["restV"], pz["restJ"], np.random.default_rng(seed_bits), outfit, shape["gender"]
    )
    img, mask, _ = gen.render(
        V, body.faces, col, cam, np.random.default_rng([*seed_bits, 2]), pz["restV"][:, 2], layers
    )
    J2, _ = gen.project(J, cam)
    joints = {
        f"{label}_{sd}": [float(c) for c in J2[body.idx[f"{bone}.{sd}"]][:2]]
        for label, bone in JOINTS.items()
        for sd in ("L", "R")
    }
    return img, mask, joints, pz, focal


def render_pairs(gen, body, out, seed):
    """The same bodies and camera at several tilts (see the module docstring)."""
    import json

    meta = []
    for b in PAIR_BODIES:
        shape = gen.sample_params(np.random.default_rng([seed, SET_CODE, b]))["shape"]
        for view in ("front", "back"):
            focal = None
            for swung in (False, True):
                for tilt in PAIR_TILTS:
                    # Feet towards the free leg's side: the pelvis over the standing foot.
                    sway = math.copysign(PAIR_SWAY_DEG, tilt) if swung and tilt else 0.0
                    img, mask, joints, pz, focal = render_fixed(
                        gen, body, shape, view, tilt, sway, "underwear", focal, [seed, b]
                    )
                    name = f"b{b:03d}_{view}_{'swung' if swung else 'upright'}_t{tilt:+.0f}"
                    save(img, mask, str(out / name))
                    meta.append(
                        dict(
                            name=name,
                            body_id=b,
                            view=view,
                            legs="swung" if swung else "upright",
                            sway_deg=sway,
                            pelvic_tilt_deg=round(pz["tilt_meas"], 3),
                            knee_bend_deg=round(pz["knee_bend"], 2),
                            **joints,
                        )
                    )
                    print(name, flush=True)
    (out / "pairs.json").write_text(json.dumps(meta, indent=1))


def render_sample(gen, body, out, name, seed):
    """A clearly hip-popped front view with the legs swung, for sample_images/."""
    b = 38
    shape = gen.sample_params(np.random.default_rng([seed, SET_CODE, b]))["shape"]
    img, mask, joints, pz, _ = render_fixed(
        gen, body, shape, "front", 10.0, 5.0, "shorts", None, [seed, b, 7]
    )
    save(img, mask, str(out / name))
    print(name, f"tilt {pz['tilt_meas']:+.2f} knee bend {pz['knee_bend']:.1f}", joints)


README = """\
Stances of rendered bodies, made by silhouette's benchmarks/render_stance.py with the anny
generator ({generator}, unchanged). Made in {cwd} with ANNY_CACHE_DIR={cache} by:

    {command}

seed {seed}, {n_bodies} bodies x {poses} poses, {n_images} images, 720x1280. How poses and
captures vary: the docstring of benchmarks/render_stance.py.

NAME.jpg = image (JPEG q92); NAME_mask.png = exact person mask (1-bit PNG).

labels.tsv columns (names and conventions as ../shared/synth/labels.tsv where they overlap)
 file, mask_file
 body_id, pose, split    split = heldout (body_id % 3 == 2: nothing is tuned on it) | tune
 view                    front | back
 view_azimuth_deg        0 = camera in front of the body, 180 = behind
 stance                  straight (tilt 0) | slight (|tilt| 1-4.5) | hip_popped (|tilt| 5-12)
 pelvic_tilt_deg         measured on the posed 3-D skeleton between the hip-joint centres,
                         > 0 = anatomical LEFT hip higher
 raised_hip, weight_side left | right | none: the raised hip's leg carries the weight
 knee_bend_deg           knee flexion of the leg under the lowered hip (the free leg)
 bent_knee               left | right | none: that leg
 sway_deg                both legs swung sideways at the hips; > 0 moves the feet to the
                         person's right (the pelvis over the left foot)
 arms                    apart | touching;  arm_abduction_deg: mean upper-arm angle from vertical
 camera_distance_m, camera_height_cm (above hip-joint height), camera_pitch_deg (< 0 = down)
 camera_roll_deg         > 0: scene appears rotated CLOCKWISE in the image
 focal_px
 image_side_of_person_left   right for front views, left for back views
 gt_{{hipjoint,knee,ankle,shoulder}}_{{L,R}}_xy   projected 3-D joint centres (px, x,y),
                         anatomical sides (ankle = the foot bone's head, shoulder = the upper
                         arm's head)
 foot_floor_gap_mm       height difference of the two feet's lowest points (should be ~0)
 gender age muscle weight height proportions   anny phenotypes in [0,1] (gender 0 = male)
 hip-scale-horiz-incr hip-waist-up pelvis-tone-incr buttocks-volume-incr   anny local changes
 outfit                  underwear | shorts | bodysuit (colour only; silhouette = body)
 background              plain | texture
 mask_clipped            image edges the mask touches (top,bottom,left,right) or none
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--bodies", type=int, default=150)
    ap.add_argument("--poses", type=int, default=4, help="poses per body")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pairs", action="store_true", help="render the tilt pairs instead")
    ap.add_argument("--sample", metavar="NAME", help="render the sample image NAME instead")
    ap.add_argument(
        "--generator",
        type=Path,
        default=ROOT.parent / "shared" / "tools" / "synth",
        help="folder of render.py (default ../shared/tools/synth)",
    )
    args = ap.parse_args()
    sys.path.insert(0, str(args.generator.resolve()))
    gen = importlib.import_module("render")
    gen.torch.set_num_threads(1)  # one core: others share this machine
    gen.cv2.setNumThreads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.pairs or args.sample:
        body = sway_body(gen)
        if args.pairs:
            render_pairs(gen, body, args.out, args.seed)
        else:
            render_sample(gen, body, args.out, args.sample, args.seed)
        return
    labels = args.out / "labels.tsv"
    done = {}
    if labels.exists():
        with open(labels, newline="", encoding="utf-8") as fh:
            done = {
                r["file"]: r
                for r in csv.DictReader(fh, delimiter="\t")
                if (args.out / r["file"]).exists() and (args.out / r["mask_file"]).exists()
            }
    body = sway_body(gen)
    t0 = time.time()
    rows = []
    for b in range(args.bodies):
        for k in range(args.poses):
            name = f"b{b:03d}_p{k}.jpg"
            if name in done:
                rows.append(done[name])
                continue
            t1 = time.time()
            row = render_one(gen, body, b, k, args.seed, args.out)
            rows.append(row)
            print(
                f"{name} {row['view']} {row['stance']} tilt {row['pelvic_tilt_deg']:+.1f} "
                f"sway {row['sway_deg']:+.1f} {row['arms']} {time.time() - t1:.1f}s",
                flush=True,
            )
        write_labels(labels, rows)
        print(
            f"body {b + 1}/{args.bodies}: {len(rows)} images, {time.time() - t0:.0f}s", flush=True
        )
    command = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
    (args.out / "README.txt").write_text(
        README.format(
            generator=args.generator.resolve(),
            cwd=Path.cwd(),
            cache=os.environ.get("ANNY_CACHE_DIR", "(unset)"),
            command=command,
            seed=args.seed,
            n_bodies=args.bodies,
            poses=args.poses,
            n_images=len(rows),
        ),
        encoding="utf-8",
    )
    print(f"done: {len(rows)} images in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
