"""Which hip's dip a hip-popped stance deepens, on same-body render pairs.

Reads the pairs of ``benchmarks/render_stance.py --pairs`` (one body, one camera, the pelvis
tilted by 0, +-5 and +-10 degrees; legs upright as the generator leaves them or swung so that
the pelvis stands over the standing foot; front and back) and measures each hip's dip depth
ratio with the package's chain, on the exact render mask and on MediaPipe's, with MediaPipe's
landmarks. Prints, per view, legs and tilt, how far each side's depth moved against the same
body at tilt 0: the standing (raised) side and the free (lowered) side, in points of hip width.

    .venv/bin/python benchmarks/pop_depth.py /work/data/stance-pairs
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from silhouette.backends.mediapipe import MediaPipePose  # noqa: E402
from silhouette.core.landmarks import PoseEstimate  # noqa: E402
from silhouette.core.measure import measure_person  # noqa: E402
from silhouette.io import read_image  # noqa: E402

NAME = re.compile(r"(b\d+)_(front|back)_(swung|upright)_t([+-]\d+)$")


def depths(folder: Path) -> dict:
    """{(body, view, legs, mask kind): {tilt: (left ratio, right ratio)}}."""
    pose = MediaPipePose()
    out: dict = defaultdict(dict)
    for path in sorted(folder.glob("*.jpg")):
        m = NAME.match(path.stem)
        if m is None:
            continue
        body, view, legs, tilt = m.group(1), m.group(2), m.group(3), int(m.group(4))
        rgb = read_image(path).rgb
        est = pose(rgb)
        if est is None:
            continue
        exact = np.asarray(Image.open(path.with_name(f"{path.stem}_mask.png")).convert("L"))
        masks = {"exact": (exact > 127).astype(np.float32), "MediaPipe": est.mask}
        h, w = rgb.shape[:2]
        for kind, mask in masks.items():
            a = measure_person(rgb, PoseEstimate(est.landmarks, mask.copy()), original_size=(w, h))
            out[(body, view, legs, kind)][tilt] = (a.left.dip_depth_ratio, a.right.dip_depth_ratio)
    pose.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", type=Path, help="folder of render_stance.py --pairs")
    args = ap.parse_args()
    moved = defaultdict(list)
    for (_, view, legs, kind), by_tilt in depths(args.pairs).items():
        if 0 not in by_tilt or None in by_tilt[0]:
            continue
        l0, r0 = by_tilt[0]
        for tilt, (left, right) in by_tilt.items():
            if tilt == 0 or left is None or right is None:
                continue
            # Positive tilt: the person's left hip is higher, the left leg stands.
            standing, free = (left - l0, right - r0) if tilt > 0 else (right - r0, left - l0)
            moved[(kind, view, legs, abs(tilt))].append((100 * standing, 100 * free))
    print("| mask | view | legs | tilt, deg | n | standing side | free side | standing deeper |")
    print("|---|---|---|---|---|---|---|---|")
    for key in sorted(moved):
        a = np.array(moved[key])
        deeper = int((a[:, 0] > a[:, 1]).sum())
        print(
            f"| {' | '.join(map(str, key))} | {len(a)} | {a[:, 0].mean():+.2f} | "
            f"{a[:, 1].mean():+.2f} | {deeper}/{len(a)} |"
        )


if __name__ == "__main__":
    main()
