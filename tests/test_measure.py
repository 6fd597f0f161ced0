"""The measurement chain (core/measure.py) on synthetic bodies of known outline:
what it measures, and the one conversion from working to original pixels.

The body (support/bodies.py): torso T = 300 px, hips at (300, 405), each side's
outline straight at 0.42 T from the axis between 0.20 T and -0.15 T, a
raised-cosine notch of the given depth centred at 0.025 T, half-width 0.15 T.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from silhouette import InvalidInputError, PoseEstimate
from silhouette.core.anatomy import band_lines, body_frame
from silhouette.core.measure import MeasureOptions, measure_person
from support.bodies import (
    HIP_U,
    Body,
    half_width,
    image_for,
    make_body,
    measure,
    mirror,
    moved,
    popped_stance,
    scene,
    turned,
    with_forearm,
    with_visibility,
)

T = 300.0
TALL = (1400, 600)  # head and feet in the photo, for the height scale
HIP_WIDTH = 2 * HIP_U * T
STATURE_PX = (1.52 + 1.85) * T  # head top to toe tips
DIP = Body(dip_left_px=8.0, dip_right_px=4.0)


def tolerance(depth: float) -> float:
    # The bound: within 1 px or 5 %, whichever is larger.
    return max(1.0, 0.05 * depth)


# --------------------------------------------------------------------------
# Working pixels -> the photo's pixels, once
# --------------------------------------------------------------------------


def test_a_photo_three_times_the_working_size_is_reported_in_its_own_pixels():
    mask, lm = scene(DIP, TALL)
    work = measure(mask, lm, height_cm=170.0)
    big = measure(mask, lm, height_cm=170.0, scale=3.0)
    assert (big.width, big.height) == (1800, 4200)
    # The scale: head to toes is 3.37 T in the working image, 3 x that here.
    assert work.px_per_cm == pytest.approx(STATURE_PX / 170.0, rel=0.003)
    assert big.px_per_cm == pytest.approx(3 * STATURE_PX / 170.0, rel=0.003)
    assert big.px_per_cm == pytest.approx(3 * work.px_per_cm, rel=1e-12)
    for side, depth in (("left", 8.0), ("right", 4.0)):
        s, w = big.sides[side], work.sides[side]
        assert s.dip_depth_px == pytest.approx(3 * depth, abs=3 * tolerance(depth) / 2)
        assert s.dip_depth_px == pytest.approx(3 * w.dip_depth_px, rel=1e-12)
        # px / cm is the scale itself, in either pixel size.
        assert s.dip_depth_px / s.dip_depth_cm == pytest.approx(big.px_per_cm, rel=1e-9)
        assert w.dip_depth_px / w.dip_depth_cm == pytest.approx(work.px_per_cm, rel=1e-9)
        # Centimetres and ratios do not depend on pixel size.
        assert s.dip_depth_cm == pytest.approx(w.dip_depth_cm, rel=1e-12)
        assert s.dip_depth_ratio == pytest.approx(w.dip_depth_ratio, rel=1e-12)
        assert s.dip_depth_cm == pytest.approx(depth * 170.0 / STATURE_PX, rel=0.05)
        # Points keep pixel centres on whole numbers: (x + 0.5) * 3 - 0.5.
        for name in ("crest", "trochanter", "deepest"):
            np.testing.assert_allclose(
                getattr(s, name), (np.array(getattr(w, name)) + 0.5) * 3 - 0.5, atol=1e-9
            )
    assert big.hip_width_px == pytest.approx(3 * HIP_WIDTH, abs=0.3)
    assert big.torso_px == pytest.approx(3 * T)
    for name in ("symmetry", "waist_to_hip_ratio", "pelvic_height_index"):
        assert getattr(big, name) == pytest.approx(getattr(work, name), rel=1e-12)


def test_the_deepest_point_lies_on_the_notch_in_photo_pixels():
    big = measure(*scene(DIP), scale=3.0)
    # Person's left = image right; the notch bottom at v = 0.025 T.
    x, y = big.left.deepest
    assert x == pytest.approx((300 + HIP_U * T - 8.0 + 0.5) * 3 - 0.5, abs=1.5)
    assert y == pytest.approx((405 - 0.025 * T + 0.5) * 3 - 0.5, abs=3 * 3)
    x, _ = big.right.deepest
    assert x == pytest.approx((300 - HIP_U * T + 4.0 + 0.5) * 3 - 0.5, abs=1.5)


def test_landmarks_and_bands_are_returned_in_photo_pixels():
    mask, lm = scene(DIP)
    big = measure(mask, lm, scale=2.0)
    np.testing.assert_allclose(big.landmarks[:, :2], (lm.xy + 0.5) * 2 - 0.5)
    np.testing.assert_array_equal(big.landmarks[:, 2], lm.visibility)
    frame = body_frame(lm, mask.shape)
    for name, line in band_lines(frame, big.hip_width_px / 2).items():
        np.testing.assert_allclose(big.bands[name], (line + 0.5) * 2 - 0.5, atol=1e-6)


def test_the_outline_is_reported_in_photo_pixels():
    mask, lm = scene(DIP)
    big = measure(mask, lm, scale=2.0)
    edge = big.left.outline
    assert edge.shape[1] == 2 and np.isfinite(edge).all()
    # Back in working pixels, every point is on the drawn outline (to the
    # fifth of a pixel that refining the soft edge may move it).
    frame = body_frame(lm, mask.shape)
    lat, v = frame.to_frame((edge + 0.5) / 2 - 0.5).T
    np.testing.assert_allclose(lat, half_width(v, DIP, "left"), atol=0.2)


def test_mask_of_another_size_is_refused():
    mask, lm = scene()
    with pytest.raises(InvalidInputError, match="600x900 but the image is 300x900"):
        measure_person(image_for(mask)[:, :300], PoseEstimate(lm, mask), original_size=(300, 900))


# --------------------------------------------------------------------------
# What is measured
# --------------------------------------------------------------------------


def test_pelvic_height_index_is_the_span_between_the_bulges_in_torso_lengths():
    r = measure(*scene(DIP))
    # The upright body's axis is the image vertical: the span is the rows'.
    spans = [(s.trochanter[1] - s.crest[1]) / T for s in (r.left, r.right)]
    assert r.pelvic_height_index == pytest.approx(np.mean(spans), rel=1e-9)
    # The notch's rims, 0.175 T and -0.125 T, are the bulges.
    assert r.pelvic_height_index == pytest.approx(0.30, abs=0.04)


def test_pelvic_height_index_uses_the_sides_that_have_both_bulges():
    mask, lm = with_forearm(*scene(DIP), "right", 0.46 * T)
    r = measure(mask, lm)
    assert not r.right.measured
    assert r.pelvic_height_index == pytest.approx(
        (r.left.trochanter[1] - r.left.crest[1]) / T, rel=1e-9
    )
    # A flank without an upper bulge has no span: without any, no index.
    assert measure(*scene(Body())).pelvic_height_index is None


def test_an_arm_over_the_waist_is_the_one_warning_for_the_missing_ratio():
    # A forearm hanging 0.38 T out, 36 px thick, lies on the right flank
    # from 0.45 T above the hip joints down: over most of the waist band
    # (0.25-0.5 T) the waist's edge is the arm's. No waist width, no ratio;
    # the arm's warning says why, and a second one about the waist would
    # repeat it.
    mask, lm = with_forearm(*scene(DIP), "right", 0.38 * T)
    r = measure(mask, lm)
    assert r.hip_width_px is not None and r.waist_to_hip_ratio is None
    codes = r.warning_codes()
    assert "arm_touching_right" in codes and "waist_hidden" not in codes


def test_love_handle_ratio_is_over_the_hip_width():
    r = measure(*scene(Body(dip_left_px=6.0, love_handle_px=10.0)))
    plain = measure(*scene(Body(dip_left_px=6.0)))
    for side in ("left", "right"):
        s = r.sides[side]
        assert s.love_handle_ratio == pytest.approx(s.love_handle_px / r.hip_width_px)
        # The bump above the crest bulges outwards: more love handle (not
        # all 10 px: the waist it is measured from moves up with it).
        assert s.love_handle_px > plain.sides[side].love_handle_px + 2.0


def test_depth_ratio_is_over_the_hip_width():
    r = measure(*scene(DIP))
    assert r.hip_width_px == pytest.approx(HIP_WIDTH, abs=0.1)
    for side, depth in (("left", 8.0), ("right", 4.0)):
        s = r.sides[side]
        assert s.dip_depth_ratio == pytest.approx(s.dip_depth_px / r.hip_width_px)
        assert s.dip_depth_ratio == pytest.approx(depth / HIP_WIDTH, rel=0.06)


@pytest.mark.parametrize(
    "body, expected",
    [
        (Body(dip_left_px=8.0, dip_right_px=8.0), 1.0),
        (Body(dip_left_px=12.0, dip_right_px=4.0), 1 - 8.0 / 16.0),
        (Body(), 1.0),  # no dip on either side: as symmetric as can be
        (Body(dip_left_px=2.0), 1.0),  # 0.8 % of hip width: below the threshold
    ],
)
def test_symmetry(body, expected):
    r = measure(*scene(body))
    a, b = r.left.dip_depth_ratio, r.right.dip_depth_ratio
    if max(a, b) >= 0.012:
        assert r.symmetry == pytest.approx(1 - abs(a - b) / (a + b))
    assert r.symmetry == pytest.approx(expected, abs=0.03)


def test_a_dip_on_one_side_only_is_asymmetric():
    r = measure(*scene(Body(dip_left_px=8.0)))
    assert r.symmetry == pytest.approx(0.0, abs=0.05)


def test_waist_to_hip_ratio():
    r = measure(*scene(DIP))
    assert r.waist_to_hip_ratio == pytest.approx(0.30 / HIP_U, abs=0.002)


def test_height_without_the_head_gives_no_centimetres():
    r = measure(*scene(DIP), height_cm=170.0)
    assert r.px_per_cm is None
    assert r.left.dip_depth_cm is None and r.left.dip_depth_px is not None


def test_without_a_height_nothing_is_in_centimetres():
    r = measure(*scene(DIP, TALL))
    assert r.px_per_cm is None and r.left.dip_depth_cm is None
    assert r.warnings == ()


# --------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------


def test_the_dip_threshold_option_decides_presence():
    mask, lm = scene(DIP)  # 8 px is 3.2 % of hip width, 4 px 1.6 %
    default = measure(mask, lm)
    assert default.left.dip_present and default.right.dip_present
    strict = measure(mask, lm, options=MeasureOptions(dip_threshold_ratio=0.02))
    assert strict.left.dip_present and not strict.right.dip_present
    assert strict.right.dip_depth_px == default.right.dip_depth_px


def test_the_tilt_threshold_option_decides_hip_popped():
    mask, lm = scene(Body(tilt_left_up_px=40.0, thigh_bulge_px=8.0))
    lm = popped_stance(lm, mask.shape, 9.0)
    popped = measure(mask, lm)
    assert popped.stance.hip_popped and popped.stance.weight_side == "left"
    tilt = popped.stance.pelvic_tilt_deg
    calm = measure(mask, lm, options=MeasureOptions(tilt_threshold_deg=tilt + 1))
    assert calm.stance.hip_popped is False and calm.stance.weight_side is None
    assert calm.stance.pelvic_tilt_deg == pytest.approx(tilt)
    assert "hip_popped" not in calm.warning_codes()


def test_refining_edges_pulls_the_outline_to_the_photo():
    # The photo has the notch; the model's mask missed it. Refined, the
    # outline moves towards the photo's (a soft 4 px edge: part of the way).
    photo, lm = scene(Body(dip_left_px=8.0, dip_right_px=8.0))
    flat, _ = scene(Body())
    rgb = image_for(photo)
    raw = measure(flat, lm, rgb=rgb, options=MeasureOptions(refine_edges=False))
    refined = measure(flat, lm, rgb=rgb)
    assert raw.left.dip_depth_px == pytest.approx(0.0, abs=0.1)
    assert refined.left.dip_depth_px > 2.0
    assert refined.right.dip_depth_px > 2.0


def test_unsure_hips_and_knees_lower_the_confidence_of_that_side_only():
    mask, lm = scene(DIP)
    sure = measure(mask, lm)
    for name in ("LEFT_HIP", "LEFT_KNEE"):
        unsure = measure(mask, with_visibility(lm, **{name: 0.6}))
        assert unsure.left.confidence < sure.left.confidence - 0.03
        assert unsure.right.confidence == pytest.approx(sure.right.confidence)
        # The measurement itself does not change.
        assert unsure.left.dip_depth_px == pytest.approx(sure.left.dip_depth_px)


# --------------------------------------------------------------------------
# Properties over many bodies (hypothesis; few examples, small images)
# --------------------------------------------------------------------------

SMALL = dict(torso_px=150.0)
SMALL_SIZE = (450, 300)
depths = st.floats(min_value=0.0, max_value=5.0, allow_nan=False)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(left=depths, right=depths, convex=st.sampled_from([0.0, 2.0]))
def test_mirroring_a_scene_swaps_the_sides_exactly(left: float, right: float, convex: float):
    body = Body(dip_left_px=left, dip_right_px=right, convex_px=convex, **SMALL)
    mask, lm = make_body(body, size=SMALL_SIZE)
    a = measure(mask, lm)
    b = measure(*mirror(mask, lm))
    for mine, theirs in (("left", "right"), ("right", "left")):
        p, q = a.sides[mine], b.sides[theirs]
        assert q.dip_depth_px == pytest.approx(p.dip_depth_px, abs=0.01)
        assert q.dip_present == p.dip_present
        assert q.confidence == pytest.approx(p.confidence, abs=1e-3)
        for name in ("crest", "trochanter", "deepest"):
            if getattr(p, name) is None:
                assert getattr(q, name) is None
            else:  # x mirrored about the image's centre, y the same
                x, y = getattr(p, name)
                assert getattr(q, name) == pytest.approx((SMALL_SIZE[1] - 1 - x, y), abs=0.05)
    assert b.hip_width_px == pytest.approx(a.hip_width_px, abs=0.01)
    assert b.symmetry == pytest.approx(a.symmetry, abs=1e-3)
    assert b.stance.pelvic_tilt_deg == pytest.approx(-a.stance.pelvic_tilt_deg, abs=0.05)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    left=depths,
    right=depths,
    love=st.floats(0.0, 6.0),
    convex=st.floats(0.0, 4.0),
    thigh=st.floats(0.0, 6.0),
    tilt=st.floats(-20.0, 20.0),
    scale=st.sampled_from([1.0, 2.5]),
)
def test_results_are_finite_json_whatever_the_body(left, right, love, convex, thigh, tilt, scale):
    body = Body(
        dip_left_px=left,
        dip_right_px=right,
        love_handle_px=love,
        convex_px=convex,
        thigh_bulge_px=thigh,
        tilt_left_up_px=tilt,
        **SMALL,
    )
    r = measure(*make_body(body, size=SMALL_SIZE), scale=scale)
    # No NaN or infinity anywhere in the JSON (strict JSON refuses them).
    text = json.dumps(r.to_dict(), allow_nan=False)
    assert "NaN" not in text
    assert r.person_found and r.view == "front"
    for side in (r.left, r.right):
        assert side.measured
        assert 0.0 <= side.confidence <= 1.0
        assert side.dip_depth_ratio == pytest.approx(side.dip_depth_px / r.hip_width_px)


@pytest.mark.parametrize("why", ["hip_unseen", "side_view", "sat_down"])
def test_an_unmeasured_person_still_has_its_landmarks_for_the_drawing(why):
    mask, lm = scene(DIP)
    if why == "hip_unseen":
        lm = with_visibility(lm, LEFT_HIP=0.1)  # no body frame
    elif why == "side_view":
        lm = turned(lm, 90.0)
    else:
        lm = moved(lm, mask.shape, LEFT_KNEE=(0.18, -0.1), RIGHT_KNEE=(-0.18, -0.1))
    r = measure(mask, lm)
    assert r.person_found and not (r.left.measured or r.right.measured)
    np.testing.assert_array_equal(r.landmarks, np.column_stack([lm.xy, lm.visibility]))


def test_without_3d_landmarks_the_view_is_unknown_and_said_so_without_an_angle():
    from silhouette import Landmarks

    mask, lm = scene(DIP)
    r = measure(mask, Landmarks(lm.xy, lm.visibility, None))
    assert r.view == "unknown" and r.body_yaw_deg is None
    assert not (r.left.measured or r.right.measured)
    (w,) = [w for w in r.warnings if w.code == "view_unknown"]
    assert w == r.warnings[-1]
    # Nothing shows the body turned: the sentence says what is not known instead.
    assert w.message.startswith("Which way the body faces cannot be told")
    assert "turned" not in w.message


def test_a_body_turned_within_the_front_view_is_trusted_less():
    # 20 degrees is still a front view (up to 30): measured, with less confidence.
    mask, lm = scene(DIP)
    square, turned_20 = measure(mask, lm), measure(mask, turned(lm, 20.0))
    assert turned_20.view == "front"
    for side in ("left", "right"):
        assert turned_20.sides[side].measured
        assert turned_20.sides[side].confidence < square.sides[side].confidence
