"""Cached pose estimates of the stance renders and photos, for tuning the stance check.

Running MediaPipe is most of the time an analysis takes, and tuning the stance check re-measures
the same images many times. ``cache`` runs the pose model once per image, exactly as
:meth:`silhouette.Analyzer.analyze` does (image fitted to ``max_side``, the largest person), and
stores what the measurement chain receives; :func:`load` gives it back, so that
``measure_person`` (or any part of the chain) can run on it without the model.

    .venv/bin/python benchmarks/stance_data.py cache --images /work/data/stance \\
        --out /work/data/stance-cache
    .venv/bin/python benchmarks/stance_data.py cache --images ../shared/synth \\
        --out /work/data/synth-cache
    .venv/bin/python benchmarks/stance_data.py cache --images ../shared/photos \\
        --out /work/data/photos-cache

One process; a rerun skips images already cached. Each ``NAME.npz`` holds the landmarks
(``xy``, ``visibility``, ``world``), the soft mask as float16, ``people`` and the original
image size; an image without a person has ``found`` = False.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from silhouette import Landmarks, PoseEstimate  # noqa: E402
from silhouette.analyzer import AnalyzerOptions  # noqa: E402
from silhouette.io import fit_within as _fit  # noqa: E402
from silhouette.io import read_image  # noqa: E402

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclass
class Cached:
    """One image's pose estimate, as ``measure_person`` receives it."""

    name: str
    rgb: np.ndarray
    estimate: PoseEstimate | None
    people: int
    original_size: tuple[int, int]


def images_of(folder: Path) -> list[Path]:
    """The photos or renders of a folder (masks left out), sorted."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.stem.endswith("_mask")
    )


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def cache(images: Path, out: Path) -> None:
    from silhouette.backends.mediapipe import MediaPipePeople, MediaPipePose
    from silhouette.core.people import largest_person

    out.mkdir(parents=True, exist_ok=True)
    max_side = AnalyzerOptions().max_side
    pose, people_model = MediaPipePose(), MediaPipePeople()
    try:
        todo = [p for p in images_of(images) if not (out / f"{p.stem}.npz").exists()]
        for i, path in enumerate(todo):
            decoded = read_image(path, max_side=max_side)
            rgb = _fit(decoded.rgb, max_side)
            est = pose(rgb)
            people = 1
            if est is not None:
                small = _fit(rgb, 256)
                est, people = largest_person(rgb, est, people_model(small), pose)
            data = dict(found=est is not None, people=people, size=decoded.original_size)
            if est is not None:
                lm = est.landmarks
                data.update(
                    xy=lm.xy,
                    visibility=lm.visibility,
                    world=np.zeros((0,)) if lm.world is None else lm.world,
                    mask=est.mask.astype(np.float16),
                )
            np.savez_compressed(out / f"{path.stem}.npz.part.npz", **data)
            (out / f"{path.stem}.npz.part.npz").replace(out / f"{path.stem}.npz")
            print(f"{i + 1}/{len(todo)} {path.name}", flush=True)
    finally:
        pose.close()
        people_model.close()


def load(images: Path, cache_dir: Path, name: str) -> Cached:
    """The cached estimate of image ``name`` (a file name in ``images``)."""
    path = images / name
    d = np.load(cache_dir / f"{path.stem}.npz")
    max_side = AnalyzerOptions().max_side
    rgb = _fit(read_image(path, max_side=max_side).rgb, max_side)
    size = tuple(int(x) for x in d["size"])
    if not bool(d["found"]):
        return Cached(name, rgb, None, int(d["people"]), size)
    world = d["world"] if d["world"].size else None
    lm = Landmarks(d["xy"], d["visibility"], world)
    est = PoseEstimate(lm, d["mask"].astype(np.float32))
    return Cached(name, rgb, est, int(d["people"]), size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cache", help="run the pose model once per image")
    c.add_argument("--images", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if args.command == "cache":
        cache(args.images, args.out)


if __name__ == "__main__":
    main()
