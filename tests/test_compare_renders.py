"""``silhouette.compare`` on renders whose change is known (tests/data/compare).

One rendered body photographed at 3.0 m (the base), at 2.5 and 3.5 m, turned 20
degrees, and the same body with narrower hips and less weight (a deeper dip),
each with its exact mask; ``labels.tsv`` holds the exact-mask depth ratio of
each side (the package's definition on the true silhouette). How they were
made: ``tests/data/compare/README.md``. Five photos, analysed once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from silhouette import compare
from support.shared import read_tsv
from support.truth import exact_depth, trace_exact

pytestmark = pytest.mark.model

DATA = Path(__file__).parent / "data" / "compare"
ROWS = {r["kind"] + "_" + r["retake"]: r for r in read_tsv(DATA / "labels.tsv")}
SIDES = ("left", "right")

#: How far the change measured on MediaPipe's outline may stray from the change
#: on the exact masks, points of hip width: the smallest detectable change of
#: the MediaPipe measurement (2.77 x its re-take SD, docs/accuracy.md), i.e.
#: what the difference of two photos' noise stays within 19 times in 20.
CHANGE_TOLERANCE = 0.72
#: The issue's target for the same body at 2.5 m and at 3.5 m, points.
DISTANCE_TARGET = 0.3


@pytest.fixture(scope="module")
def analyses(analyzer):
    return {kind: analyzer.analyze(DATA / r["file"]) for kind, r in ROWS.items()}


def truth(kind: str, side: str) -> float:
    """The exact-mask depth ratio of one side, points of hip width."""
    return 100 * float(ROWS[kind][f"exact_dip_ratio_{side}"])


def points(ratio: float | None) -> float:
    assert ratio is not None, "the side has no depth"
    return 100 * ratio


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_the_labelled_truth_is_the_definition_on_the_exact_mask(analyses, kind):
    # The labels were written by benchmarks/comparability.py --label-truth; if the
    # dip definition changes, they must be made again.
    a = analyses[kind]
    exact = np.asarray(Image.open(DATA / ROWS[kind]["mask_file"])) > 0
    for side in SIDES:
        frame, prof, _ = trace_exact(a, exact, side)
        depth = 100 * exact_depth(prof, frame) / a.hip_width_px
        # MediaPipe places the body frame the depth is measured in; re-encoding
        # the photos (JPEG q70-95) moves that frame enough to move it by 0.04.
        assert depth == pytest.approx(truth(kind, side), abs=0.1), side


def test_a_changed_shape_gives_the_sign_and_size_of_the_change(analyses):
    result = compare(analyses["base_0"], analyses["shape_0"])
    assert result.comparable, result.reasons  # same camera, same clothes
    for side in SIDES:
        true_change = truth("shape_0", side) - truth("base_0", side)
        assert true_change >= 1.5  # the data's premise: a change well beyond the noise
        change = result.sides[side]
        measured = points(change.change_ratio)
        assert measured > 0, side  # deeper, as on the exact masks
        assert measured == pytest.approx(true_change, abs=CHANGE_TOLERANCE), side
        assert change.beyond_noise, side


@pytest.mark.parametrize(
    "before, after",
    [
        ("distance_0", "distance_1"),  # 2.5 m -> 3.5 m: the target
        ("base_0", "distance_0"),  # 3.0 m -> 2.5 m
        ("base_0", "distance_1"),  # 3.0 m -> 3.5 m
    ],
)
def test_moving_the_camera_keeps_the_photos_comparable(analyses, before, after):
    result = compare(analyses[before], analyses[after])
    assert result.comparable, result.reasons
    for side in SIDES:
        # Depth is a ratio of hip width: on the true silhouette distance moves it
        # by a tenth of a point here (perspective, the pixel grid) ...
        assert abs(truth(after, side) - truth(before, side)) <= DISTANCE_TARGET, side
        # ... and on MediaPipe's outline it is never called a change.
        change = result.sides[side]
        assert not change.beyond_noise, side
        assert abs(points(change.change_ratio)) < CHANGE_TOLERANCE, side


def test_the_same_body_at_2_5_and_3_5_m_is_within_the_target(analyses):
    # The target, on what the pipeline reports. Across 24 rendered bodies
    # 90 % of sides meet it (docs/comparability.md); this body's pair moves by
    # under a tenth, and by 0.37 if the photos are re-encoded at JPEG q70 (the
    # segmentation's own noise): a failure here means MediaPipe's output changed.
    result = compare(analyses["distance_0"], analyses["distance_1"])
    for side in SIDES:
        assert abs(points(result.sides[side].change_ratio)) <= DISTANCE_TARGET, side


def test_a_body_turned_20_degrees_does_not_compare(analyses):
    result = compare(analyses["base_0"], analyses["yaw_0"])
    assert not result.comparable
    assert any("turned" in r for r in result.reasons), result.reasons
