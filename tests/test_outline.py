"""Edge tracing and arm detection on rasterised bodies of known outline."""

import numpy as np
import pytest

from silhouette.core.anatomy import body_frame
from silhouette.core.outline import arm_overlap, side_profile
from support.bodies import (
    Body,
    half_width,
    make_body,
    moved,
    rotate,
    scene,
    with_fingertip,
    with_forearm,
)

T = 300.0


def profiles(mask, lm, T):
    frame = body_frame(lm, mask.shape)
    return frame, {
        s: side_profile(mask, frame, lm, s, v_top=0.5 * T, v_bottom=-0.5 * T)
        for s in ("left", "right")
    }


@pytest.mark.parametrize("dip", [0.0, 4.0])
def test_traced_edge_matches_the_drawn_outline(dip):
    body = Body(dip_left_px=dip)
    mask, lm = make_body(body)
    frame, sides = profiles(mask, lm, body.torso_px)
    for side, p in sides.items():
        assert p.valid.all() and not p.clipped.any()
        truth = half_width(p.v, body, side)
        # The mask's 0.5 crossing is on the analytic outline; OpenCV's remap
        # quantises sample positions to 1/32 px, which bounds the error.
        np.testing.assert_allclose(p.u, truth, atol=0.05)
        # The image points lie on that outline too.
        lat = frame.to_frame(p.xy)[:, 0]
        np.testing.assert_allclose(np.abs(lat), truth, atol=0.05)


def test_edge_is_traced_across_the_body_axis_under_camera_roll():
    body = Body(dip_left_px=5.0)
    mask, lm = make_body(body)
    rmask, rlm = rotate(mask, lm, 8.0)
    frame, sides = profiles(rmask, rlm, body.torso_px)
    assert frame.roll_deg == pytest.approx(8.0, abs=0.05)
    for side, p in sides.items():
        inner = np.abs(p.v) < 0.45 * body.torso_px
        # Resampling the rotated mask blurs the edge ramp slightly.
        np.testing.assert_allclose(p.u[inner], half_width(p.v, body, side)[inner], atol=0.25)


def test_photo_edge_clips_the_ray():
    body = Body()
    mask, lm = make_body(body)
    w = mask.shape[1]
    cut = int(w / 2 + 0.35 * body.torso_px)  # inside the person's left hip
    mask[:, cut:] = 1.0  # the body runs out of the picture
    _, sides = profiles(mask[:, : cut + 1], lm, body.torso_px)
    assert sides["left"].clipped.any()
    assert not sides["right"].clipped.any()
    # Where the ray ran out of the photo there is no edge, and no gap.
    left = sides["left"]
    assert np.isnan(left.u[left.clipped]).all()
    assert np.isinf(left.clearance[left.clipped]).all()


def test_arm_against_the_hip_is_flagged():
    mask, lm = make_body(Body())
    # Arm axis 0.46 T out, 18 px radius: it overlaps the 0.42 T hip edge.
    mask, lm = with_forearm(mask, lm, "left", 0.46 * 300)
    frame, sides = profiles(mask, lm, 300.0)
    flags = arm_overlap(sides["left"], frame, lm)
    span = (sides["left"].v < 0.2 * 300) & (sides["left"].v > -0.15 * 300)
    assert flags[span].mean() > 0.9
    assert not arm_overlap(sides["right"], frame, lm).any()


def test_arm_held_clear_of_the_hip_is_not_flagged():
    mask, lm = make_body(Body())
    # Arm axis 0.62 T out: a clear background gap of about 0.14 T.
    mask, lm = with_forearm(mask, lm, "left", 0.62 * 300)
    frame, sides = profiles(mask, lm, 300.0)
    assert not arm_overlap(sides["left"], frame, lm).any()
    # ... and the ray stops at the hip, not at the arm.
    truth = half_width(sides["left"].v, Body(), "left")
    np.testing.assert_allclose(sides["left"].u, truth, atol=0.05)


def test_levels_run_from_top_to_bottom_at_the_given_step():
    mask, lm = scene()
    frame = body_frame(lm, mask.shape)
    p = side_profile(mask, frame, lm, "left", v_top=60.0, v_bottom=-60.0, step_px=2.0)
    np.testing.assert_allclose(p.v, np.arange(60.0, -61.0, -2.0))
    np.testing.assert_allclose(p.xy, frame.to_image(p.u, p.v))
    r = side_profile(mask, frame, lm, "right", v_top=60.0, v_bottom=-60.0, step_px=2.0)
    np.testing.assert_allclose(r.xy, frame.to_image(-r.u, r.v))  # the image's left


@pytest.mark.parametrize(
    "side, top, bottom, match",
    [("middle", 10.0, -10.0, "side"), ("left", -10.0, 10.0, "above"), ("left", 5.0, 5.0, "above")],
)
def test_bad_arguments_are_refused(side, top, bottom, match):
    mask, lm = scene()
    with pytest.raises(ValueError, match=match):
        side_profile(mask, body_frame(lm, mask.shape), lm, side, v_top=top, v_bottom=bottom)


def test_a_ray_too_short_to_leave_the_body_finds_no_edge():
    mask, lm = scene()
    frame = body_frame(lm, mask.shape)
    # Rays start 0.12 T from the axis above the hips; the edge is 0.42 T out.
    p = side_profile(mask, frame, lm, "left", v_top=80.0, v_bottom=20.0, max_reach_px=60.0)
    assert not p.valid.any() and not p.clipped.any()
    assert np.isinf(p.clearance).all()  # nothing outside was reached either
    p = side_profile(mask, frame, lm, "left", v_top=80.0, v_bottom=20.0, max_reach_px=100.0)
    assert p.valid.all()


def test_rays_start_inside_each_thigh_across_a_gap_between_the_legs():
    body = Body()
    mask, lm = scene(body)
    mask = mask.copy()
    # Background between the thighs, up to 0.1 T below the hip joints.
    frame = body_frame(lm, mask.shape)
    gap = frame.to_image([-0.08 * T, 0.08 * T], [-0.1 * T, -0.1 * T])
    mask[int(gap[0, 1]) :, int(gap[0, 0]) : int(gap[1, 0]) + 1] = 0.0
    _, sides = profiles(mask, lm, T)
    for side, p in sides.items():
        assert p.valid.all()
        np.testing.assert_allclose(p.u, half_width(p.v, body, side), atol=0.05)


def test_a_binary_mask_needs_a_finer_ray_step():
    body = Body(dip_left_px=4.0)
    mask, lm = scene(body)
    hard = (mask >= 0.5).astype(np.float32)
    frame = body_frame(lm, hard.shape)
    p = side_profile(hard, frame, lm, "left", v_top=60.0, v_bottom=-45.0, ray_step_px=0.25)
    # The hard edge lies between the last pixel in and the first out: the
    # crossing is found within a quarter pixel of where a pixel stops.
    err = p.u - half_width(p.v, body, "left")
    assert np.abs(err).max() <= 0.76 and np.abs(np.median(err)) < 0.3


def test_clearance_is_the_gap_to_an_arm_held_away():
    mask, lm = with_forearm(*scene(), "left", 0.62 * T)
    _, sides = profiles(mask, lm, T)
    p = sides["left"]
    # The arm is 36 px thick around 0.62 T: its inner side is at 168 px, the
    # hip line at 126 px.
    beside = (p.v < 0.19 * T) & (p.v > -0.14 * T)
    np.testing.assert_allclose(p.clearance[beside], 168 - 126, atol=1.5)
    # Below the arm's end (-0.35 T, and its 18 px round cap) nothing is met.
    assert np.isinf(p.clearance[p.v < -0.44 * T]).all()
    assert np.isinf(sides["right"].clearance).all()
    # In pixels, whatever the sampling step along the ray.
    frame = body_frame(lm, mask.shape)
    fine = side_profile(mask, frame, lm, "left", v_top=0.5 * T, v_bottom=-0.5 * T, ray_step_px=0.5)
    np.testing.assert_allclose(fine.clearance[beside], 168 - 126, atol=1.0)


def test_arm_against_the_right_hip_is_flagged_on_the_right_only():
    mask, lm = with_forearm(*scene(), "right", 0.46 * T)
    frame, sides = profiles(mask, lm, T)
    span = (sides["right"].v < 0.2 * T) & (sides["right"].v > -0.15 * T)
    assert arm_overlap(sides["right"], frame, lm)[span].all()
    assert not arm_overlap(sides["left"], frame, lm).any()


def test_a_hand_on_the_hip_is_flagged_over_its_own_span():
    # Only landmarks change: a hand hanging down over the hip line, wrist
    # 0.20 T and finger landmarks 0.10 T above the hip joints, 0.47 T out.
    # With the finger reach (0.06 T) the hand runs down to 0.04 T, and with
    # its 27 px radius it covers the levels -15 to 87 px.
    mask, lm = scene()
    lm = moved(
        lm,
        mask.shape,
        LEFT_WRIST=(0.47, 0.20),
        LEFT_INDEX=(0.47, 0.10),
        LEFT_PINKY=(0.47, 0.10),
        LEFT_THUMB=(0.47, 0.10),
    )
    frame, sides = profiles(mask, lm, T)
    v = sides["left"].v
    flags = arm_overlap(sides["left"], frame, lm)
    np.testing.assert_array_equal(flags, (v >= -15.0) & (v <= 87.0))


def test_a_hand_held_level_is_flagged_over_its_thickness():
    # Wrist 0.60 T out and the fingers pointing in to 0.45 T (0.39 T with
    # the finger reach), all 0.10 T above the hip joints: the hand crosses
    # the 0.42 T hip line over its thickness, 30 +- 27 px.
    mask, lm = scene()
    lm = moved(
        lm,
        mask.shape,
        LEFT_WRIST=(0.60, 0.10),
        LEFT_INDEX=(0.45, 0.10),
        LEFT_PINKY=(0.45, 0.10),
        LEFT_THUMB=(0.45, 0.10),
    )
    frame, sides = profiles(mask, lm, T)
    v = sides["left"].v
    np.testing.assert_array_equal(arm_overlap(sides["left"], frame, lm), (v >= 3.0) & (v <= 57.0))


def with_bump(mask: np.ndarray, rows: slice, out_px: float) -> np.ndarray:
    """The left hip's outline pushed ``out_px`` further out over ``rows``."""
    mask = mask.copy()
    x0 = round(300 + 0.42 * T)
    mask[rows, x0 - 2 : x0 + round(out_px)] = 1.0
    return mask


def test_a_spike_in_the_outline_near_a_hand_is_the_hand():
    # A fingertip joining the hip: the outline juts 10 px out over 8 rows
    # (v = 30 to 23 px); the hand's landmarks are beside it, held out far
    # enough that no arm capsule reaches the hip line.
    mask, lm = scene()
    bumped = with_bump(mask, slice(375, 383), 10.0)
    near = moved(
        lm,
        mask.shape,
        LEFT_WRIST=(0.75, 0.10),
        LEFT_INDEX=(0.62, 0.10),
        LEFT_PINKY=(0.62, 0.10),
        LEFT_THUMB=(0.62, 0.10),
    )
    frame, sides = profiles(bumped, near, T)
    p = sides["left"]
    flags = arm_overlap(p, frame, near)
    spike = (p.v <= 30.0) & (p.v >= 23.0)
    assert flags[spike].all()
    # The flag covers the spike and, for the bridge's soft sides, 15 levels
    # (half the 0.1 T median window) either side; nothing else.
    lo, hi = 23.0 - 15.0, 30.0 + 15.0
    assert not flags[(p.v < lo - 1) | (p.v > hi + 1)].any()
    assert flags[(p.v >= lo + 1) & (p.v <= hi - 1)].all()
    # Without a hand near, the same spike is the body's own shape.
    frame, sides = profiles(bumped, lm, T)
    assert not arm_overlap(sides["left"], frame, lm).any()


def test_a_small_spike_is_not_a_hand():
    # 4 px is under the 0.02 T (6 px) a fingertip's spike must stand out.
    mask, lm = scene()
    near = moved(lm, mask.shape, LEFT_WRIST=(0.75, 0.10), LEFT_INDEX=(0.62, 0.10))
    frame, sides = profiles(with_bump(mask, slice(375, 383), 4.0), near, T)
    assert not arm_overlap(sides["left"], frame, near).any()


@pytest.mark.parametrize("gap, flagged", [(5.0, True), (7.0, True), (12.0, False)])
def test_a_narrow_gap_to_a_hand_counts_as_touching(gap, flagged):
    # Under 0.03 T (9 px) of background between the hip and a fingertip,
    # the blur of mask and photo join them.
    mask, lm = with_fingertip(*scene(), "left", (0.125, 0.165), gap_px=gap)
    frame, sides = profiles(mask, lm, T)
    p = sides["left"]
    flags = arm_overlap(p, frame, lm)
    block = (p.v >= 0.125 * T) & (p.v <= 0.165 * T)
    assert flags[block].all() == flagged
    assert not flags[~block].any()


def test_a_narrow_gap_far_from_any_arm_landmark_is_not_an_arm():
    # The same block of "person" 7 px outside the hip, but the arm's
    # landmarks where they were (over 0.35 T away): a bag, a chair.
    mask, _ = with_fingertip(*scene(), "left", (0.125, 0.165))
    _, lm = scene()
    frame, sides = profiles(mask, lm, T)
    assert not arm_overlap(sides["left"], frame, lm).any()


@pytest.mark.parametrize("size", [1, 3, 9, 31])
def test_running_median_is_scipys_median_filter(size):
    # The spike check's running median, as scipy.ndimage.median_filter(...,
    # mode="nearest") computed it before SciPy's import was dropped.
    median_filter = pytest.importorskip("scipy.ndimage").median_filter
    from silhouette.core.outline import _running_median

    u = 50.0 + np.cumsum(np.random.default_rng(size).normal(size=200))
    u[::17] += 4.0  # spikes
    assert np.array_equal(_running_median(u, size), median_filter(u, size=size, mode="nearest"))


@pytest.mark.parametrize("spread", ["left", "right"])
def test_each_sides_rays_follow_its_own_femur(spread):
    # One knee far out (0.6 T from the axis), background between the legs:
    # the other side's rays still start inside its own thigh, and trace it.
    body = Body()
    mask, lm = scene(body)
    mask = mask.copy()
    frame = body_frame(lm, mask.shape)
    gap = frame.to_image([-0.08 * T, 0.08 * T], [-0.1 * T, -0.1 * T])
    mask[int(gap[0, 1]) :, int(gap[0, 0]) : int(gap[1, 0]) + 1] = 0.0
    sign = 1 if spread == "left" else -1
    lm = moved(lm, mask.shape, **{f"{spread.upper()}_KNEE": (sign * 0.6, -0.9)})
    other = "right" if spread == "left" else "left"
    p = side_profile(mask, frame, lm, other, v_top=0.5 * T, v_bottom=-0.5 * T)
    assert p.valid.all()
    np.testing.assert_allclose(p.u, half_width(p.v, body, other), atol=0.05)


def test_an_upper_arm_resting_on_the_waist_is_flagged_down_to_the_elbow():
    # Upper arm hanging from the shoulder (0.35 T out) to the elbow, 0.40 T
    # out and 0.35 T up; the forearm held out sideways. The upper arm (27 px
    # radius) lies on the waist from the window's top (0.5 T, 150 px) down
    # to 27 px below the elbow (78 px).
    mask, lm = scene()
    lm = moved(
        lm,
        mask.shape,
        LEFT_ELBOW=(0.40, 0.35),
        LEFT_WRIST=(1.0, 0.35),
        LEFT_INDEX=(1.1, 0.35),
        LEFT_PINKY=(1.1, 0.35),
        LEFT_THUMB=(1.1, 0.35),
    )
    frame, sides = profiles(mask, lm, T)
    v = sides["left"].v
    np.testing.assert_array_equal(arm_overlap(sides["left"], frame, lm), v >= 78.0)


@pytest.mark.parametrize("out, touching", [(0.52, True), (0.54, False)])
def test_a_hand_a_few_pixels_off_the_hip_counts_as_touching(out, touching):
    # A hand hanging over the hip line (126 px out) with its inner side 3 px
    # outside it (0.52 T) is within the 0.02 T (6 px) tolerance; 9 px (0.54 T)
    # is not.
    mask, lm = scene()
    where = {f"LEFT_{k}": (out, 0.10) for k in ("INDEX", "PINKY", "THUMB")}
    lm = moved(lm, mask.shape, LEFT_WRIST=(out, 0.20), **where)
    frame, sides = profiles(mask, lm, T)
    assert arm_overlap(sides["left"], frame, lm).any() == touching


@pytest.mark.parametrize("reach, flagged", [(0.33, True), (0.37, False)])
def test_a_narrow_gap_counts_only_with_a_hand_within_reach_of_it(reach, flagged):
    # The gap's outer side is 133 px out (the hip line, 126 px, plus 7 px):
    # the hand's landmarks 0.33 T beyond it are within the 0.35 T reach.
    mask, _ = with_fingertip(*scene(), "left", (0.125, 0.165))
    _, lm = scene()
    x = 133 / T + reach
    where = {f"LEFT_{k}": (x, 0.145) for k in ("WRIST", "INDEX", "PINKY", "THUMB")}
    lm = moved(lm, mask.shape, LEFT_ELBOW=(x + 0.3, 0.3), **where)
    frame, sides = profiles(mask, lm, T)
    p = sides["left"]
    block = (p.v >= 0.125 * T) & (p.v <= 0.165 * T)
    assert arm_overlap(p, frame, lm)[block].all() == flagged


def test_a_spike_far_from_the_hand_is_the_body_though_the_hand_is_near_elsewhere():
    # The hand beside the waist (0.30 T up), the spike low on the thigh
    # (-0.40 T): each spike is judged by its own distance to the hand.
    mask, lm = scene()
    bumped = with_bump(mask, slice(525, 533), 10.0)  # v = -120 to -127 px
    near = moved(
        lm,
        mask.shape,
        LEFT_WRIST=(0.75, 0.30),
        LEFT_INDEX=(0.62, 0.30),
        LEFT_PINKY=(0.62, 0.30),
        LEFT_THUMB=(0.62, 0.30),
    )
    frame, sides = profiles(bumped, near, T)
    assert not arm_overlap(sides["left"], frame, near).any()


def test_the_spike_window_is_a_tenth_of_a_torso_at_any_level_step():
    # Traced every 2 px, the flag still reaches 15 px (not 15 levels) past
    # the spike.
    mask, lm = scene()
    bumped = with_bump(mask, slice(375, 383), 10.0)
    where = {f"LEFT_{k}": (0.62, 0.10) for k in ("INDEX", "PINKY", "THUMB")}
    near = moved(lm, mask.shape, LEFT_WRIST=(0.75, 0.10), **where)
    frame = body_frame(near, mask.shape)
    p = side_profile(bumped, frame, near, "left", v_top=0.5 * T, v_bottom=-0.5 * T, step_px=2.0)
    flags = arm_overlap(p, frame, near)
    assert flags[(p.v <= 30.0) & (p.v >= 23.0)].all()
    assert not flags[(p.v < 23.0 - 18) | (p.v > 30.0 + 18)].any()
