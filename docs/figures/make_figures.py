"""Draw the figures of docs/how-it-works.md from a shipped render.

    .venv/bin/python docs/figures/make_figures.py

A dip of 4 % of hip width is warped into both hips of the render (the
accuracy benchmark's warp), so that the figure shows a dip clearly.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from silhouette import Analyzer, annotate, load_image  # noqa: E402
from silhouette.core.anatomy import BANDS  # noqa: E402
from silhouette.core.dip import dip_of_profile, outer_hull  # noqa: E402
from support.inject import frame_of, inject_dip, side_profile_of  # noqa: E402

OUT = Path(__file__).parent


def main() -> None:
    base = load_image(ROOT / "sample_images" / "render_back.jpg")
    with Analyzer() as analyzer:
        first = analyzer.analyze(base)
        d = 0.04 * first.hip_width_px
        img = inject_dip(base, first, "left", d)
        img = inject_dip(img, analyzer.analyze(img), "right", d)
        result = analyzer.analyze(img)
    _, frame = frame_of(result)
    T = frame.torso_px

    # 1. The overlay, cropped to the hips.
    over = annotate(img, result)
    cx, cy = frame.origin.astype(int)
    crop = over[
        cy - int(0.8 * T) : cy + int(0.7 * T), max(cx - int(1.4 * T), 0) : cx + int(1.4 * T)
    ]
    plt.imsave(OUT / "overlay.png", crop)

    # 2. One side's profile: outline, outer hull, bulges, the dip's line.
    side = result.left
    _, v, u = side_profile_of(result, "left")
    g = dip_of_profile(v, u, T)
    hull = outer_hull(v, u)
    fig, ax = plt.subplots(figsize=(5.0, 5.4))
    ax.axhspan(BANDS.crest[0], BANDS.crest[1], color="tab:green", alpha=0.10, label="crest band")
    ax.axhspan(
        BANDS.trochanter[0],
        BANDS.trochanter[1],
        color="tab:purple",
        alpha=0.08,
        label="trochanter band",
    )
    ax.plot(u / T, v / T, color="tab:orange", lw=2, label="outline (person's left)")
    ax.plot(u[hull] / T, v[hull] / T, "k:", lw=1, label="outer hull")
    ax.plot(
        u[[g.upper, g.lower]] / T,
        v[[g.upper, g.lower]] / T,
        "k-o",
        lw=1,
        label="line between the bulges",
    )
    ax.plot(
        u[g.deepest] / T,
        v[g.deepest] / T,
        "o",
        color="gold",
        ms=8,
        label=f"deepest point: {g.depth_px:.1f} px",
    )
    ax.set_xlabel("outward distance from the body axis\n(torso lengths)")
    ax.set_ylabel("height above the hip joints (torso lengths)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(OUT / "profile.png", dpi=120, bbox_inches="tight")
    print(
        f"dip {side.dip_depth_px:.1f} px = {100 * side.dip_depth_ratio:.1f}% of hip width "
        f"(warped in: {d:.1f} px)"
    )


if __name__ == "__main__":
    main()
