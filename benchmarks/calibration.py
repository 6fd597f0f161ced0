"""Calibrate ``confidence``: the probability that a depth is within 0.5 points of the body's.

Every side measured on images whose true body outline is known is one case: its raw score
(what ``silhouette.core.scoring.score_side`` multiplies together: outline source, the
measurement's own noise at that size, view, landmark visibility, a closed lower bulge) and
whether the reported depth ratio landed within ``TOLERANCE_RATIO`` of the depth ratio of the
exact body outline, traced along the same rays. Cases come from:

- re-takes of 24 rendered bodies (``benchmarks/render_retakes.py``; optional, ``--retakes``);
- the shared renders, front and back (``../shared/synth``), as they are and degraded: blurred,
  noisy, and with the contrast between person and background cut to a fifth;
- the same renders dressed in garments (``../shared/synth_clothed``), whose body mask is kept.

Bodies (a shared render and its dressed and degraded copies, or a re-taken body) with an even
number tune; odd ones are held apart, so no body is in both halves. Platt
scaling of the raw score's logit is fitted on the tuning half; the reliability table and the
expected calibration error are reported on the held-apart half. The fitted coefficients are
what ``silhouette.core.scoring.CALIBRATION`` holds.

    .venv/bin/python benchmarks/calibration.py --retakes ../renders/retakes
"""

from __future__ import annotations

import argparse
import csv
import itertools
import re
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from silhouette import Analyzer, load_image  # noqa: E402
from silhouette.core import scoring  # noqa: E402
from silhouette.core.anatomy import BANDS  # noqa: E402
from support.shared import SYNTH, SYNTH_CLOTHED, read_tsv  # noqa: E402
from support.truth import exact_depth, trace_exact  # noqa: E402

SIDES = ("left", "right")
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 1.0)


def degrade(rgb: np.ndarray, how: str) -> np.ndarray:
    """The render made harder to read: blurred, noisy, or with little contrast."""
    if how == "blur":
        return cv2.GaussianBlur(rgb, (0, 0), 2.5)
    if how == "noise":
        noise = np.random.default_rng(0).normal(0, 12, rgb.shape)
        return np.clip(rgb + noise, 0, 255).astype(np.uint8)
    if how == "low contrast":
        mean = rgb.reshape(-1, 3).mean(axis=0)
        return (mean + 0.2 * (rgb - mean)).round().astype(np.uint8)
    return rgb


def exact_hip_width(analysis, exact: np.ndarray) -> float | None:
    """Widest width of the exact body mask between the crest and trochanter bands, px."""
    traced = [trace_exact(analysis, exact, side) for side in SIDES]
    if any(prof is None for _, prof, _ in traced):
        return None
    frame = traced[0][0]
    (_, left, _), (_, right, _) = traced
    both = left.u + right.u
    T = frame.torso_px
    band = (left.v <= BANDS.crest[1] * T) & (left.v >= BANDS.trochanter[0] * T)
    band &= np.isfinite(both)
    return float(both[band].max()) if band.sum() >= 3 else None


def cases(analyzer: Analyzer, image: np.ndarray, exact: np.ndarray, group: int, kind: str):
    """(raw, hit, group, kind) for each measured side of one image."""
    a = analyzer.analyze(image)
    if not a.person_found or a.hip_width_px is None:
        return []
    width = exact_hip_width(a, exact)
    out = []
    for side in SIDES:
        s = a.sides[side]
        if not s.measured or width is None:
            continue
        frame, prof, _ = trace_exact(a, exact, side)
        if prof is None:
            continue
        truth = exact_depth(prof, frame) / width
        hit = abs(s.dip_depth_ratio - truth) <= scoring.TOLERANCE_RATIO
        out.append((s.confidence, hit, group, kind))
    return out


def render_id(name: str) -> int:
    """The body behind a shared render: synth_NNN, numbered in steps of two."""
    return int(re.findall(r"\d+", name)[0]) // 2


def mask(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path)) > 0


def collect(analyzer: Analyzer, retakes: Path | None, quick: bool) -> list[tuple]:
    data: list[tuple] = []
    renders = [r for r in read_tsv(SYNTH / "labels.tsv") if r["view"] != "side"]
    if quick:
        renders = renders[::4]
    for row in renders:
        group = render_id(row["file"])
        exact = mask(SYNTH / row["mask_file"])
        rgb = load_image(SYNTH / row["file"])
        for how in ("as rendered", "blur", "noise", "low contrast"):
            data += cases(analyzer, degrade(rgb, how), exact, group, f"render, {how}")
    dressed = read_tsv(SYNTH_CLOTHED / "labels.tsv")
    for row in dressed[:: 4 if quick else 1]:
        group = render_id(row["source"])
        exact = mask(SYNTH_CLOTHED / row["body_mask_file"])
        rgb = load_image(SYNTH_CLOTHED / row["file"])
        data += cases(analyzer, rgb, exact, group, f"dressed, {row['garment']}")
    if retakes is not None:
        with open(retakes / "labels.tsv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        for row in rows[:: 4 if quick else 1]:
            exact = mask(retakes / row["mask_file"])
            rgb = load_image(retakes / row["file"])
            data += cases(analyzer, rgb, exact, int(row["body_id"]), "re-take")
    return data


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_platt(raw: np.ndarray, hit: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the logistic fit of ``hit`` on ``logit(raw)``."""
    x = logit(raw)

    def loss(w: np.ndarray) -> float:
        z = w[0] * x + w[1]
        # Log-loss, written stably; a tiny ridge keeps the slope finite on separable data.
        return float(np.sum(np.logaddexp(0, z) - hit * z) + 1e-3 * w[0] ** 2)

    w = minimize(loss, np.array([1.0, 0.0]), method="BFGS").x
    return float(w[0]), float(w[1])


def reliability(pred: np.ndarray, hit: np.ndarray) -> tuple[str, float]:
    """Markdown reliability table and the expected calibration error."""
    rows, ece = [], 0.0
    for lo, hi in itertools.pairwise(BINS):
        sel = (pred >= lo) & ((pred < hi) | (hi == 1.0))
        if not sel.any():
            continue
        p, o = pred[sel].mean(), hit[sel].mean()
        ece += sel.sum() / pred.size * abs(p - o)
        rows.append(f"| {lo:.1f}-{hi:.1f} | {sel.sum()} | {p:.2f} | {o:.2f} |")
    head = "| predicted | sides | mean predicted | observed within 0.5 points |\n|---|---|---|---|"
    return head + "\n" + "\n".join(rows), float(ece)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--retakes", type=Path, help="re-takes made by render_retakes.py")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    scoring.CALIBRATION = (1.0, 0.0)  # read the raw score
    with Analyzer() as analyzer:
        data = collect(analyzer, args.retakes, args.quick)
    raw = np.array([d[0] for d in data])
    hit = np.array([d[1] for d in data], dtype=float)
    held = np.array([d[2] % 2 == 1 for d in data])
    a, b = fit_platt(raw[~held], hit[~held])
    pred = 1 / (1 + np.exp(-(a * logit(raw) + b)))
    print(f"{len(data)} sides ({(~held).sum()} tuning, {held.sum()} held apart).\n")
    print(f"Platt scaling: CALIBRATION = ({a:.3f}, {b:.3f})\n")
    text, ece = reliability(pred[held], hit[held])
    print(f"Held apart, calibrated (expected calibration error {ece:.3f}):\n\n{text}\n")
    text, ece = reliability(raw[held], hit[held])
    print(f"Held apart, raw score (expected calibration error {ece:.3f}):\n\n{text}\n")
    print("| cases | sides | within 0.5 points | mean calibrated confidence |\n|---|---|---|---|")
    kinds = sorted({d[3] for d in data})
    for kind in kinds:
        sel = np.array([d[3] == kind for d in data])
        print(f"| {kind} | {sel.sum()} | {hit[sel].mean():.2f} | {pred[sel].mean():.2f} |")


if __name__ == "__main__":
    main()
